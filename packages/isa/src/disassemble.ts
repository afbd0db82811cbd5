import { type Chip, formatNumber } from '@pimc/arch';
import { camEncodeLines, lutMvmLines } from './disassemble-rapidnn.js';
import { fieldLines, formatList, geometryText, listField, plural, range, summarizeArray, tensorRef } from './listing-text.js';
import type { CrossbarImage, CrossbarMvm, DigitalOp, Instruction, Program, TensorDesc } from './program.js';

export { summarizeArray } from './listing-text.js';

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

/** The tensors; a codebook column only when some tensor is a RAPIDNN index tensor. */
function tensorTable(tensors: readonly TensorDesc[]): string[] {
  const codebooks = tensors.some((t) => t.codebook !== undefined);
  const rows = tensors.map((t) => [
    `%${t.id}`,
    t.name,
    t.type,
    formatShape(t.shape),
    t.scale === undefined ? '' : formatNumber(t.scale),
    t.zeroPoint === undefined ? '' : String(t.zeroPoint),
    ...(codebooks ? [t.codebook === undefined ? '' : summarizeArray(t.codebook)] : []),
  ]);
  return alignColumns([['id', 'name', 'type', 'shape', 'scale', 'zero point', ...(codebooks ? ['codebook'] : [])], ...rows]);
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
  switch (ins.op) {
    case 'crossbar-mvm':
      return mvmLines(program, ins, i);
    case 'digital':
      return [digitalLine(program, ins, i)];
    case 'cam-encode':
      return camEncodeLines(program, ins, i);
    case 'lut-mvm':
      return lutMvmLines(program, ins, i);
  }
}

function mvmLines(program: Program, m: CrossbarMvm, i: number): string[] {
  const w = m.weights;
  const x = m.inputs;
  const weightText =
    w.scheme === 'offset'
      ? `offset binary (w + ${w.offset}), slices ${w.slices.join('+')} bits`
      : `differential (sign-magnitude)${w.offset === 0 ? '' : `, offset ${w.offset}`}, slices ${w.slices.join('+')} bits`;
  const tiles = m.tiles.map(
    (t) =>
      `group ${t.group} rows ${range(t.rowStart, t.rowCount)} channels ${range(t.channelStart, t.channelCount)} → #${t.crossbar}`,
  );
  const fields: [string, string][] = [
    ['geometry', geometryText(m.geometry)],
    ['weights', weightText],
    ['inputs', `${x.bits}-bit ${signedness(x.signed)} codes, zero point ${x.zeroPoint}, slices ${x.slices.join('+')} bits`],
    ['adc', `${plural(m.adc.bits, 'bit')} ${signedness(m.adc.signed)}, lsb ${formatNumber(m.adc.lsb)}`],
    ...listField('tiles', tiles, SHOWN_TILES),
    ['bias', summarizeArray(m.bias)],
    ['multiplier', summarizeArray(m.multiplier)],
    ['shift', summarizeArray(m.shift)],
    ['output', `zero point ${m.outputZeroPoint}, clamp ${m.clampMin}..${m.clampMax}`],
  ];
  return [
    `[${i}] crossbar-mvm '${m.name}'  ${tensorRef(program, m.input)} → ${tensorRef(program, m.output)}`,
    ...fieldLines(fields),
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
  return formatList(value);
}

function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${formatNumber(Math.round((1000 * part) / whole) / 10)}%`;
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
