import { check } from '@pimc/support';
import { cycleNs, devicesPerCell, requireMacro, type Chip } from './chip.js';
import { COST_CONSTANTS, type ConstantName } from './cost-constants.js';
import type { BufferName } from './events.js';

/**
 * What one event costs on a given chip: the built-in constants (or the chip's overrides) scaled to
 * the chip's resolution, array size and widths. Energies in pJ, times in ns. Each function states
 * its scaling rule; the rules and their sources are in docs/cost-model.md.
 */

/** A constant's value for this chip: its `cost.overrides` entry, else the built-in value. */
export function constantValue(chip: Chip, name: ConstantName): number {
  return chip.cost.overrides[name] ?? COST_CONSTANTS[name].value;
}

const ISAAC_CELLS = 128 * 128;

function checkBits(bits: number, max: number, what: string): void {
  check(
    Number.isInteger(bits) && bits >= 1 && bits <= max,
    'invalid-input',
    () => `${what}: bits must be an integer in [1, ${max}], got ${bits}`,
  );
}

/**
 * Energy of one ADC conversion at `bits` of resolution, pJ: a constant Walden figure of merit
 * anchored at ISAAC's 8-bit ADC, E(b) = E(8)·2^(b−8); under `walden-floor`, never below the floor.
 */
export function adcConvertEnergyPJ(chip: Chip, bits: number): number {
  checkBits(bits, 24, 'ADC energy');
  const walden = constantValue(chip, 'adcConvertEnergy8b') * 2 ** (bits - 8);
  return chip.cost.adcModel === 'walden-floor' ? Math.max(walden, chip.cost.adcFloorPJ) : walden;
}

/** Area of one ADC at `bits` of resolution, mm²: A(b) = A(8)·2^(b−8) (same Walden rule). */
export function adcAreaMm2(chip: Chip, bits: number): number {
  checkBits(bits, 24, 'ADC area');
  return constantValue(chip, 'adcArea8b') * 2 ** (bits - 8);
}

/** Time of one conversion, ns: 1 / sample rate. */
export function adcConvertNs(chip: Chip): number {
  return 1 / requireMacro(chip, 'ADC conversion time').adc.sampleRateGsps;
}

/** Energy of one row drive (one row, one crossbar cycle) by a `bits`-bit DAC, pJ: E(1)·scale^(bits−1). */
export function dacDriveEnergyPJ(chip: Chip, bits: number): number {
  checkBits(bits, 16, 'DAC energy');
  return constantValue(chip, 'dacDriveEnergy1b') * constantValue(chip, 'dacScalePerBit') ** (bits - 1);
}

/**
 * Per-activation factor on cell-array energy under speculation: the whole-layer factor divided by
 * the extra activations, which the counts already include (2.5 / (11/8) ≈ 1.82 for RAELLA).
 */
export function speculationCellFactor(chip: Chip): number {
  const s = chip.tiles.macro?.speculation;
  return s === undefined ? 1 : s.cellEnergyFactor / s.cycleFactor;
}

/**
 * Energy of one crossbar activation of `rows × columns` cells, pJ: ISAAC's 30 pJ per 128×128 array
 * scaled by cells and devices per cell (×2 for 2T2R), times the speculation factor. Cell array
 * only: DAC, sample-and-hold and ADC are separate events.
 */
export function xbActivationEnergyPJ(chip: Chip, rows: number, columns: number): number {
  const macro = requireMacro(chip, 'crossbar activation energy');
  const cells = rows * columns * devicesPerCell(macro.crossbar.cell);
  return ((constantValue(chip, 'xbActivationEnergy128') * cells) / ISAAC_CELLS) * speculationCellFactor(chip);
}

/** Sample-and-hold energy of one activation with `columns` columns, pJ: power × crossbar cycle. */
export function sampleHoldEnergyPJ(chip: Chip, columns: number): number {
  const macro = requireMacro(chip, 'sample-and-hold energy');
  return constantValue(chip, 'sampleHoldPower') * macro.crossbar.cycleNs * columns;
}

/** Energy of one access of a buffer in its access width, pJ. */
export function bufferAccessEnergyPJ(chip: Chip, buffer: BufferName): number {
  return buffer === 'edram'
    ? (constantValue(chip, 'edramAccessEnergy256b') * chip.tiles.edramBusBits) / 256
    : constantValue(chip, 'registerAccessEnergy32b');
}

/** Access width of a buffer, bits. */
export function bufferAccessBits(chip: Chip, buffer: BufferName): number {
  return buffer === 'edram' ? chip.tiles.edramBusBits : 32;
}

/** Time of one buffer access, ns. */
export function bufferAccessNs(chip: Chip, buffer: BufferName): number {
  const cycles = buffer === 'edram' ? constantValue(chip, 'edramAccessCycles') : constantValue(chip, 'registerAccessCycles');
  return cycles * cycleNs(chip);
}

/** Energy of one flit over one hop, pJ: 10 pJ per 256 bits, linear in `noc.flitBits`. */
export function flitHopEnergyPJ(chip: Chip): number {
  return (constantValue(chip, 'nocFlitHopEnergy256b') * chip.noc.flitBits) / 256;
}

/** Time of one hop, ns. */
export function flitHopNs(chip: Chip): number {
  return chip.noc.hopLatencyCycles * cycleNs(chip);
}

/** Energy of one nearest-distance CAM search over `entries` keys of `keyBits`, pJ (placeholder model). */
export function camSearchEnergyPJ(chip: Chip, entries: number, keyBits: number): number {
  return constantValue(chip, 'camSearchEnergyPerEntryBit') * entries * keyBits + constantValue(chip, 'camSearchFixedEnergy');
}

/** Energy of one lookup-table entry read of `entryBits`, pJ (placeholder model, linear in bits). */
export function lutReadEnergyPJ(chip: Chip, entryBits: number): number {
  return (constantValue(chip, 'lutReadEnergy16b') * entryBits) / 16;
}

/** NOR steps of one `bits`-bit in-memory addition. */
export function inMemAddSteps(chip: Chip, bits: number): number {
  checkBits(bits, 64, 'in-memory add');
  return constantValue(chip, 'inMemAddStepsPerBit') * bits;
}

/** Energy of one `bits`-bit in-memory addition, pJ (placeholder model). */
export function inMemAddEnergyPJ(chip: Chip, bits: number): number {
  return inMemAddSteps(chip, bits) * constantValue(chip, 'inMemAddStepEnergy');
}

/** Time of one `bits`-bit in-memory addition (serial NOR steps), ns (placeholder model). */
export function inMemAddNs(chip: Chip, bits: number): number {
  return inMemAddSteps(chip, bits) * constantValue(chip, 'inMemAddStepNs');
}

/** Energy of one digital `bits`-bit MAC, pJ: multiply ∝ bits², accumulate at 2·bits ∝ width. */
export function digitalMacEnergyPJ(chip: Chip, bits: number): number {
  checkBits(bits, 64, 'digital MAC');
  return constantValue(chip, 'mul8x8Energy') * (bits / 8) ** 2 + (constantValue(chip, 'add16Energy') * 2 * bits) / 16;
}

/** Energy of one digital `bits`-bit addition, pJ (linear in bits). */
export function digitalAddEnergyPJ(chip: Chip, bits: number): number {
  checkBits(bits, 64, 'digital add');
  return (constantValue(chip, 'add16Energy') * bits) / 16;
}

/** Time of one digital operation (add, MAC, shift-add), ns. */
export function digitalOpNs(chip: Chip): number {
  return constantValue(chip, 'digitalOpCycles') * cycleNs(chip);
}
