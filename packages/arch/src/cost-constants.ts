/**
 * Every built-in constant of pimc's cost model, as data: value, unit, what one unit covers (scope)
 * and where it comes from. Nothing else in the package hard-codes an energy, latency, power or area;
 * chip-specific figures (ADC resolution, crossbar size, write pulses) are derived from these and from
 * the chip description in `cost-model.ts`. A chip may replace any of them through
 * `cost.overrides.<name>` (same unit).
 *
 * Source tags: [ISAAC] Shafiee et al., ISCA 2016, component table (32 nm; recalled, cross-checked
 * against the PUMA simulator, not re-read from the paper); [PUMA sim] `Aayush-Ankit/puma-simulator`
 * `include/constants.py`; [RAELLA artifact] `mit-emze/raella`; [CiMLoop] `mit-emze/cimloop`;
 * [recalled] commonly cited from a paper but not checked against its full text; [ours] pimc's
 * tunable default; [ours, placeholder] a number to calibrate before quoting a result; [user] a value
 * from a user's chip file.
 */

/** Units of cost constants. Base units: energy pJ, time ns (or digital cycles), area mm², power mW. */
export type CostUnit = 'pJ' | 'ns' | 'cycles' | 'mm2' | 'mW' | 'ratio' | 'steps/bit';

export interface ConstantSpec {
  readonly value: number;
  readonly unit: CostUnit;
  /** What one unit of the value covers: the event or component, and its scope (what it includes). */
  readonly per: string;
  /** Source tag and derivation. */
  readonly source: string;
  /** True when the value is a placeholder that must be calibrated before a result is quoted. */
  readonly placeholder?: boolean;
}

/** The source tags a constant's or a field's source string may start with. */
export const SOURCE_TAGS = [
  '[ISAAC]',
  '[PUMA sim]',
  '[RAELLA artifact]',
  '[CiMLoop]',
  '[recalled]',
  '[ours]',
  '[ours, placeholder]',
  '[user]',
] as const;

// ISAAC per-IMA figures are for 8 ADCs, 8 × 128 DACs and S&H units, 8 crossbars.
const ISAAC_DACS_PER_IMA = 8 * 128;

