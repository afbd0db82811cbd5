import { chipArea, chipPower, COMPONENT_NAMES } from './area-power.js';
import { crossbarsPerChip, cycleNs, levelsPerCell, type Chip } from './chip.js';
import { CHIP_SCHEMA, META_FIELDS } from './chip-schema.js';
import { COST_CONSTANTS, CONSTANT_NAMES, isPlaceholderSource, type ConstantSpec } from './cost-constants.js';
import { costConstants } from './cost-model.js';
import { BUFFER_NAMES } from './events.js';
import { getPreset } from './presets.js';
import { describeRange, fieldAt, leafFields, type AnyField } from './schema.js';
import {
  adcConvertEnergyPJ,
  adcConvertNs,
  bufferAccessBits,
  bufferAccessEnergyPJ,
  bufferAccessNs,
  camSearchEnergyPJ,
  dacDriveEnergyPJ,
  digitalAddEnergyPJ,
  digitalMacEnergyPJ,
  digitalOpNs,
  flitHopEnergyPJ,
  flitHopNs,
  inMemAddEnergyPJ,
  inMemAddNs,
  lutReadEnergyPJ,
  sampleHoldEnergyPJ,
  speculationCellFactor,
  xbActivationEnergyPJ,
  constantValue,
} from './unit-costs.js';
import { cellWriteEnergyPJ, lumpedCrossbarWrite, rowWriteNs, writeIterations } from './write-cost.js';
import { isDimensionless } from './units.js';

/** A number with at most 6 significant digits, no trailing zeros. */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(5).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(6)));
}

/** `1 bit`, `2 bits`: units that are plural nouns lose the `s` for exactly one. */
function withUnit(value: number, unit: string): string {
  const singular = value === 1 && (unit === 'bits' || unit === 'bytes' || unit === 'cycles' || unit === 'iterations');
  return `${formatNumber(value)} ${singular ? unit.slice(0, -1) : unit}`;
}

/** The value at a dotted path of a chip (undefined when an optional block is absent). */
function valueAt(chip: Chip, path: string): unknown {
  let cur: unknown = chip;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function formatValue(field: AnyField, value: unknown): string {
  if (value === undefined) return '—';
  if (field.kind === 'number' && typeof value === 'number') {
    const n = formatNumber(value);
    if (field.unit === 'bytes' && value >= 1024 && value % 1024 === 0) return `${n} bytes (${formatNumber(value / 1024)} KB)`;
    return isDimensionless(field.unit) ? n : withUnit(value, field.unit);
  }
  if (field.kind === 'number-list' && Array.isArray(value)) return `[${value.join(', ')}] ${field.unit}`;
  if (field.kind === 'record') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? '(none)' : entries.map(([k, v]) => `${k}=${String(v)}`).join(', ');
  }
  return String(value);
}

function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) =>
    (indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).trimEnd(),
  );
}

/** A readable description of a chip: totals, then every field with its value and source (`pimc arch show`). */
export function formatChip(chip: Chip): string {
  const lines: string[] = [];
  lines.push(`chip ${chip.name}${chip.basedOn.length > 0 ? ` (extends ${chip.basedOn.join(' → ')})` : ''}`);
  if (chip.description !== '') lines.push(`  ${chip.description}`);
  lines.push(...summaryLines(chip));
  lines.push('', 'fields (value, source; * = placeholder, calibrate before quoting):');
  const rows: string[][] = [];
  let placeholders = 0;
  for (const { path, field } of leafFields(CHIP_SCHEMA)) {
    if (META_FIELDS.includes(path)) continue;
    const value = valueAt(chip, path);
    if (value === undefined && absentParent(chip, path)) continue;
    const source = chip.sources[path] ?? (value === undefined ? '' : '(default)');
    const mark = isPlaceholderSource(source) ? '*' : ' ';
    if (mark === '*') placeholders++;
    rows.push([`${mark}${path}`, formatValue(field, value), source]);
  }
  lines.push(...table(rows));
  const absent = ['tiles.macro', 'tiles.macro.centerOffset', 'tiles.macro.speculation', 'tiles.cam', 'tiles.lut'].filter(
    (p) => valueAt(chip, p) === undefined && (p === 'tiles.macro' || !absentParent(chip, p)),
  );
  if (absent.length > 0) lines.push(`  absent: ${absent.join(', ')}`);
  if (placeholders > 0) lines.push(`  ${placeholders} placeholder value${placeholders === 1 ? '' : 's'} (*)`);
  return lines.join('\n');
}

/** True when a field is missing because an optional block containing it is absent. */
function absentParent(chip: Chip, path: string): boolean {
  const parts = path.split('.');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    if (fieldAt(CHIP_SCHEMA, prefix)?.optional === true && valueAt(chip, prefix) === undefined) return true;
  }
  return false;
}

