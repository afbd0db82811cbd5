import { describe, expect, it } from 'vitest';
import {
  coord,
  escapeXml,
  formatEnergyPj,
  formatFixed,
  formatInteger,
  formatPercent,
  formatSi,
  formatSignificant,
  formatTimeNs,
  pickEnergyUnit,
  truncateLabel,
} from './format.js';

describe('escapeXml', () => {
  it('escapes markup characters and both quote kinds', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });
  it('replaces control characters that XML forbids', () => {
    expect(escapeXml('a\u0001b\tc')).toBe('a\ufffdb\tc');
  });
});

describe('coord', () => {
  it('rounds to two decimals and never prints -0 or an exponent', () => {
    expect(coord(3.14159)).toBe('3.14');
    expect(coord(-0.001)).toBe('0');
    expect(coord(1e-9)).toBe('0');
    expect(coord(NaN)).toBe('0');
    expect(coord(12)).toBe('12');
  });
});

describe('number formatting', () => {
  it('formatSignificant keeps the requested significant digits without float noise', () => {
    expect(formatSignificant(0.1 + 0.2)).toBe('0.3');
    expect(formatSignificant(1234.5, 4)).toBe('1235');
    expect(formatSignificant(999.96, 3)).toBe('1000');
    expect(formatSignificant(0.000123)).toBe('1.23e-4');
    expect(formatSignificant(1.5e7)).toBe('1.5e7');
    expect(formatSignificant(-0.00000001)).toBe('-1e-8');
    expect(formatSignificant(0)).toBe('0');
    expect(formatSignificant(NaN)).toBe('NaN');
    expect(formatSignificant(-Infinity)).toBe('-∞');
  });
  it('formatSi uses SI prefixes for large values', () => {
    expect(formatSi(1234)).toBe('1.23k');
    expect(formatSi(999_999)).toBe('1M');
    expect(formatSi(-2_500_000)).toBe('-2.5M');
    expect(formatSi(12)).toBe('12');
  });
  it('formatInteger groups thousands with a narrow no-break space', () => {
    expect(formatInteger(1234567)).toBe('1\u202f234\u202f567');
    expect(formatInteger(-1234.4)).toBe('-1\u202f234');
    expect(formatInteger(999)).toBe('999');
  });
  it('formatFixed and formatPercent never print negative zero', () => {
    expect(formatFixed(-0.0001, 2)).toBe('0.00');
    expect(formatPercent(0.9752)).toBe('97.52%');
    expect(formatPercent(-0.00001, 1)).toBe('0.0%');
  });
  it('energies and times pick a unit in which the value is at least 1', () => {
    expect(formatEnergyPj(1_234_567)).toBe('1.23 µJ');
    expect(formatEnergyPj(0.5)).toBe('0.5 pJ');
    expect(pickEnergyUnit(2.5e9)).toEqual({ unit: 'mJ', factor: 1e9 });
    expect(formatTimeNs(2500)).toBe('2.5 µs');
    expect(formatTimeNs(3e9)).toBe('3 s');
  });
  it('truncateLabel cuts long labels with an ellipsis', () => {
    expect(truncateLabel('abcdefgh', 5)).toBe('abcd…');
    expect(truncateLabel('abc', 5)).toBe('abc');
  });
});
