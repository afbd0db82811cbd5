// Text escaping and number formatting. Everything here is locale-independent (no toLocaleString,
// no Intl) so the same data always renders to the same bytes on every machine.

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Control characters other than tab/newline/carriage return are not allowed in XML 1.0 at all,
// so an escaped form would still be malformed; they are replaced instead.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Escapes text for use in XML/HTML content and in double- or single-quoted attribute values. */
export function escapeXml(text: string): string {
  return String(text)
    .replace(XML_FORBIDDEN, '\ufffd')
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** An SVG coordinate: at most two decimals, no exponent, never "-0". */
export function coord(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) || r === 0 ? '0' : String(r);
}

/** Spelling of values that are not finite numbers, or undefined for a finite one. */
export function nonFiniteText(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  return undefined;
}

function trimFractionZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function withoutNegativeZero(s: string): string {
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** `digits` significant digits, trailing zeros dropped, exponent form only outside [1e-3, 1e6). */
export function formatSignificant(v: number, digits = 3): string {
  const bad = nonFiniteText(v);
  if (bad !== undefined) return bad;
  if (v === 0) return '0';
  const rounded = Number(v.toPrecision(digits));
  const magnitude = Math.abs(rounded);
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    const [mantissa, exponent] = rounded.toExponential(digits - 1).split('e');
    return `${trimFractionZeros(mantissa)}e${Number(exponent)}`;
  }
  // toFixed with enough decimals for `digits` significant digits never switches to exponent form.
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(magnitude)));
  return withoutNegativeZero(trimFractionZeros(rounded.toFixed(Math.min(decimals, 20))));
}

const SI_PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** Compact form with SI prefixes for large values (1.23k, 45M); small values as formatSignificant. */
export function formatSi(v: number, digits = 3): string {
  const bad = nonFiniteText(v);
  if (bad !== undefined) return bad;
  const rounded = Number(v.toPrecision(digits));
  const magnitude = Math.abs(rounded);
  if (magnitude < 1000) return formatSignificant(rounded, digits);
  const tier = Math.min(SI_PREFIXES.length - 1, Math.floor(Math.log10(magnitude) / 3));
  return `${formatSignificant(rounded / 1000 ** tier, digits)}${SI_PREFIXES[tier]}`;
}

/** Fixed number of decimals, never "-0.00". */
export function formatFixed(v: number, decimals: number): string {
  const bad = nonFiniteText(v);
  if (bad !== undefined) return bad;
  return withoutNegativeZero(v.toFixed(decimals));
}

/** A rounded integer with thin-space thousands grouping (SI style, locale-independent). */
export function formatInteger(v: number): string {
  const bad = nonFiniteText(v);
  if (bad !== undefined) return bad;
  const r = Math.round(v);
  if (Math.abs(r) >= 1e15) return formatSignificant(r, 4);
  const digits = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return r < 0 ? `-${digits}` : digits;
}

/** A fraction in [0, 1] as a percentage: 0.9752 → "97.52%". */
export function formatPercent(fraction: number, decimals = 2): string {
  const bad = nonFiniteText(fraction);
  if (bad !== undefined) return bad;
  return `${formatFixed(fraction * 100, decimals)}%`;
}

/** A ratio such as an energy ratio: 0.4213 → "0.421×". */
export function formatRatio(v: number): string {
  return `${formatSignificant(v, 3)}×`;
}

export interface EnergyUnit {
  readonly unit: string;
  /** Picojoules per unit. */
  readonly factor: number;
}

const ENERGY_UNITS: readonly EnergyUnit[] = [
  { unit: 'pJ', factor: 1 },
  { unit: 'nJ', factor: 1e3 },
  { unit: 'µJ', factor: 1e6 },
  { unit: 'mJ', factor: 1e9 },
  { unit: 'J', factor: 1e12 },
];

/** The largest unit in which `largestPj` is at least 1 (so one column or axis shares one unit). */
export function pickEnergyUnit(largestPj: number): EnergyUnit {
  let chosen = ENERGY_UNITS[0];
  for (const u of ENERGY_UNITS) if (Number.isFinite(largestPj) && Math.abs(largestPj) >= u.factor) chosen = u;
  return chosen;
}

/** An energy given in picojoules, in its own best unit: 1234567 → "1.23 µJ". */
export function formatEnergyPj(pj: number, digits = 3): string {
  const bad = nonFiniteText(pj);
  if (bad !== undefined) return bad;
  const u = pickEnergyUnit(pj);
  return `${formatSignificant(pj / u.factor, digits)} ${u.unit}`;
}

const TIME_UNITS: readonly { unit: string; factor: number }[] = [
  { unit: 'ns', factor: 1 },
  { unit: 'µs', factor: 1e3 },
  { unit: 'ms', factor: 1e6 },
  { unit: 's', factor: 1e9 },
];

/** A duration given in nanoseconds, in its own best unit: 2500 → "2.5 µs". */
export function formatTimeNs(ns: number, digits = 3): string {
  const bad = nonFiniteText(ns);
  if (bad !== undefined) return bad;
  let chosen = TIME_UNITS[0];
  for (const u of TIME_UNITS) if (Math.abs(ns) >= u.factor) chosen = u;
  return `${formatSignificant(ns / chosen.factor, digits)} ${chosen.unit}`;
}

/** Shortens a label to `maxChars`, ending with an ellipsis when cut. */
export function truncateLabel(label: string, maxChars: number): string {
  const chars = Array.from(label);
  return chars.length <= maxChars ? label : `${chars.slice(0, Math.max(1, maxChars - 1)).join('')}…`;
}

/** Rough rendered width of text in a sans-serif font; layout only needs an upper-ish estimate. */
export function estimateTextWidth(text: string, fontSize: number): number {
  return Array.from(text).length * fontSize * 0.6;
}