function summaryLines(chip: Chip): string[] {
  const out: string[] = [`  technology ${formatNumber(chip.technologyNm)} nm, clock ${formatNumber(chip.clockGhz)} GHz`];
  const m = chip.tiles.macro;
  if (m !== undefined) {
    const xb = m.crossbar;
    const storedBits = crossbarsPerChip(chip) * xb.rows * xb.columns * xb.bitsPerCell;
    out.push(
      `  ${chip.tiles.count} tiles × ${m.count} macros × ${xb.count} crossbars = ${crossbarsPerChip(chip)} crossbars of ${xb.rows}×${xb.columns} ${xb.cell}, ${xb.bitsPerCell} bits/cell (${levelsPerCell(chip)} levels), ${formatNumber(storedBits / 8 / 2 ** 20)} MiB of cells`,
      `  DAC ${m.dac.bits}-bit ${m.dac.kind}; ADC ${m.adc.bits}-bit ${m.adc.signed ? 'signed' : 'unsigned'}, ${m.adc.count} per ${m.adc.per}; crossbar cycle ${formatNumber(xb.cycleNs)} ns`,
    );
    if (m.speculation !== undefined) out.push(`  speculation slices [${m.speculation.sliceBits.join(', ')}] bits`);
  }
  const { cam, lut } = chip.tiles;
  if (cam !== undefined) out.push(`  ${cam.count} CAM blocks per tile: ${cam.entries} entries × ${cam.keyBits}-bit keys`);
  if (lut !== undefined) out.push(`  ${lut.count} lookup-table blocks per tile: ${lut.entries} entries × ${lut.entryBits} bits`);
  const area = chipArea(chip);
  const power = chipPower(chip);
  out.push(
    `  area ${formatNumber(area.core)} mm² core, ${formatNumber(area.total)} mm² with ${chip.noc.offChipLinks} off-chip links; tile ${formatNumber(area.tile)} mm²`,
    `  peak power ${formatNumber(power.core / 1000)} W core, ${formatNumber(power.total / 1000)} W with off-chip links; tile ${formatNumber(power.tile)} mW`,
  );
  return out;
}

/** Every cost constant with unit and source, then what each event costs on this chip (`pimc arch costs`). */
export function formatCostTable(chip: Chip): string {
  const lines: string[] = [
    `cost model for chip ${chip.name} (energy pJ, time ns, area mm², power mW; * = placeholder)`,
    '',
    'constants:',
  ];
  for (const c of costConstants(chip)) {
    lines.push(
      `  ${c.placeholder ? '*' : ' '}${c.name} = ${formatNumber(c.value)} ${c.unit}${c.overridden ? ' (overridden)' : ''}`,
    );
    lines.push(`      scope: ${c.per}`, `      source: ${c.source}`);
  }
  lines.push('', `per-event prices on ${chip.name} (ADC model: ${chip.cost.adcModel}; write model: ${chip.write.model}):`);
  lines.push(...table([['event', 'energy pJ', 'time ns', 'note'], ...eventRows(chip)]));
  lines.push('', 'area and peak power by component (whole chip):');
  const area = chipArea(chip);
  const power = chipPower(chip);
  const rows = COMPONENT_NAMES.filter((n) => area.byComponent[n] > 0 || power.byComponent[n] > 0).map((n) => [
    n,
    `${formatNumber(area.byComponent[n])} mm²`,
    `${formatNumber(power.byComponent[n])} mW`,
  ]);
  rows.push(['core (no off-chip links)', `${formatNumber(area.core)} mm²`, `${formatNumber(power.core)} mW`]);
  rows.push(['total', `${formatNumber(area.total)} mm²`, `${formatNumber(power.total)} mW`]);
  lines.push(...table(rows));
  return lines.join('\n');
}

