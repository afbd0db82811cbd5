import type { Chip } from './chip.js';
import { COST_CONSTANTS, CONSTANT_NAMES, type ConstantName } from './cost-constants.js';
import { leafFields, type FieldsOf, type NumberField, type ObjectField } from './schema.js';

/**
 * The chip description format, as data. This table is the single definition of the JSON format:
 * `validateChip` checks descriptions against it, `docs/chip-format.md` embeds the reference
 * generated from it (`formatFieldReference`), and `pimc arch show` walks it to print a chip.
 * Bounds reject impossible values (0 rows, 9 bits per cell, negative energy), not unusual ones.
 */

const count = (doc: string, max: number, extra: Partial<NumberField> = {}): NumberField => ({
  kind: 'number',
  unit: 'count',
  integer: true,
  min: 1,
  max,
  doc,
  ...extra,
});

const bits = (doc: string, min: number, max: number, why?: string): NumberField => ({
  kind: 'number',
  unit: 'bits',
  integer: true,
  min,
  max,
  doc,
  ...(why === undefined ? {} : { why }),
});

const bytes = (doc: string): NumberField => ({ kind: 'number', unit: 'bytes', integer: true, min: 0, max: 2 ** 40, doc });

const positive = (unit: NumberField['unit'], doc: string, extra: Partial<NumberField> = {}): NumberField => ({
  kind: 'number',
  unit,
  above: 0,
  doc,
  ...extra,
});

const energy = (doc: string): NumberField => ({ kind: 'number', unit: 'pJ', min: 0, max: 1e9, doc, why: 'energies are ≥ 0' });

const crossbarFields: FieldsOf<NonNullable<Chip['tiles']['macro']>['crossbar']> = {
  count: count('Crossbars per macro.', 4096),
  rows: count('Word lines (inputs) per crossbar: the dot-product length one activation covers.', 65536),
  columns: count('Bit lines (outputs) per crossbar; a 2T2R differential pair counts as one column.', 65536),
  bitsPerCell: bits('Bits stored per cell; a cell holds 2^bitsPerCell conductance levels.', 1, 8, 'ReRAM cells hold 1 to 8 bits'),
  cell: {
    kind: 'enum',
    values: ['single-ended', 'differential-2t2r'],
    doc: '`single-ended`: one device per cell (1T1R); `differential-2t2r`: a ± device pair per cell, as in RAELLA.',
  },
  cycleNs: positive('ns', 'One crossbar read cycle (one activation, including its column read-out).', { max: 1e9 }),
};

const macroFields: FieldsOf<NonNullable<Chip['tiles']['macro']>> = {
  count: count('Macros (ISAAC: IMAs) per tile.', 65536),
  inputRegisterBytes: bytes('Input register per macro (holds the input vector being applied).'),
  outputRegisterBytes: bytes('Output register per macro (partial sums after shift-and-add).'),
  dac: {
    kind: 'object',
    doc: 'The row drivers (one per crossbar row).',
    fields: {
      bits: bits('Input bits applied per crossbar cycle: the input slice width without speculation.', 1, 8),
      kind: {
        kind: 'enum',
        values: ['level', 'pulse-train'],
        doc: '`level`: a voltage-level DAC; `pulse-train`: a temporal DAC sending up to 2^bits − 1 pulses (RAELLA).',
      },
    },
  },
  adc: {
    kind: 'object',
    doc: 'The column analog-to-digital converters.',
    fields: {
      bits: bits('Resolution; a signed ADC spans −2^(bits−1) … 2^(bits−1) − 1, an unsigned one 0 … 2^bits − 1.', 1, 16),
      signed: { kind: 'boolean', doc: 'Signed (two’s-complement) codes, needed for differential or Center+Offset column sums.' },
      count: count('ADCs per crossbar or per macro (see `per`).', 65536),
      per: { kind: 'enum', values: ['crossbar', 'macro'], doc: 'Whether `count` is per crossbar or per macro.' },
      sampleRateGsps: positive('GS/s', 'Conversion rate of one ADC, giga-samples per second.', { max: 1000 }),
    },
  },
  crossbar: { kind: 'object', doc: 'The ReRAM crossbar arrays.', fields: crossbarFields },
  centerOffset: {
    kind: 'object',
    optional: true,
    doc: 'Center+Offset support (RAELLA): a center per column and a running input-sum adder. Absent: no such hardware.',
    fields: {
      centerBits: bits('Bits of one stored center (one per column per crossbar).', 1, 16),
      inputSumBits: bits('Width of the running input-sum adder.', 1, 64),
    },
  },
  speculation: {
    kind: 'object',
    optional: true,
    doc: 'Speculative input slicing with recovery (RAELLA). Absent: inputs are sliced by `dac.bits`, no speculation.',
    fields: {
      sliceBits: {
        kind: 'number-list',
        unit: 'bits',
        integer: true,
        min: 1,
        max: 8,
        minLength: 1,
        maxLength: 16,
        doc: 'Speculation input-slice widths, MSB first; each must be ≤ `dac.bits`.',
      },
      cycleFactor: positive('ratio', 'Crossbar time with speculation relative to without (11/8 for [4, 2, 2] on 8-bit inputs).', {
        max: 100,
      }),
      adcShare: positive(
        'ratio',
        'Typical ADC converts relative to non-speculative; a cross-check only, never applied to counts.',
        {
          max: 1,
        },
      ),
      cellEnergyFactor: positive('ratio', 'Whole-layer cell-array energy with speculation relative to without.', { max: 100 }),
    },
  },
  weightSlicing: {
    kind: 'enum',
    values: ['fixed', 'adaptive'],
    optional: true,
    doc: '`adaptive`: any weight slicing per layer (the compiler picks one, RAELLA); `fixed` or absent: `crossbar.bitsPerCell`-bit slices.',
  },
};

