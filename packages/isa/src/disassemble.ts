import { type Chip, formatNumber } from '@pimc/arch';
import type { CrossbarImage, CrossbarMvm, DigitalOp, Instruction, Program, TensorDesc } from './program.js';

/** Arrays up to this long are printed whole; longer ones as count, min, max and their first values. */
const WHOLE_ARRAY_LIMIT = 8;
const SHOWN_VALUES = 4;
/** Tiles listed per crossbar-mvm before the rest are counted. */
const SHOWN_TILES = 6;

export interface DisassembleOptions {
  /** The file the program was read from and its size, printed in the header. */
  readonly file?: string;
  readonly fileBytes?: number;
}

/**
 * A readable listing of a program: header and provenance, a chip summary, the tensors, the
 * crossbar images (placement, size, cells used, level histogram) and every instruction with its
 * parameters. Long arrays are abbreviated, so the listing stays short for real models.
 */
export function disassemble(program: Program, options: DisassembleOptions = {}): string {
  const lines: string[] = [];
  const size = options.fileBytes === undefined ? '' : ` (${options.fileBytes} bytes)`;
  lines.push(`; pimb format version ${program.formatVersion}${options.file === undefined ? '' : `, ${options.file}`}${size}`);
  for (const key of Object.keys(program.metadata).sort()) lines.push(`; ${key}: ${program.metadata[key]}`);
  lines.push('', ...chipSummary(program.chip));
  lines.push('', `tensors (${program.tensors.length})`, ...indent(tensorTable(program.tensors)));
  const ref = (id: number): string => tensorRef(program, id);
  lines.push('', `inputs   ${program.inputs.map(ref).join(', ') || '(none)'}`);
  lines.push(`outputs  ${program.outputs.map(ref).join(', ') || '(none)'}`);
  lines.push('', `crossbars (${program.crossbars.length})`, ...indent(crossbarTable(program)));
  lines.push('', `instructions (${program.instructions.length})`);
  program.instructions.forEach((ins, i) => lines.push(...indent(instructionLines(program, ins, i))));
  return `${lines.join('\n')}\n`;
}

function chipSummary(chip: Chip): string[] {
  const lines = [`chip '${chip.name}'${chip.description === '' ? '' : `: ${chip.description}`}`];
  const { tiles } = chip;
  const macro = tiles.macro;
  if (macro !== undefined) {
    const xb = macro.crossbar;
    lines.push(
      `  ${tiles.count} tiles × ${macro.count} macros × ${xb.count} crossbars of ${xb.rows}×${xb.columns} cells, ` +
        `${plural(xb.bitsPerCell, 'bit')} per cell (${xb.cell})`,
      `  DAC ${plural(macro.dac.bits, 'bit')} (${macro.dac.kind}), ADC ${plural(macro.adc.bits, 'bit')} ${signedness(macro.adc.signed)}, ` +
        `clock ${formatNumber(chip.clockGhz)} GHz`,
    );
    if (macro.speculation !== undefined) lines.push(`  speculative input slices ${macro.speculation.sliceBits.join('+')} bits`);
    if (macro.centerOffset !== undefined) {
      lines.push(`  Center+Offset: ${plural(macro.centerOffset.centerBits, 'bit')} per center`);
    }
  } else {
    lines.push(`  ${tiles.count} tiles without crossbar macros`);
  }
  if (tiles.cam !== undefined) {
    lines.push(`  CAM ${tiles.cam.count} per tile, ${tiles.cam.entries} entries of ${plural(tiles.cam.keyBits, 'bit')}`);
  }
  if (tiles.lut !== undefined) {
    lines.push(`  LUT ${tiles.lut.count} per tile, ${tiles.lut.entries} entries of ${plural(tiles.lut.entryBits, 'bit')}`);
  }
  return lines;
}

function tensorTable(tensors: readonly TensorDesc[]): string[] {
  const rows = tensors.map((t) => [
    `%${t.id}`,
    t.name,
    t.type,
    formatShape(t.shape),
    t.scale === undefined ? '' : formatNumber(t.scale),
    t.zeroPoint === undefined ? '' : String(t.zeroPoint),
  ]);
  return alignColumns([['id', 'name', 'type', 'shape', 'scale', 'zero point'], ...rows]);
}

function crossbarTable(program: Program): string[] {
  const macro = program.chip.tiles.macro;
  const levelCount = macro === undefined ? 0 : 2 ** macro.crossbar.bitsPerCell;
  const usage = crossbarUsage(program);
  const planes = macro?.crossbar.cell === 'differential-2t2r' ? ' (both planes)' : '';
  const rows = program.crossbars.map((c) => {
    const use = usage.get(c.id);
    const cells = c.rows * c.columns;
    const used = use === undefined ? 'unused' : `${use.cells} (${percent(use.cells, cells)}) by ${use.layers.join(', ')}`;
    return [
      `#${c.id}`,
      String(c.tile),
      String(c.macro),
      String(c.index),
      `${c.rows}×${c.columns}`,
      used,
      histogram(c, levelCount),
    ];
  });
  return alignColumns([['id', 'tile', 'macro', 'index', 'size', 'cells used', `levels${planes}`], ...rows]);
}

/** Cells each crossbar's tiles cover, and the layers they belong to. */
function crossbarUsage(program: Program): Map<number, { cells: number; layers: string[] }> {
  const usage = new Map<number, { cells: number; layers: string[] }>();
  for (const ins of program.instructions) {
    if (ins.op !== 'crossbar-mvm') continue;
    for (const t of ins.tiles) {
      const entry = usage.get(t.crossbar) ?? { cells: 0, layers: [] };
      entry.cells += t.rowCount * t.channelCount * ins.weights.slices.length;
      const name = `'${ins.name}'`;
      if (!entry.layers.includes(name)) entry.layers.push(name);
      usage.set(t.crossbar, entry);
    }
  }
  return usage;
}

