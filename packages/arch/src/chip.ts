import { PimcError } from '@pimc/support';
import type { ConstantName } from './cost-constants.js';

/**
 * A validated chip description: chip → tiles → macros (ISAAC's IMAs) → crossbars, plus the CAM and
 * lookup-table blocks RAPIDNN maps onto, the network, the write/verify parameters and the cost-model
 * options. Every number carries its unit in its name (`cycleNs`, `edramBytes`) or, for plain counts,
 * says what it counts per what parent. `chip-schema.ts` holds the same structure as data (the JSON
 * format users write); it is type-checked against these interfaces.
 *
 * Values are produced by `validateChip`/`parseChip`/`getPreset` and deep-frozen.
 */
export interface Chip {
  /** Preset or user name; printed with every report so numbers are never quoted without it. */
  readonly name: string;
  /** One line saying what this chip models. */
  readonly description: string;
  /** The `extends` chain this chip was resolved from, nearest base last (informational). */
  readonly basedOn: readonly string[];
  /** Technology node in nm (all built-in constants are 32 nm figures). */
  readonly technologyNm: number;
  /** Digital clock in GHz (cycles of the shift-add, buffer, router and digital units). */
  readonly clockGhz: number;
  readonly tiles: Tiles;
  readonly noc: Noc;
  readonly write: WriteParams;
  readonly cost: CostOptions;
  /**
   * Where each value comes from, by dotted field path (`tiles.macro.crossbar.rows`), for example
   * `[ISAAC] ...`, `[RAELLA artifact] ...`, `[ours]`, `[ours, placeholder] ...` or `[user]`.
   */
  readonly sources: Readonly<Record<string, string>>;
}

/** The chip's tiles: all identical. */
export interface Tiles {
  /** Tiles per chip. */
  readonly count: number;
  /** eDRAM buffer per tile, bytes. */
  readonly edramBytes: number;
  /** Width of one eDRAM access, bits (the unit `bufReads.edram` counts). */
  readonly edramBusBits: number;
  /** Tile output register, bytes. */
  readonly outputRegisterBytes: number;
  /** Crossbar macros (IMAs); absent on a chip that computes only with CAM/LUT blocks. */
  readonly macro?: Macro;
  /** Nearest-distance CAM blocks (RAPIDNN activation + encoding). */
  readonly cam?: CamBlock;
  /** Lookup-table blocks in crossbar memory (RAPIDNN product tables). */
  readonly lut?: LutBlock;
}

/** A macro (ISAAC: in-situ multiply-accumulate unit, IMA): crossbars with their DACs and ADCs. */
export interface Macro {
  /** Macros per tile. */
  readonly count: number;
  /** Input register per macro, bytes. */
  readonly inputRegisterBytes: number;
  /** Output register per macro, bytes. */
  readonly outputRegisterBytes: number;
  readonly dac: Dac;
  readonly adc: Adc;
  readonly crossbar: Crossbar;
  /** Center+Offset support (RAELLA): per-column centers and a running input-sum adder. */
  readonly centerOffset?: CenterOffset;
  /** Speculative input slicing with recovery (RAELLA). Absent: inputs are sliced by `dac.bits`. */
  readonly speculation?: Speculation;
  /**
   * `adaptive`: the shift-add units take any weight slicing per layer (RAELLA), so the compiler
   * chooses one per layer (raella-slice); `fixed` (or absent): every weight is cut into
   * `crossbar.bitsPerCell`-bit slices.
   */
  readonly weightSlicing?: WeightSlicing;
}

export type WeightSlicing = 'fixed' | 'adaptive';

export type CellKind = 'single-ended' | 'differential-2t2r';

export interface Crossbar {
  /** Crossbars per macro. */
  readonly count: number;
  /** Word lines (inputs) per crossbar. */
  readonly rows: number;
  /** Bit lines (outputs) per crossbar; a 2T2R pair counts as one column. */
  readonly columns: number;
  /** Bits stored per cell (levels = 2^bitsPerCell). */
  readonly bitsPerCell: number;
  /** One device per cell, or a differential ± device pair (RAELLA's CiM unit). */
  readonly cell: CellKind;
  /** One crossbar read cycle (one activation), ns. */
  readonly cycleNs: number;
}

/** `level`: a voltage-level DAC; `pulse-train`: a temporal DAC sending up to 2^bits − 1 pulses. */
export type DacKind = 'level' | 'pulse-train';

export interface Dac {
  /** Input bits applied per crossbar cycle (the input slice width without speculation). */
  readonly bits: number;
  readonly kind: DacKind;
}

export type AdcSharing = 'crossbar' | 'macro';

export interface Adc {
  /** Resolution, bits (a signed ADC's codes span −2^(bits−1) … 2^(bits−1) − 1). */
  readonly bits: number;
  /** Signed (two's-complement codes) or unsigned (0 … 2^bits − 1). */
  readonly signed: boolean;
  /** ADCs per `per` (per crossbar or per macro). */
  readonly count: number;
  readonly per: AdcSharing;
  /** Conversion rate of one ADC, giga-samples per second. */
  readonly sampleRateGsps: number;
}