const camFields: FieldsOf<NonNullable<Chip['tiles']['cam']>> = {
  count: count('CAM blocks per tile.', 1 << 20),
  entries: count('Stored entries per CAM, searched in parallel.', 1 << 20),
  keyBits: bits('Bits of one stored key.', 1, 64),
  valueBits: bits('Bits of the value returned with the nearest key.', 0, 64),
};

const lutFields: FieldsOf<NonNullable<Chip['tiles']['lut']>> = {
  count: count('Lookup-table blocks per tile.', 1 << 20),
  entries: count('Entries per table.', 1 << 24),
  entryBits: bits('Bits per entry.', 1, 64),
  bitsPerCell: bits('Bits per cell of the crossbar memory holding the table.', 1, 8),
};

const tilesFields: FieldsOf<Chip['tiles']> = {
  count: count('Tiles per chip.', 1 << 20),
  edramBytes: bytes('eDRAM buffer per tile (activations between layers).'),
  edramBusBits: bits('Width of one eDRAM access; `bufReads.edram` counts accesses of this width.', 1, 4096),
  outputRegisterBytes: bytes('Tile output register.'),
  macro: {
    kind: 'object',
    optional: true,
    doc: 'Crossbar macros (ISAAC: IMAs). Absent on a chip that computes only with CAM and lookup-table blocks.',
    fields: macroFields,
  },
  cam: {
    kind: 'object',
    optional: true,
    doc: 'Nearest-distance CAM blocks (RAPIDNN activation + encoding). Absent: none.',
    fields: camFields,
  },
  lut: {
    kind: 'object',
    optional: true,
    doc: 'Lookup-table blocks in crossbar memory (RAPIDNN product tables, with in-memory adders). Absent: none.',
    fields: lutFields,
  },
};

const nocFields: FieldsOf<Chip['noc']> = {
  flitBits: bits('Flit width; `nocFlitsHop` counts flits of this width.', 1, 4096),
  hopLatencyCycles: {
    kind: 'number',
    unit: 'cycles',
    integer: true,
    min: 0,
    max: 1e6,
    doc: 'Latency of one router hop, digital cycles.',
  },
  tilesPerRouter: count('Tiles sharing one router (ISAAC: 4); router area and power are divided among them.', 1 << 20),
  routerPorts: count('Ports per router.', 1024, { min: 2 }),
  offChipLinks: {
    kind: 'number',
    unit: 'count',
    integer: true,
    min: 0,
    max: 1024,
    doc: 'Off-chip links (ISAAC: 4 HyperTransport); reported separately from the core area and power.',
  },
};

