/**
 * Units of chip-description fields. The JSON format carries the unit in the field name
 * (`cycleNs`, `edramBytes`) and takes plain numbers; these tables only serve error messages: when a
 * user writes `"100ns"` or `"0.1us"` the validator names the unit expected and the number to write.
 */
export type FieldUnit =
  | 'ns'
  | 'pJ'
  | 'V'
  | 'GHz'
  | 'GS/s'
  | 'nm'
  | 'bytes'
  | 'bits'
  | 'cycles'
  | 'count'
  | 'ratio'
  | 'iterations'
  | 'mm2'
  | 'mW'
  | 'steps/bit';

/** For each dimensioned unit, the unit spellings a user might write and their size in that unit. */
const SPELLINGS: Partial<Record<FieldUnit, Readonly<Record<string, number>>>> = {
  ns: { ps: 1e-3, ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9 },
  pJ: { fJ: 1e-3, pJ: 1, nJ: 1e3, uJ: 1e6, µJ: 1e6, μJ: 1e6, mJ: 1e9, J: 1e12 },
  V: { mV: 1e-3, V: 1 },
  GHz: { Hz: 1e-9, kHz: 1e-6, MHz: 1e-3, GHz: 1 },
  'GS/s': { 'S/s': 1e-9, 'kS/s': 1e-6, 'MS/s': 1e-3, 'GS/s': 1, sps: 1e-9, Msps: 1e-3, Gsps: 1 },
  nm: { nm: 1, um: 1e3, µm: 1e3 },
  bytes: { B: 1, byte: 1, bytes: 1, KB: 1024, kB: 1024, KiB: 1024, MB: 1024 ** 2, MiB: 1024 ** 2 },
  bits: { b: 1, bit: 1, bits: 1, kb: 1024, Kb: 1024, Kib: 1024 },
  cycles: { cycle: 1, cycles: 1 },
  mm2: { um2: 1e-6, µm2: 1e-6, 'µm²': 1e-6, mm2: 1, 'mm²': 1 },
  mW: { uW: 1e-3, µW: 1e-3, mW: 1, W: 1e3 },
};

/** Counts, ratios and iteration numbers have no unit to convert from. */
export function isDimensionless(unit: FieldUnit): boolean {
  return unit === 'count' || unit === 'ratio' || unit === 'iterations' || unit === 'steps/bit';
}

/** How a unit is named in messages. */
export function describeUnit(unit: FieldUnit): string {
  switch (unit) {
    case 'count':
      return 'count';
    case 'ratio':
      return 'ratio (dimensionless)';
    case 'iterations':
      return 'iterations';
    default:
      return unit;
  }
}

/**
 * Explains a string found where a number in `unit` was expected: the converted number when the
 * string is a number with a known unit of the same kind, otherwise what unit the field takes.
 */
export function explainUnitString(text: string, unit: FieldUnit): string {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*?)?\s*$/.exec(text);
  const inUnit = isDimensionless(unit) ? 'a plain number' : `a number in ${unit}`;
  if (m === null) return `expected ${inUnit}, got the string ${JSON.stringify(text)}`;
  const magnitude = Number(m[1]);
  const written = m[2];
  if (written === undefined) {
    return `expected ${inUnit}, got the string ${JSON.stringify(text)}; write it without quotes: ${m[1]}`;
  }
  const spellings = SPELLINGS[unit] ?? {};
  const known = Object.hasOwn(spellings, written) ? written : lowerCaseMatch(written, spellings);
  const factor = known === undefined ? undefined : spellings[known];
  if (factor === undefined) {
    return `expected ${inUnit} (the unit is in the field name), got ${JSON.stringify(text)}: '${written}' is not a unit this field converts from`;
  }
  const value = roundForDisplay(magnitude * factor);
  const conversion =
    factor === 1 ? '' : ` (${m[1]} ${written} = ${value} ${unit}${unit === 'bytes' && factor > 1 ? ', 1 KB = 1024 bytes' : ''})`;
  return `expected ${inUnit} (the unit is in the field name), got the string ${JSON.stringify(text)}; write ${value}${conversion}`;
}

function lowerCaseMatch(written: string, spellings: Readonly<Record<string, number>>): string | undefined {
  const lower = written.toLowerCase();
  const matches = Object.keys(spellings).filter((s) => s.toLowerCase() === lower);
  return matches.length === 1 ? matches[0] : undefined;
}

function roundForDisplay(x: number): number {
  return Number(x.toPrecision(12));
}