const TABLE = {
  // --- ADC -------------------------------------------------------------------------------------
  adcConvertEnergy8b: {
    value: 2 / 1.28,
    unit: 'pJ',
    per: 'one conversion of an 8-bit ADC (the anchor of the resolution scaling)',
    source: '[ISAAC] derived: 2 mW per ADC (16 mW / 8 ADCs per IMA) / 1.28 GS/s = 1.5625 pJ; [PUMA sim] 2 mW per ADC',
  },
  adcArea8b: {
    value: 0.0096 / 8,
    unit: 'mm2',
    per: 'one 8-bit ADC',
    source: '[ISAAC] 0.0096 mm² / 8 ADCs per IMA; [PUMA sim] 0.0012 mm²',
  },
  // --- DAC -------------------------------------------------------------------------------------
  dacDriveEnergy1b: {
    value: (4 / ISAAC_DACS_PER_IMA) * 100,
    unit: 'pJ',
    per: 'one row driven by a 1-bit DAC for one 100 ns crossbar cycle',
    source: '[ISAAC] derived [ours]: 4 mW / (8 × 128) DACs × 100 ns = 0.39 pJ',
  },
  dacPower1b: {
    value: 4 / ISAAC_DACS_PER_IMA,
    unit: 'mW',
    per: 'one 1-bit DAC (row driver)',
    source: '[ISAAC] 4 mW / (8 × 128) DACs per IMA; [PUMA sim] 0.0039 mW',
  },
  dacArea1b: {
    value: 0.00017 / ISAAC_DACS_PER_IMA,
    unit: 'mm2',
    per: 'one 1-bit DAC',
    source: '[ISAAC] 0.00017 mm² / (8 × 128) DACs per IMA; [PUMA sim] 1.67e-7 mm²',
  },
  dacScalePerBit: {
    value: 2,
    unit: 'ratio',
    per: 'factor per extra DAC bit on drive energy and power (all DACs) and area (level DACs only)',
    source:
      '[ours, placeholder] level DAC: doubles per bit like the Walden rule; pulse-train DAC: mean pulses per drive of uniform b-bit values ≈ 2^(b−1)',
    placeholder: true,
  },
  // --- Sample and hold -------------------------------------------------------------------------
  sampleHoldPower: {
    value: 0.01 / ISAAC_DACS_PER_IMA,
    unit: 'mW',
    per: 'one sample-and-hold unit (one per crossbar column)',
    source: '[ISAAC] 0.01 mW / (8 × 128) per IMA; [PUMA sim] 9.7e-6 mW',
  },
  sampleHoldArea: {
    value: 0.00004 / ISAAC_DACS_PER_IMA,
    unit: 'mm2',
    per: 'one sample-and-hold unit',
    source: '[ISAAC] 0.00004 mm² / (8 × 128) per IMA',
  },
  // --- Crossbar --------------------------------------------------------------------------------
  xbActivationEnergy128: {
    value: 0.3 * 100,
    unit: 'pJ',
    per: 'one activation (100 ns read cycle) of a 128×128 single-ended crossbar, cell array only (no DAC, S&H, ADC); scaled by cells',
    source: '[ISAAC] derived [ours]: 0.3 mW per crossbar (2.4 mW / 8) × 100 ns = 30 pJ (≈ 1.8 fJ per cell-op)',
  },
  xbPower128: {
    value: 2.4 / 8,
    unit: 'mW',
    per: 'one 128×128 crossbar, cell array only; scaled by cells',
    source: '[ISAAC] 2.4 mW / 8 crossbars per IMA; [PUMA sim] 0.3 mW (32×32 0.01875, 64×64 0.075, 256×256 1.2: ∝ cells)',
  },
  xbArea128: {
    value: 0.0002 / 8,
    unit: 'mm2',
    per: 'one 128×128 crossbar, cell array only; scaled by cells',
    source: '[ISAAC] 0.0002 mm² / 8 crossbars per IMA; [PUMA sim] 2.5e-5 mm²',
  },
  // --- Macro digital ---------------------------------------------------------------------------
  macroShiftAddPower: {
    value: 0.2,
    unit: 'mW',
    per: "one macro's shift-and-add units (ISAAC: 4 per IMA)",
    source: '[ISAAC] 4 shift-and-add units per IMA, 0.2 mW',
  },
  macroShiftAddArea: {
    value: 0.00024,
    unit: 'mm2',
    per: "one macro's shift-and-add units (ISAAC: 4 per IMA)",
    source: '[ISAAC] 0.00024 mm² per IMA',
  },
  inputRegisterPower2KB: {
    value: 1.24,
    unit: 'mW',
    per: '2 KB of macro input register (scaled linearly with bytes)',
    source: '[ISAAC] 2 KB input register per IMA, 1.24 mW',
  },
  inputRegisterArea2KB: {
    value: 0.0021,
    unit: 'mm2',
    per: '2 KB of macro input register (scaled linearly with bytes)',
    source: '[ISAAC] 0.0021 mm² per IMA',
  },
  macroOutputRegisterPower256B: {
    value: 0.23,
    unit: 'mW',
    per: '256 B of macro output register (scaled linearly with bytes)',
    source: '[ISAAC] 256 B output register per IMA, 0.23 mW',
  },
  macroOutputRegisterArea256B: {
    value: 0.00077,
    unit: 'mm2',
    per: '256 B of macro output register (scaled linearly with bytes)',
    source: '[ISAAC] 0.00077 mm² per IMA',
  },
  registerAccessEnergy32b: {
    value: 1,
    unit: 'pJ',
    per: 'one 32-bit access of a small SRAM register (input/output registers, ≤ 4 kB)',
    source: '[ours] SRAM 2 kB read, 32-bit, 32 nm-class estimate',
  },
  registerAccessCycles: {
    value: 1,
    unit: 'cycles',
    per: 'one register access',
    source: '[ours]',
  },
  shiftAddEnergy: {
    value: 0.06,
    unit: 'pJ',
    per: 'one 16-bit shift-and-add operation',
    source: '[ours] 32 nm-class estimate',
  },
  shiftAddCycles: {
    value: 1,
    unit: 'cycles',
    per: 'one shift-and-add operation',
    source: '[ours]',
  },
  // --- Tile ------------------------------------------------------------------------------------
  edramPower64KB: {
    value: 20.7,
    unit: 'mW',
    per: '64 KB of tile eDRAM, 4 banks (scaled linearly with bytes)',
    source: '[ISAAC] 64 KB eDRAM per tile, 20.7 mW',
  },
  edramArea64KB: {
    value: 0.083,
    unit: 'mm2',
    per: '64 KB of tile eDRAM (scaled linearly with bytes)',
    source: '[ISAAC] 0.083 mm² ([PUMA sim] 0.086 mm²)',
  },
  edramAccessEnergy256b: {
    value: 20,
    unit: 'pJ',
    per: 'one 256-bit eDRAM access (scaled linearly with the bus width)',
    source: '[ours] CACTI-like estimate ([PUMA sim] 17.2 pJ)',
  },
  edramAccessCycles: {
    value: 2,
    unit: 'cycles',
    per: 'one eDRAM access',
    source: '[PUMA sim] 2 cycles',
  },
  edramBankLeakagePower: {
    value: 1,
    unit: 'mW',
    per: 'one active 64 kB buffer bank, static (priced per ns of `edramBankActiveNs`)',
    source: '[ours] 32 nm-class estimate',
  },
  busPower: {
    value: 7,
    unit: 'mW',
    per: "one tile's eDRAM–macro bus (384 wires)",
    source: '[ISAAC] 7 mW per tile',
  },
  busArea: {
    value: 0.09,
    unit: 'mm2',
    per: "one tile's eDRAM–macro bus",
    source: '[ISAAC] 0.090 mm² per tile',
  },
  routerPower: {
    value: 42,
    unit: 'mW',
    per: 'one router (8 ports, flit 32), shared by `noc.tilesPerRouter` tiles',
    source: '[ISAAC] 42 mW per router, shared by 4 tiles (10.5 mW per tile)',
  },
  routerArea: {
    value: 0.151,
    unit: 'mm2',
    per: 'one router, shared by `noc.tilesPerRouter` tiles',
    source: '[ISAAC] 0.151 mm² per router (0.0378 mm² per tile)',
  },
  sigmoidPower: {
    value: 0.52,
    unit: 'mW',
    per: "one tile's sigmoid units (2)",
    source: '[ISAAC] 2 units, 0.52 mW per tile',
  },
  sigmoidArea: {
    value: 0.0006,
    unit: 'mm2',
    per: "one tile's sigmoid units (2)",
    source: '[ISAAC] 0.0006 mm² per tile',
  },
  tileShiftAddPower: {
    value: 0.05,
    unit: 'mW',
    per: "one tile's shift-and-add unit",
    source: '[ISAAC] 0.05 mW per tile',
  },
  tileShiftAddArea: {
    value: 0.00006,
    unit: 'mm2',
    per: "one tile's shift-and-add unit",
    source: '[ISAAC] 0.00006 mm² per tile',
  },
  maxPoolPower: {
    value: 0.4,
    unit: 'mW',
    per: "one tile's max-pool unit",
    source: '[ISAAC] 0.4 mW per tile',
  },
  maxPoolArea: {
    value: 0.00024,
    unit: 'mm2',
    per: "one tile's max-pool unit",
    source: '[ISAAC] 0.00024 mm² per tile',
  },
  tileOutputRegisterPower3KB: {
    value: 1.68,
    unit: 'mW',
    per: '3 KB of tile output register (scaled linearly with bytes)',
    source: '[ISAAC] 3 KB output register per tile, 1.68 mW',
  },
  tileOutputRegisterArea3KB: {
    value: 0.0032,
    unit: 'mm2',
    per: '3 KB of tile output register (scaled linearly with bytes)',
    source: '[ISAAC] 0.0032 mm² per tile',
  },
  // --- Chip and NoC ----------------------------------------------------------------------------
  offChipLinkPower: {
    value: 10400 / 4,
    unit: 'mW',
    per: 'one off-chip HyperTransport link (6.4 GB/s)',
    source: '[ISAAC] 4 links, 10.4 W',
  },
  offChipLinkArea: {
    value: 22.88 / 4,
    unit: 'mm2',
    per: 'one off-chip HyperTransport link',
    source: '[ISAAC] 4 links, 22.88 mm²',
  },
  nocFlitHopEnergy256b: {
    value: 10,
    unit: 'pJ',
    per: 'one 256-bit flit over one router hop (scaled linearly with `noc.flitBits`)',
    source: '[ours] 32 nm-class estimate',
  },
  // --- Digital units ---------------------------------------------------------------------------
  add16Energy: {
    value: 0.05,
    unit: 'pJ',
    per: 'one 16-bit digital add (scaled linearly with bits)',
    source: '[ours] 32 nm-class estimate',
  },
  mul8x8Energy: {
    value: 0.2,
    unit: 'pJ',
    per: 'one 8×8-bit digital multiply (scaled with bits²)',
    source: '[ours] 32 nm-class estimate (4×12 multiply ≈ 0.1 pJ)',
  },
  digitalOpCycles: {
    value: 1,
    unit: 'cycles',
    per: 'one digital add or MAC',
    source: '[ours]',
  },
  // --- Writes ----------------------------------------------------------------------------------
  lumpedXbWriteEnergy128: {
    value: 22600,
    unit: 'pJ',
    per: 'whole write of a 128×128 crossbar of 2-bit cells, with peripherals (lumped model; scaled by cells)',
    source: '[PUMA sim] ≈ 22.6 nJ per crossbar write (≈ 1.4 pJ per cell, amortized)',
  },
  lumpedXbWriteNs128: {
    value: 10970,
    unit: 'ns',
    per: 'whole write of a 128×128 crossbar (lumped model; scaled by rows)',
    source: '[PUMA sim] ≈ 10.97 µs per crossbar write',
  },
  // --- RAPIDNN blocks --------------------------------------------------------------------------
  camSearchEnergyPerEntryBit: {
    value: 0.0005,
    unit: 'pJ',
    per: 'one stored key bit compared in one nearest-distance CAM search',
    source: '[ours, placeholder] 0.5 fJ per entry-bit; calibrate against Eva-CAM / CAMASim',
    placeholder: true,
  },
  camSearchFixedEnergy: {
    value: 2,
    unit: 'pJ',
    per: 'one CAM search, sensing and priority encoder (added to the per-entry-bit energy)',
    source: '[ours, placeholder] calibrate against Eva-CAM / CAMASim',
    placeholder: true,
  },
  camSearchNs: {
    value: 1,
    unit: 'ns',
    per: 'one CAM search',
    source: '[ours, placeholder] one 1 ns read pulse ([RAELLA artifact] cell read pulse)',
    placeholder: true,
  },
  camAreaPerBit: {
    value: (2 * (0.0002 / 8)) / (128 * 128),
    unit: 'mm2',
    per: 'one stored CAM key or value bit',
    source: '[ours, placeholder] two ISAAC crossbar cells per CAM bit',
    placeholder: true,
  },
  camPeripheryArea: {
    value: 0.0012,
    unit: 'mm2',
    per: "one CAM block's sense amplifiers and priority encoder",
    source: '[ours, placeholder] about one ISAAC ADC',
    placeholder: true,
  },
  lutReadEnergy16b: {
    value: 1,
    unit: 'pJ',
    per: 'one 16-bit entry read from a lookup table in crossbar memory (scaled linearly with entry bits)',
    source: '[ours, placeholder]',
    placeholder: true,
  },
  lutReadNs: {
    value: 1,
    unit: 'ns',
    per: 'one lookup-table entry read',
    source: '[ours, placeholder] one 1 ns read pulse ([RAELLA artifact] cell read pulse)',
    placeholder: true,
  },
  lutPeripheryArea: {
    value: 0.001,
    unit: 'mm2',
    per: "one lookup-table block's decoders, sense amplifiers and in-memory adder control",
    source: '[ours, placeholder] order-of-magnitude guess',
    placeholder: true,
  },
  inMemAddStepsPerBit: {
    value: 13,
    unit: 'steps/bit',
    per: 'NOR steps per operand bit of an in-memory (MAGIC/NOR) addition',
    source: '[ours, placeholder] 13·n NOR steps for an n-bit add',
    placeholder: true,
  },
  inMemAddStepEnergy: {
    value: 0.1,
    unit: 'pJ',
    per: 'one NOR step of an in-memory addition',
    source: '[ours, placeholder]',
    placeholder: true,
  },
  inMemAddStepNs: {
    value: 1.1,
    unit: 'ns',
    per: 'one NOR step of an in-memory addition (steps are serial)',
    source: '[ours, placeholder]',
    placeholder: true,
  },
} satisfies Record<string, ConstantSpec>;

export type ConstantName = keyof typeof TABLE;

/** The constants by name. */
export const COST_CONSTANTS: Readonly<Record<ConstantName, ConstantSpec>> = TABLE;

/** Every constant name, in table order. */
export const CONSTANT_NAMES = Object.keys(COST_CONSTANTS) as readonly ConstantName[];

/** True when a source string marks a placeholder value. */
export function isPlaceholderSource(source: string): boolean {
  return source.includes('placeholder');
}