const writeFields: FieldsOf<Chip['write']> = {
  model: {
    kind: 'enum',
    values: ['per-cell', 'lumped'],
    doc: '`per-cell`: program-verify iterations per changed cell (differential write); `lumped`: PUMA’s fixed cost per crossbar write.',
  },
  pulseVoltageV: positive('V', 'Set/reset program pulse voltage.', { max: 100 }),
  pulseNs: positive('ns', 'Program pulse width.', { max: 1e9 }),
  pulseEnergyPJ: energy('Energy of one program pulse on one cell.'),
  verifyNs: { kind: 'number', unit: 'ns', min: 0, max: 1e9, doc: 'Verify read after each pulse.' },
  verifyEnergyPJ: energy('Energy of one verify read of one cell.'),
  iterationsPerLevel: {
    kind: 'number',
    unit: 'iterations',
    min: 0,
    max: 1000,
    doc: 'Extra program-verify iterations per additional level of change: a changed cell takes 1 + iterationsPerLevel × (|Δlevel| − 1).',
  },
  parallelCrossbars: count('Crossbars that can be written at the same time (power-limited).', 1 << 20),
};

const costFields: FieldsOf<Chip['cost']> = {
  adcModel: {
    kind: 'enum',
    values: ['walden', 'walden-floor'],
    default: 'walden',
    doc: 'ADC energy vs resolution: `walden` E(b) = E(8)·2^(b−8); `walden-floor` the same but never below `adcFloorPJ`.',
  },
  adcFloorPJ: { ...energy('Floor of the `walden-floor` ADC model, per conversion.'), default: 0.4 },
  overrides: {
    kind: 'record',
    keyDoc: 'cost-constant names',
    keys: () => CONSTANT_NAMES,
    value: (name) => ({
      kind: 'number',
      unit: COST_CONSTANTS[name as ConstantName].unit,
      min: 0,
      doc: `${COST_CONSTANTS[name as ConstantName].per}, in ${COST_CONSTANTS[name as ConstantName].unit}`,
    }),
    doc: 'Replacement values for built-in cost constants (`pimc arch costs` lists them), each in the constant’s own unit.',
  },
};

const chipFields: FieldsOf<Chip> = {
  name: { kind: 'string', default: 'custom', doc: 'Name printed with every report.' },
  description: { kind: 'string', default: '', doc: 'One line saying what the chip models.' },
  basedOn: {
    kind: 'string-list',
    default: [],
    doc: 'Filled in from `extends`: the presets this chip was derived from (informational).',
  },
  technologyNm: positive('nm', 'Technology node. The built-in constants are 32 nm figures.', { max: 1e4 }),
  clockGhz: positive('GHz', 'Digital clock (shift-add, buffers, routers, digital units).', { max: 1e3 }),
  tiles: { kind: 'object', doc: 'The tiles, all identical.', fields: tilesFields },
  noc: { kind: 'object', doc: 'The on-chip network.', fields: nocFields },
  write: { kind: 'object', doc: 'Cell programming (write-verify) parameters.', fields: writeFields },
  cost: { kind: 'object', doc: 'Cost-model options.', fields: costFields },
  sources: {
    kind: 'record',
    keyDoc: 'field paths such as `tiles.macro.crossbar.rows` or `cost.overrides.<constant>`',
    keys: () => sourceKeys(),
    value: () => ({ kind: 'string', doc: 'source tag and note' }),
    doc: 'Where each value comes from, by field path: `[ISAAC] …`, `[ours]`, `[ours, placeholder] …`, `[user]`.',
  },
};

/** The whole chip format. */
export const CHIP_SCHEMA: ObjectField<Chip> = {
  kind: 'object',
  doc: 'A PIM chip: tiles of crossbar macros and CAM/LUT blocks, network, write parameters, cost options.',
  fields: chipFields,
};

/** Fields that describe the description itself rather than the hardware; they carry no source. */
export const META_FIELDS: readonly string[] = ['name', 'description', 'basedOn', 'sources'];

/** Paths a `sources` entry may name: every hardware leaf field and every cost override. */
export function sourceKeys(): readonly string[] {
  return [
    ...leafFields(CHIP_SCHEMA)
      .map((l) => l.path)
      .filter((p) => !META_FIELDS.includes(p) && p !== 'cost.overrides'),
    ...CONSTANT_NAMES.map((n) => `cost.overrides.${n}`),
  ];
}
