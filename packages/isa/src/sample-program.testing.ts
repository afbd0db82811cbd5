import { type Chip, getPreset } from '@pimc/arch';
import { Rng } from '@pimc/support';
import { pimb } from '../generated/pimb.js';
import { wrapBody } from './container.js';
import { PIMB_FORMAT_VERSION, type CrossbarImage, type CrossbarMvm, type Program } from './program.js';
import { programToWire } from './to-wire.js';

/**
 * A small hand-built program on the isaac preset: a 2→4 channel 3×3 conv split over two crossbars
 * by rows (im2col K = 18 = 10 + 8 rows, 4 channels × 4 two-bit slices = 16 columns), then max
 * pooling, a reshape, dequantization and a softmax on the digital units.
 */
export function sampleProgram(chip: Chip = getPreset('isaac')): Program {
  const rng = new Rng(7);
  const image = (id: number, usedRows: number): CrossbarImage => {
    const rows = 16;
    const columns = 16;
    const levels = new Uint8Array(rows * columns);
    for (let r = 0; r < usedRows; r++) for (let c = 0; c < columns; c++) levels[r * columns + c] = rng.int(0, 3);
    return { id, tile: 0, macro: id, index: 0, rows, columns, levels };
  };
  const conv: CrossbarMvm = {
    op: 'crossbar-mvm',
    name: 'conv1',
    input: 0,
    output: 1,
    geometry: {
      inShape: [2, 4, 4],
      outShape: [4, 2, 2],
      kernel: [3, 3],
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      groups: 1,
    },
    weights: { scheme: 'offset', offset: 128, slices: [2, 2, 2, 2] },
    inputs: { zeroPoint: 3, slices: [1, 1, 1, 1, 1, 1, 1, 1], bits: 8, signed: false },
    adc: { bits: 8, signed: false, lsb: 1 },
    tiles: [
      { group: 0, rowStart: 0, rowCount: 10, channelStart: 0, channelCount: 4, crossbar: 0 },
      { group: 0, rowStart: 10, rowCount: 8, channelStart: 0, channelCount: 4, crossbar: 1 },
    ],
    bias: Int32Array.from([100, -200, 300, -400]),
    multiplier: Int32Array.from([8388608, 9000000, 12345678, 16777215]),
    shift: Int32Array.from([30, 31, 29, 32]),
    outputZeroPoint: 0,
    clampMin: 0,
    clampMax: 255,
  };
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip,
    tensors: [
      { id: 0, name: 'input', type: 'u8', shape: [1, 2, 4, 4], scale: 0.02, zeroPoint: 3 },
      { id: 1, name: 'conv1', type: 'u8', shape: [1, 4, 2, 2], scale: 0.05, zeroPoint: 0 },
      { id: 2, name: 'pool1', type: 'u8', shape: [1, 4, 1, 1], scale: 0.05, zeroPoint: 0 },
      { id: 3, name: 'flat', type: 'u8', shape: [1, 4], scale: 0.05, zeroPoint: 0 },
      { id: 4, name: 'logits', type: 'f32', shape: [1, 4] },
      { id: 5, name: 'probs', type: 'f32', shape: [1, 4] },
    ],
    crossbars: [image(0, 10), image(1, 8)],
    instructions: [
      conv,
      { op: 'digital', name: 'pool1', kind: 'maxpool', inputs: [1], outputs: [2], attrs: { kernel: [2, 2], strides: [2, 2] } },
      { op: 'digital', name: 'flat', kind: 'reshape', inputs: [2], outputs: [3], attrs: { shape: [1, 4] } },
      { op: 'digital', name: 'dq', kind: 'dequantize', inputs: [3], outputs: [4], attrs: { scale: 0.05, zeroPoint: 0 } },
      { op: 'digital', name: 'softmax', kind: 'softmax', inputs: [4], outputs: [5], attrs: { axis: -1, mode: 'exact' } },
    ],
    inputs: [0],
    outputs: [5],
    metadata: { source: 'hand-built', pimc: '0.1.0' },
  };
}

/** The same program for a differential (2T2R) chip: sign-magnitude weights on two level planes. */
export function differentialSampleProgram(): Program {
  const base = sampleProgram(getPreset('raella'));
  const crossbars = base.crossbars.map((c) => {
    const levels = new Uint8Array(2 * c.rows * c.columns);
    levels.forEach((_, k) => (levels[k] = (k * 7) % 16));
    return { ...c, levels };
  });
  const instructions = base.instructions.map((ins) =>
    ins.op === 'crossbar-mvm'
      ? {
          ...ins,
          weights: { scheme: 'differential' as const, offset: 0, slices: [4, 4] },
          adc: { bits: 7, signed: true, lsb: 1 },
          tiles: ins.tiles.map((t) => ({ ...t })),
        }
      : ins,
  );
  return { ...base, crossbars, instructions };
}

/**
 * A file for a program encodePimb would refuse: the container and protobuf are right, the contents
 * not (for testing the decoder's checks). `edit` may change the wire message before encoding.
 */
export function encodeUnchecked(program: Program, edit: (wire: pimb.Program.$Properties) => void = () => {}): Uint8Array {
  const wire = programToWire(program, JSON.stringify(program.chip));
  edit(wire);
  return wrapBody(pimb.Program.encode(wire).finish());
}