/** `0:120 1:30 2:5 3:1`: how many cells hold each level (levels no cell holds are left out past 16). */
function histogram(c: CrossbarImage, levelCount: number): string {
  // Levels are checked to be below levelCount on decode; 256 bins also cover an unchecked program.
  const counts = new Float64Array(256);
  const { levels } = c;
  for (let k = 0; k < levels.length; k++) counts[levels[k]]++;
  const shown = Math.max(levelCount, counts.findLastIndex((n) => n > 0) + 1);
  return Array.from(counts.subarray(0, shown), (n, level) => ({ n, level }))
    .filter(({ n }) => shown <= 16 || n > 0)
    .map(({ n, level }) => `${level}:${n}`)
    .join(' ');
}

function instructionLines(program: Program, ins: Instruction, i: number): string[] {
  return ins.op === 'crossbar-mvm' ? mvmLines(program, ins, i) : [digitalLine(program, ins, i)];
}

function mvmLines(program: Program, m: CrossbarMvm, i: number): string[] {
  const g = m.geometry;
  const w = m.weights;
  const x = m.inputs;
  const weightText =
    w.scheme === 'offset'
      ? `offset binary (w + ${w.offset}), slices ${w.slices.join('+')} bits`
      : `differential (sign-magnitude)${w.offset === 0 ? '' : `, offset ${w.offset}`}, slices ${w.slices.join('+')} bits`;
  const tiles = m.tiles
    .slice(0, SHOWN_TILES)
    .map(
      (t) =>
        `group ${t.group} rows ${range(t.rowStart, t.rowCount)} channels ${range(t.channelStart, t.channelCount)} → #${t.crossbar}`,
    );
  if (m.tiles.length > SHOWN_TILES) tiles.push(`… ${m.tiles.length - SHOWN_TILES} more`);
  const fields: [string, string][] = [
    [
      'geometry',
      `in ${g.inShape.join('×')} → out ${g.outShape.join('×')}, kernel ${g.kernel.join('×')}, strides ${g.strides.join('×')}, ` +
        `pads ${g.pads.join(',')} (t,l,b,r), dilations ${g.dilations.join('×')}, groups ${g.groups}`,
    ],
    ['weights', weightText],
    ['inputs', `${x.bits}-bit ${signedness(x.signed)} codes, zero point ${x.zeroPoint}, slices ${x.slices.join('+')} bits`],
    ['adc', `${plural(m.adc.bits, 'bit')} ${signedness(m.adc.signed)}, lsb ${formatNumber(m.adc.lsb)}`],
    [`tiles (${m.tiles.length})`, tiles[0] ?? ''],
    ...tiles.slice(1).map((t): [string, string] => ['', t]),
    ['bias', summarizeArray(m.bias)],
    ['multiplier', summarizeArray(m.multiplier)],
    ['shift', summarizeArray(m.shift)],
    ['output', `zero point ${m.outputZeroPoint}, clamp ${m.clampMin}..${m.clampMax}`],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  return [
    `[${i}] crossbar-mvm '${m.name}'  ${tensorRef(program, m.input)} → ${tensorRef(program, m.output)}`,
    ...fields.map(([k, v]) => `    ${k.padEnd(width)}  ${v}`.trimEnd()),
  ];
}

function digitalLine(program: Program, d: DigitalOp, i: number): string {
  const attrs = Object.keys(d.attrs)
    .sort()
    .map((key) => `${key}=${formatAttr(d.attrs[key])}`);
  const ins = d.inputs.map((id) => tensorRef(program, id)).join(', ');
  const outs = d.outputs.map((id) => tensorRef(program, id)).join(', ');
  return `[${i}] digital ${d.kind} '${d.name}'  ${ins} → ${outs}${attrs.length === 0 ? '' : `  ${attrs.join(' ')}`}`;
}

function formatAttr(value: DigitalOp['attrs'][string]): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return value.length <= WHOLE_ARRAY_LIMIT ? `[${value.map(formatNumber).join(', ')}]` : summarizeArray(value);
}

/**
 * `i32[3]: 1, -2, 5`, or for long arrays `i32[512] min -3 max 410: 12, -5, 7, 0, …`. Plain number
 * lists are written `[n]` without a type.
 */
export function summarizeArray(values: ArrayLike<number>): string {
  const type = values instanceof Int32Array ? 'i32' : values instanceof Uint8Array ? 'u8' : '';
  const all = Array.from(values, formatNumber);
  if (values.length <= WHOLE_ARRAY_LIMIT) return `${type}[${values.length}]${all.length === 0 ? '' : `: ${all.join(', ')}`}`;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    min = Math.min(min, values[k]);
    max = Math.max(max, values[k]);
  }
  return `${type}[${values.length}] min ${formatNumber(min)} max ${formatNumber(max)}: ${all.slice(0, SHOWN_VALUES).join(', ')}, …`;
}

function tensorRef(program: Program, id: number): string {
  const t = program.tensors[id];
  return t === undefined ? `%${id}` : `%${id} ${t.name}`;
}

function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

function range(start: number, count: number): string {
  return `${start}..${start + count - 1}`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${formatNumber(Math.round((1000 * part) / whole) / 10)}%`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function signedness(signed: boolean): string {
  return signed ? 'signed' : 'unsigned';
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `  ${l}`);
}

/** Pads every column but the last to its widest cell. */
function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, k) => (widths[k] = Math.max(widths[k] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k])))
      .join('  ')
      .trimEnd(),
  );
}
