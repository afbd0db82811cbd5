import { check, PimcError } from '@pimc/support';
import { requireMacro, type Chip } from './chip.js';
import { chipArea, type Breakdown } from './area-power.js';
import { COST_CONSTANTS, CONSTANT_NAMES, type ConstantName, type ConstantSpec } from './cost-constants.js';
import { BUFFER_NAMES, EVENT_COUNTERS, type BufferName, type EventCounts } from './events.js';
import {
  adcConvertEnergyPJ,
  adcConvertNs,
  bufferAccessEnergyPJ,
  bufferAccessNs,
  camSearchEnergyPJ,
  constantValue,
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
  xbActivationEnergyPJ,
} from './unit-costs.js';
import { cellWriteEnergyPJ, lumpedCrossbarWrite, rowWriteNs } from './write-cost.js';

/** A cost constant as a chip sees it: its override applied, with the override's source. */
export interface CostConstant extends ConstantSpec {
  readonly name: ConstantName;
  /** True when the chip's `cost.overrides` replaced the built-in value. */
  readonly overridden: boolean;
  readonly placeholder: boolean;
}

/** Every cost constant for this chip, in table order. */
export function costConstants(chip: Chip): readonly CostConstant[] {
  return CONSTANT_NAMES.map((name) => {
    const spec: ConstantSpec = COST_CONSTANTS[name];
    const override = chip.cost.overrides[name];
    if (override === undefined) return { ...spec, name, overridden: false, placeholder: spec.placeholder === true };
    const source = chip.sources[`cost.overrides.${name}`] ?? '[user] override';
    return { ...spec, name, value: override, source, overridden: true, placeholder: source.includes('placeholder') };
  });
}

export type EnergyComponent =
  | 'adc'
  | 'dac'
  | 'crossbar'
  | 'sampleHold'
  | 'write'
  | 'buffer'
  | 'leakage'
  | 'noc'
  | 'cam'
  | 'lut'
  | 'inMemAdd'
  | 'digital'
  | 'shiftAdd';

export const ENERGY_COMPONENTS: readonly EnergyComponent[] = [
  'adc',
  'dac',
  'crossbar',
  'sampleHold',
  'write',
  'buffer',
  'leakage',
  'noc',
  'cam',
  'lut',
  'inMemAdd',
  'digital',
  'shiftAdd',
];

export interface EventPrice {
  /** The chip priced (reports print it next to every figure). */
  readonly chip: string;
  readonly energyPJ: { readonly total: number; readonly byComponent: Readonly<Record<EnergyComponent, number>> };
  /**
   * Serial latency: every event one after another on one instance of its unit, no overlap
   * between units. An upper bound for comparisons; the simulator's schedule gives the real
   * (parallel, pipelined) latency.
   */
  readonly latencyNs: { readonly total: number; readonly byComponent: Readonly<Record<EnergyComponent, number>> };
  readonly areaMm2: Breakdown;
  /** Placeholder constants the priced events depend on: calibrate them before quoting the result. */
  readonly placeholders: readonly ConstantName[];
}

/**
 * Prices event counts on a chip: a pure function of the chip and the counts (no IR, no state).
 * Keys are summed in ascending order so the result does not depend on the order counts were
 * recorded in. Malformed counts (negative, unknown counter or buffer, impossible bits) are errors.
 */
export function priceEvents(chip: Chip, counts: EventCounts): EventPrice {
  const energy = zeroes();
  const latency = zeroes();
  const placeholders = new Set<ConstantName>();
  const add = (component: EnergyComponent, n: number, pJ: number, ns: number): void => {
    energy[component] += n * pJ;
    latency[component] += n * ns;
  };
  checkCounterNames(counts);

  for (const [bits, n] of entries(counts.adcConverts, 'adcConverts', bitsKey)) {
    add('adc', n, adcConvertEnergyPJ(chip, bits), adcConvertNs(chip));
  }
  for (const [bits, n] of entries(counts.dacDrives, 'dacDrives', bitsKey)) {
    if (bits > 1) placeholders.add('dacScalePerBit');
    add('dac', n, dacDriveEnergyPJ(chip, bits), 0);
  }
  for (const [[rows, columns], n] of entries(counts.xbActivations, 'xbActivations', pairKey)) {
    add('crossbar', n, xbActivationEnergyPJ(chip, rows, columns), requireMacro(chip, 'xbActivations').crossbar.cycleNs);
    add('sampleHold', n, sampleHoldEnergyPJ(chip, columns), 0);
  }
  priceWrites(chip, counts, add);
  for (const which of ['bufReads', 'bufWrites'] as const) {
    for (const [buffer, n] of entries(counts[which], which, bufferKey)) {
      add('buffer', n, bufferAccessEnergyPJ(chip, buffer), bufferAccessNs(chip, buffer));
    }
  }
  // 1 mW for 1 ns is 1 pJ.
  add('leakage', scalar(counts.edramBankActiveNs, 'edramBankActiveNs'), constantValue(chip, 'edramBankLeakagePower'), 0);
  add('noc', scalar(counts.nocFlitsHop, 'nocFlitsHop'), flitHopEnergyPJ(chip), flitHopNs(chip));
  for (const [[entriesSearched, keyBits], n] of entries(counts.camSearches, 'camSearches', pairKey)) {
    placeholders.add('camSearchEnergyPerEntryBit').add('camSearchFixedEnergy').add('camSearchNs');
    add('cam', n, camSearchEnergyPJ(chip, entriesSearched, keyBits), constantValue(chip, 'camSearchNs'));
  }
  const lutReads = scalar(counts.lutReads, 'lutReads');
  if (lutReads > 0) {
    const lut = chip.tiles.lut;
    if (lut === undefined) {
      throw new PimcError('invalid-input', `lutReads: chip '${chip.name}' has no lookup-table blocks (tiles.lut)`);
    }
    placeholders.add('lutReadEnergy16b').add('lutReadNs');
    add('lut', lutReads, lutReadEnergyPJ(chip, lut.entryBits), constantValue(chip, 'lutReadNs'));
  }
  for (const [bits, n] of entries(counts.inMemAdds, 'inMemAdds', bitsKey)) {
    placeholders.add('inMemAddStepsPerBit').add('inMemAddStepEnergy').add('inMemAddStepNs');
    add('inMemAdd', n, inMemAddEnergyPJ(chip, bits), inMemAddNs(chip, bits));
  }
  for (const [bits, n] of entries(counts.digitalMACs, 'digitalMACs', bitsKey)) {
    add('digital', n, digitalMacEnergyPJ(chip, bits), digitalOpNs(chip));
  }
  for (const [bits, n] of entries(counts.digitalAdds, 'digitalAdds', bitsKey)) {
    add('digital', n, digitalAddEnergyPJ(chip, bits), digitalOpNs(chip));
  }
  add('shiftAdd', scalar(counts.shiftAdds, 'shiftAdds'), constantValue(chip, 'shiftAddEnergy'), digitalOpNs(chip));

  // Overrides with a real source are calibrated: they no longer count as placeholders.
  const constants = new Map(costConstants(chip).map((c) => [c.name, c]));
  const used = [...placeholders].filter((n) => constants.get(n)?.placeholder === true).sort();
  return {
    chip: chip.name,
    energyPJ: { total: total(energy), byComponent: energy },
    latencyNs: { total: total(latency), byComponent: latency },
    areaMm2: chipArea(chip),
    placeholders: used,
  };
}

