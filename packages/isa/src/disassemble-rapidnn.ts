import { formatNumber } from '@pimc/arch';
import { fieldLines, geometryText, listField, plural, summarizeArray, tensorRef } from './listing-text.js';
import type { CamEncode, CamTable, LutMvm, Program } from './program.js';

/** RNA blocks listed per lut-mvm before the rest are counted. */
const SHOWN_BLOCKS = 6;

/** The listing of a cam-encode: the key each value becomes and the CAM it searches. */
export function camEncodeLines(program: Program, c: CamEncode, i: number): string[] {
  return [
    `[${i}] cam-encode '${c.name}'  ${tensorRef(program, c.input)} → ${tensorRef(program, c.output)}`,
    ...fieldLines([['key', `roundHalfEven(x / ${formatNumber(c.keyScale)}), ${camKeyText(c.cam)}`], ...camFields(c.cam)]),
  ];
}

/** The listing of a lut-mvm: geometry, weight indices, product tables, bias, activation CAM, blocks. */
export function lutMvmLines(program: Program, l: LutMvm, i: number): string[] {
  const table = l.kW * l.kU;
  const tables = table === 0 ? 0 : l.lut.length / table;
  const tableText = tables === 1 ? '1 table (per layer)' : `${formatNumber(tables)} tables (per output channel)`;
  const activation = l.activation;
  const blocks = l.blocks.map((b) => `tile ${b.tile} block ${b.block}`);
  return [
    `[${i}] lut-mvm '${l.name}'  ${tensorRef(program, l.input)} → ${tensorRef(program, l.output)}`,
    ...fieldLines([
      ['geometry', geometryText(l.geometry)],
      ['weights', `${plural(l.kW, 'cluster')}, indices ${summarizeArray(l.weightIndices)}`],
      ['inputs', plural(l.kU, 'cluster')],
      [
        'lut',
        `${tableText} of ${l.kW}×${l.kU} ${l.lutBits}-bit entries, unit ${formatNumber(l.lutScale)}: ${summarizeArray(l.lut)}`,
      ],
      ['bias', summarizeArray(l.bias)],
      ...(activation === undefined
        ? ([['output', 'f32: acc · unit (no activation)']] as [string, string][])
        : ([
            [
              'activation',
              `key (acc + ${activation.keyShift === 0 ? '0' : `2^${activation.keyShift - 1}`}) >> ${activation.keyShift}, ` +
                camKeyText(activation.cam),
            ],
            ...camFields(activation.cam),
          ] as [string, string][])),
      ...listField('blocks', blocks, SHOWN_BLOCKS),
    ]),
  ];
}

function camKeyText(cam: CamTable): string {
  return `${cam.keyBits}-bit keys compared on the top ${plural(cam.camBits, 'bit')}`;
}

function camFields(cam: CamTable): [string, string][] {
  return [
    [`cam (${cam.keys.length})`, `keys ${summarizeArray(cam.keys)}`],
    ['', `→ clusters ${summarizeArray(cam.values)}`],
  ];
}
