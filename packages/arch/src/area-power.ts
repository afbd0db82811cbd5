import { adcsPerMacro, devicesPerCell, type Chip, type Macro } from './chip.js';
import {
  adcAreaMm2,
  adcConvertEnergyPJ,
  camSearchEnergyPJ,
  constantValue,
  inMemAddEnergyPJ,
  inMemAddNs,
  lutReadEnergyPJ,
} from './unit-costs.js';

/**
 * Area and peak power of a chip from its component counts and the ISAAC per-unit figures
 * (cost-model.md §3), scaled by resolution (ADC, DAC), cells (crossbar) and bytes (buffers).
 * For the isaac preset the sums reproduce ISAAC's published totals: IMA 0.0131 mm² / 24.08 mW,
 * tile 0.372 mm² / 330 mW, chip 62.5 mm² / 55.4 W (85.4 mm² / 65.8 W with the off-chip links).
 */

export type ComponentName =
  | 'adc'
  | 'dac'
  | 'sampleHold'
  | 'crossbar'
  | 'macroShiftAdd'
  | 'macroInputRegister'
  | 'macroOutputRegister'
  | 'edram'
  | 'bus'
  | 'router'
  | 'sigmoid'
  | 'tileShiftAdd'
  | 'maxPool'
  | 'tileOutputRegister'
  | 'cam'
  | 'lut'
  | 'offChipLinks';

export const COMPONENT_NAMES: readonly ComponentName[] = [
  'adc',
  'dac',
  'sampleHold',
  'crossbar',
  'macroShiftAdd',
  'macroInputRegister',
  'macroOutputRegister',
  'edram',
  'bus',
  'router',
  'sigmoid',
  'tileShiftAdd',
  'maxPool',
  'tileOutputRegister',
  'cam',
  'lut',
  'offChipLinks',
];

/** A per-component figure for the whole chip, plus the macro and tile subtotals. */
export interface Breakdown {
  /** Everything, off-chip links included. */
  readonly total: number;
  /** Everything but the off-chip links (ISAAC's 62.5 mm² / 55.4 W). */
  readonly core: number;
  /** One tile (its share of a shared router included). */
  readonly tile: number;
  /** One macro (0 without macros). */
  readonly macro: number;
  /** Whole-chip total of each component. */
  readonly byComponent: Readonly<Record<ComponentName, number>>;
}

type PerUnit = Partial<Record<ComponentName, number>>;

const ISAAC_CELLS = 128 * 128;

function dacScale(chip: Chip, macro: Macro, forArea: boolean): number {
  // A pulse-train DAC is an AND gate and a row driver whatever its resolution: area does not scale.
  if (forArea && macro.dac.kind === 'pulse-train') return 1;
  return constantValue(chip, 'dacScalePerBit') ** (macro.dac.bits - 1);
}

function macroArea(chip: Chip, m: Macro): PerUnit {
  const xb = m.crossbar;
  const cells = xb.rows * xb.columns * devicesPerCell(xb.cell);
  return {
    adc: adcsPerMacro(m) * adcAreaMm2(chip, m.adc.bits),
    dac: xb.count * xb.rows * constantValue(chip, 'dacArea1b') * dacScale(chip, m, true),
    sampleHold: xb.count * xb.columns * constantValue(chip, 'sampleHoldArea'),
    crossbar: (xb.count * constantValue(chip, 'xbArea128') * cells) / ISAAC_CELLS,
    macroShiftAdd: constantValue(chip, 'macroShiftAddArea'),
    macroInputRegister: (constantValue(chip, 'inputRegisterArea2KB') * m.inputRegisterBytes) / 2048,
    macroOutputRegister: (constantValue(chip, 'macroOutputRegisterArea256B') * m.outputRegisterBytes) / 256,
  };
}

function macroPower(chip: Chip, m: Macro): PerUnit {
  const xb = m.crossbar;
  const cells = xb.rows * xb.columns * devicesPerCell(xb.cell);
  return {
    // pJ per conversion × GS/s = mW.
    adc: adcsPerMacro(m) * adcConvertEnergyPJ(chip, m.adc.bits) * m.adc.sampleRateGsps,
    dac: xb.count * xb.rows * constantValue(chip, 'dacPower1b') * dacScale(chip, m, false),
    sampleHold: xb.count * xb.columns * constantValue(chip, 'sampleHoldPower'),
    crossbar: (xb.count * constantValue(chip, 'xbPower128') * cells) / ISAAC_CELLS,
    macroShiftAdd: constantValue(chip, 'macroShiftAddPower'),
    macroInputRegister: (constantValue(chip, 'inputRegisterPower2KB') * m.inputRegisterBytes) / 2048,
    macroOutputRegister: (constantValue(chip, 'macroOutputRegisterPower256B') * m.outputRegisterBytes) / 256,
  };
}