type AddFn = (component: EnergyComponent, n: number, pJ: number, ns: number) => void;

function priceWrites(chip: Chip, counts: EventCounts, add: AddFn): void {
  if (chip.write.model === 'lumped') {
    const lumped = lumpedCrossbarWrite(chip);
    add('write', scalar(counts.crossbarWrites, 'crossbarWrites'), lumped.energyPJ, lumped.latencyNs);
    return;
  }
  for (const [delta, n] of entries(counts.cellWrites, 'cellWrites', deltaKey)) add('write', n, cellWriteEnergyPJ(chip, delta), 0);
  for (const [delta, n] of entries(counts.rowWrites, 'rowWrites', deltaKey)) add('write', n, 0, rowWriteNs(chip, delta));
}

function zeroes(): Record<EnergyComponent, number> {
  return Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, 0])) as Record<EnergyComponent, number>;
}

function total(parts: Readonly<Record<EnergyComponent, number>>): number {
  let s = 0;
  for (const c of ENERGY_COMPONENTS) s += parts[c];
  return s;
}

function checkCounterNames(counts: EventCounts): void {
  for (const name of Object.keys(counts)) {
    check(
      Object.hasOwn(EVENT_COUNTERS, name),
      'invalid-input',
      () => `unknown event counter '${name}' (known: ${Object.keys(EVENT_COUNTERS).join(', ')})`,
    );
  }
}

function checkCount(n: unknown, what: string): number {
  check(
    typeof n === 'number' && Number.isFinite(n) && n >= 0,
    'invalid-input',
    () => `${what}: a count must be a finite number ≥ 0, got ${String(n)}`,
  );
  return n;
}

function scalar(n: number | undefined, what: string): number {
  return n === undefined ? 0 : checkCount(n, what);
}

/** A parsed key plus a sort order, so summation order is fixed. */
type KeyParser<K> = (key: string, what: string) => { readonly key: K; readonly order: readonly (number | string)[] };

/** The entries of a keyed counter, keys parsed and sorted ascending, zero counts skipped. */
function entries<K>(map: Readonly<Record<string, number>> | undefined, what: string, parse: KeyParser<K>): [K, number][] {
  if (map === undefined) return [];
  const parsed = Object.entries(map).map(([k, n]) => ({ ...parse(k, what), n: checkCount(n, `${what}[${k}]`) }));
  parsed.sort((a, b) => compareOrder(a.order, b.order));
  return parsed.filter((p) => p.n > 0).map((p) => [p.key, p.n]);
}

function compareOrder(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

const bitsKey: KeyParser<number> = (key, what) => {
  const bits = Number(key);
  check(Number.isInteger(bits) && bits >= 1, 'invalid-input', () => `${what}: key '${key}' is not a bit width (an integer ≥ 1)`);
  return { key: bits, order: [bits] };
};

const deltaKey: KeyParser<number> = (key, what) => {
  const delta = Number(key);
  check(
    Number.isInteger(delta) && delta >= 0,
    'invalid-input',
    () => `${what}: key '${key}' is not a level change |Δ| (an integer ≥ 0)`,
  );
  return { key: delta, order: [delta] };
};

const pairKey: KeyParser<readonly [number, number]> = (key, what) => {
  const m = /^(\d+)x(\d+)$/.exec(key);
  check(
    m !== null && Number(m[1]) >= 1 && Number(m[2]) >= 1,
    'invalid-input',
    () => `${what}: key '${key}' is not of the form ROWSxCOLS (e.g. 128x128)`,
  );
  const pair = [Number(m[1]), Number(m[2])] as const;
  return { key: pair, order: pair };
};

const bufferKey: KeyParser<BufferName> = (key, what) => {
  const index = BUFFER_NAMES.indexOf(key as BufferName);
  check(index >= 0, 'invalid-input', () => `${what}: unknown buffer '${key}' (known: ${BUFFER_NAMES.join(', ')})`);
  return { key: key as BufferName, order: [index] };
};