function eventRows(chip: Chip): string[][] {
  const rows: string[][] = [];
  const row = (event: string, pJ: number | undefined, ns: number | undefined, note = ''): void => {
    rows.push([event, pJ === undefined ? '—' : formatNumber(pJ), ns === undefined ? '—' : formatNumber(ns), note]);
  };
  const m = chip.tiles.macro;
  if (m !== undefined) {
    const xb = m.crossbar;
    row(`ADC conversion, ${m.adc.bits}-bit`, adcConvertEnergyPJ(chip, m.adc.bits), adcConvertNs(chip), 'E(8)·2^(b−8)');
    row(`DAC drive, ${m.dac.bits}-bit`, dacDriveEnergyPJ(chip, m.dac.bits), undefined, 'one row, one crossbar cycle');
    const factor = speculationCellFactor(chip);
    row(
      `crossbar activation ${xb.rows}×${xb.columns}`,
      xbActivationEnergyPJ(chip, xb.rows, xb.columns),
      xb.cycleNs,
      `cell array only${factor === 1 ? '' : `; ×${formatNumber(factor)} speculation`}`,
    );
    row(`sample-and-hold, ${xb.columns} columns`, sampleHoldEnergyPJ(chip, xb.columns), undefined);
    if (chip.write.model === 'per-cell') {
      for (let d = 1; d < levelsPerCell(chip); d++) {
        row(
          `cell write |Δlevel| = ${d}`,
          cellWriteEnergyPJ(chip, d),
          rowWriteNs(chip, d),
          `${writeIterations(chip, d)} iteration(s); time per row`,
        );
      }
      row(`crossbar write, 1 iteration per row`, undefined, xb.rows * rowWriteNs(chip, 1), `${xb.rows} rows`);
    } else {
      const lumped = lumpedCrossbarWrite(chip);
      row('crossbar write (lumped)', lumped.energyPJ, lumped.latencyNs, 'whole crossbar');
    }
  }
  for (const b of BUFFER_NAMES) {
    row(`${b} access (${bufferAccessBits(chip, b)} bits)`, bufferAccessEnergyPJ(chip, b), bufferAccessNs(chip, b));
  }
  row('eDRAM bank leakage, per ns', constantValue(chip, 'edramBankLeakagePower'), undefined, '1 mW · 1 ns = 1 pJ');
  row(`NoC flit-hop (${chip.noc.flitBits} bits)`, flitHopEnergyPJ(chip), flitHopNs(chip));
  const { cam, lut } = chip.tiles;
  if (cam !== undefined) {
    row(
      `*CAM search ${cam.entries}×${cam.keyBits}`,
      camSearchEnergyPJ(chip, cam.entries, cam.keyBits),
      constantValue(chip, 'camSearchNs'),
    );
  }
  if (lut !== undefined) {
    row(`*LUT read (${lut.entryBits} bits)`, lutReadEnergyPJ(chip, lut.entryBits), constantValue(chip, 'lutReadNs'));
    row(`*in-memory add, ${lut.entryBits}-bit`, inMemAddEnergyPJ(chip, lut.entryBits), inMemAddNs(chip, lut.entryBits));
  }
  row('digital MAC, 8-bit', digitalMacEnergyPJ(chip, 8), digitalOpNs(chip));
  row('digital add, 16-bit', digitalAddEnergyPJ(chip, 16), digitalOpNs(chip));
  row('shift-and-add', constantValue(chip, 'shiftAddEnergy'), digitalOpNs(chip));
  row('digital clock cycle', undefined, cycleNs(chip));
  return rows;
}

/**
 * The field reference of the chip format as a Markdown table (embedded in docs/chip-format.md,
 * where a test keeps it current): path, type and unit, legal range, the isaac value, meaning.
 */
export function formatFieldReference(): string {
  const isaac = getPreset('isaac');
  const lines = ['| field | type, unit | range | isaac | meaning |', '|---|---|---|---|---|'];
  const blocks = (path: string): boolean => fieldAt(CHIP_SCHEMA, path)?.kind === 'object';
  const seen = new Set<string>();
  for (const { path, field } of leafFields(CHIP_SCHEMA)) {
    // A row for each optional block, before its first field, so the reader sees it may be left out.
    const parts = path.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      const block = fieldAt(CHIP_SCHEMA, prefix);
      if (block !== undefined && blocks(prefix) && block.optional === true && !seen.has(prefix)) {
        seen.add(prefix);
        lines.push(
          `| \`${prefix}\` | optional block | | ${valueAt(isaac, prefix) === undefined ? 'absent' : 'present'} | ${cell(block.doc)} |`,
        );
      }
    }
    lines.push(
      `| \`${path}\` | ${typeText(field)} | ${rangeText(field)} | ${isaacText(isaac, path, field)} | ${cell(field.doc)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The built-in cost constants as a Markdown table (embedded in docs/cost-model.md, where a test
 * keeps it current): name, value, unit, scope, source; placeholders marked.
 */
export function formatConstantReference(): string {
  const lines = ['| constant | value | unit | scope | source |', '|---|---|---|---|---|'];
  for (const name of CONSTANT_NAMES) {
    const c: ConstantSpec = COST_CONSTANTS[name];
    const mark = c.placeholder === true ? ' **(placeholder)**' : '';
    lines.push(`| \`${name}\`${mark} | ${formatNumber(c.value)} | ${c.unit} | ${cell(c.per)} | ${cell(c.source)} |`);
  }
  return lines.join('\n');
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function typeText(field: AnyField): string {
  switch (field.kind) {
    case 'number':
      return `${field.integer === true ? 'integer' : 'number'}, ${field.unit}`;
    case 'number-list':
      return `list of ${field.integer === true ? 'integers' : 'numbers'}, ${field.unit}`;
    case 'enum':
      return field.values.map((v) => `\`"${v}"\``).join(' or ');
    case 'record':
      return `object keyed by ${field.keyDoc}`;
    default:
      return field.kind;
  }
}

function rangeText(field: AnyField): string {
  if (field.kind === 'number') return describeRange(field);
  if (field.kind === 'number-list') return `${field.minLength}–${field.maxLength} entries, each ${describeRange(field)}`;
  return '';
}

function isaacText(isaac: Chip, path: string, field: AnyField): string {
  if (path === 'name' || path === 'description') return `default ${JSON.stringify(field.kind === 'string' ? field.default : '')}`;
  if (path === 'sources') return 'one per field';
  if (path === 'basedOn') return '`[]`';
  const value = valueAt(isaac, path);
  if (value === undefined) return '—';
  if (field.kind === 'record') return Object.keys(value as object).length === 0 ? '`{}`' : 'set';
  return `\`${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value)}\``;
}