/** Tile-level components (macros excluded), per tile. */
function tileArea(chip: Chip): PerUnit {
  const t = chip.tiles;
  const out: PerUnit = {
    edram: (constantValue(chip, 'edramArea64KB') * t.edramBytes) / 65536,
    bus: constantValue(chip, 'busArea'),
    router: constantValue(chip, 'routerArea') / chip.noc.tilesPerRouter,
    sigmoid: constantValue(chip, 'sigmoidArea'),
    tileShiftAdd: constantValue(chip, 'tileShiftAddArea'),
    maxPool: constantValue(chip, 'maxPoolArea'),
    tileOutputRegister: (constantValue(chip, 'tileOutputRegisterArea3KB') * t.outputRegisterBytes) / 3072,
  };
  const cellArea = constantValue(chip, 'xbArea128') / ISAAC_CELLS;
  if (t.cam !== undefined) {
    const bitsStored = t.cam.entries * (t.cam.keyBits + t.cam.valueBits);
    out.cam = t.cam.count * (bitsStored * constantValue(chip, 'camAreaPerBit') + constantValue(chip, 'camPeripheryArea'));
  }
  if (t.lut !== undefined) {
    const cells = Math.ceil((t.lut.entries * t.lut.entryBits) / t.lut.bitsPerCell);
    out.lut = t.lut.count * (cells * cellArea + constantValue(chip, 'lutPeripheryArea'));
  }
  return out;
}

function tilePower(chip: Chip): PerUnit {
  const t = chip.tiles;
  const out: PerUnit = {
    edram: (constantValue(chip, 'edramPower64KB') * t.edramBytes) / 65536,
    bus: constantValue(chip, 'busPower'),
    router: constantValue(chip, 'routerPower') / chip.noc.tilesPerRouter,
    sigmoid: constantValue(chip, 'sigmoidPower'),
    tileShiftAdd: constantValue(chip, 'tileShiftAddPower'),
    maxPool: constantValue(chip, 'maxPoolPower'),
    tileOutputRegister: (constantValue(chip, 'tileOutputRegisterPower3KB') * t.outputRegisterBytes) / 3072,
  };
  // CAM and LUT blocks have no published power: peak power is one operation's energy per its time
  // (pJ / ns = mW), every block busy.
  if (t.cam !== undefined) {
    out.cam = (t.cam.count * camSearchEnergyPJ(chip, t.cam.entries, t.cam.keyBits)) / constantValue(chip, 'camSearchNs');
  }
  if (t.lut !== undefined) {
    const read = lutReadEnergyPJ(chip, t.lut.entryBits) / constantValue(chip, 'lutReadNs');
    const add = inMemAddEnergyPJ(chip, t.lut.entryBits) / inMemAddNs(chip, t.lut.entryBits);
    out.lut = t.lut.count * (read + add);
  }
  return out;
}

function combine(chip: Chip, macro: PerUnit, tile: PerUnit, link: number): Breakdown {
  const macrosPerTile = chip.tiles.macro?.count ?? 0;
  const byComponent = {} as Record<ComponentName, number>;
  for (const n of COMPONENT_NAMES) byComponent[n] = chip.tiles.count * ((macro[n] ?? 0) * macrosPerTile + (tile[n] ?? 0));
  byComponent.offChipLinks = chip.noc.offChipLinks * link;
  const macroTotal = sum(macro);
  const tileTotal = macroTotal * macrosPerTile + sum(tile);
  const core = tileTotal * chip.tiles.count;
  return { total: core + byComponent.offChipLinks, core, tile: tileTotal, macro: macroTotal, byComponent };
}

function sum(parts: PerUnit): number {
  let s = 0;
  for (const v of Object.values(parts)) s += v;
  return s;
}

/** Chip area by component, mm². */
export function chipArea(chip: Chip): Breakdown {
  const m = chip.tiles.macro;
  return combine(chip, m === undefined ? {} : macroArea(chip, m), tileArea(chip), constantValue(chip, 'offChipLinkArea'));
}

/** Peak chip power (every unit busy) by component, mW. */
export function chipPower(chip: Chip): Breakdown {
  const m = chip.tiles.macro;
  return combine(chip, m === undefined ? {} : macroPower(chip, m), tilePower(chip), constantValue(chip, 'offChipLinkPower'));
}