export interface CenterOffset {
  /** Bits of one stored center (one per column per crossbar). */
  readonly centerBits: number;
  /** Width of the running input-sum adder, bits. */
  readonly inputSumBits: number;
}

export interface Speculation {
  /** Speculation input-slice widths in bits, MSB first (each ≤ `dac.bits`). */
  readonly sliceBits: readonly number[];
  /** Crossbar time with speculation relative to without (ratio, 11/8 for [4, 2, 2]). */
  readonly cycleFactor: number;
  /** Typical ADC converts relative to non-speculative (ratio); a cross-check, never applied to counts. */
  readonly adcShare: number;
  /** Cell-array energy with speculation relative to without, whole layer (ratio). */
  readonly cellEnergyFactor: number;
}

export interface CamBlock {
  /** CAM blocks per tile. */
  readonly count: number;
  /** Stored entries (searched in parallel) per CAM. */
  readonly entries: number;
  /** Bits of one stored key. */
  readonly keyBits: number;
  /** Bits of the value returned with the nearest key. */
  readonly valueBits: number;
}

export interface LutBlock {
  /** Lookup-table blocks per tile. */
  readonly count: number;
  /** Entries per table. */
  readonly entries: number;
  /** Bits per entry. */
  readonly entryBits: number;
  /** Bits per memory cell of the table's crossbar memory. */
  readonly bitsPerCell: number;
}

export interface Noc {
  /** Flit width, bits. */
  readonly flitBits: number;
  /** Latency of one router hop, digital cycles. */
  readonly hopLatencyCycles: number;
  /** Tiles sharing one router (ISAAC: 4). */
  readonly tilesPerRouter: number;
  /** Ports per router. */
  readonly routerPorts: number;
  /** Off-chip links (ISAAC: 4 HyperTransport links); counted separately in area and power totals. */
  readonly offChipLinks: number;
}

/** `per-cell`: program-verify per changed cell (§7 of the cost model); `lumped`: PUMA's fixed cost per crossbar write. */
export type WriteModel = 'per-cell' | 'lumped';

export interface WriteParams {
  readonly model: WriteModel;
  /** Set/reset program pulse, V. */
  readonly pulseVoltageV: number;
  /** Program pulse width, ns. */
  readonly pulseNs: number;
  /** Energy of one program pulse on one cell, pJ. */
  readonly pulseEnergyPJ: number;
  /** Verify read after each pulse, ns. */
  readonly verifyNs: number;
  /** Energy of one verify read of one cell, pJ. */
  readonly verifyEnergyPJ: number;
  /** Extra program-verify iterations per additional level of change (iterations = 1 + this × (|Δ| − 1)). */
  readonly iterationsPerLevel: number;
  /** Crossbars that can be written at the same time (power-limited). */
  readonly parallelCrossbars: number;
}

/** `walden`: E(b) = E(8)·2^(b−8); `walden-floor`: the same, never below `adcFloorPJ`. */
export type AdcEnergyModel = 'walden' | 'walden-floor';

export interface CostOptions {
  readonly adcModel: AdcEnergyModel;
  /** Floor of the `walden-floor` ADC model, pJ per conversion. */
  readonly adcFloorPJ: number;
  /** Replacement values for built-in cost constants, in each constant's own unit. */
  readonly overrides: Readonly<Partial<Record<ConstantName, number>>>;
}

/** Levels one cell can hold. */
export function levelsPerCell(chip: Chip): number {
  return 2 ** requireMacro(chip, 'levelsPerCell').crossbar.bitsPerCell;
}

/** Physical devices per cell: 2 for a differential 2T2R pair. */
export function devicesPerCell(kind: CellKind): number {
  return kind === 'differential-2t2r' ? 2 : 1;
}

/** ADCs in one macro, whatever way the chip counts them. */
export function adcsPerMacro(macro: Macro): number {
  return macro.adc.per === 'macro' ? macro.adc.count : macro.adc.count * macro.crossbar.count;
}

/** Crossbars on the whole chip (0 without macros). */
export function crossbarsPerChip(chip: Chip): number {
  const m = chip.tiles.macro;
  return m === undefined ? 0 : chip.tiles.count * m.count * m.crossbar.count;
}

/** Digital clock period, ns. */
export function cycleNs(chip: Chip): number {
  return 1 / chip.clockGhz;
}

/** The chip's macro, or a clear error for a chip without crossbars. */
export function requireMacro(chip: Chip, what: string): Macro {
  const m = chip.tiles.macro;
  if (m === undefined) {
    throw new PimcError('invalid-input', `${what}: chip '${chip.name}' has no crossbar macros (tiles.macro is absent)`);
  }
  return m;
}
