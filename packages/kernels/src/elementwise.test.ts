import { describe, expect, it } from 'vitest';
import { sbinary, sfold, srelu } from './index.js';

/** Deterministic values with both signs, zeros of both signs, NaN and infinities mixed in. */
function values(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = i % 97 === 0 ? specials[(i / 97) % specials.length]! : ((s >>> 0) / 2 ** 32 - 0.5) * 1000;
  }
  return x;
}

/** Index of the first element where a and b differ bitwise (-1 if none). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

// Lengths around the SIMD width and across the chunks the host copies through.
const LENGTHS = [0, 1, 3, 4, 5, 1000, 16384, 16385, 40003];

describe('srelu', () => {
  it('is `v < 0 ? 0 : v` bitwise, NaN and -0 included', () => {
    for (const n of LENGTHS) {
      const x = values(n, n + 1);
      const expected = x.map((v) => (v < 0 ? 0 : v));
      const y = new Float32Array(n);
      srelu(x, y);
      expect(firstDifference(y, expected), `n = ${n}`).toBe(-1);
    }
  });

  it('works in place and rejects mismatched lengths', () => {
    const x = values(1001, 5);
    const expected = x.map((v) => (v < 0 ? 0 : v));
    srelu(x, x);
    expect(firstDifference(x, expected)).toBe(-1);
    expect(() => srelu(new Float32Array(3), new Float32Array(4))).toThrow(/operand 0 has 3 elements/);
  });
});

describe('sbinary and sfold', () => {
  const ops = {
    add: (a: number, b: number) => a + b,
    sub: (a: number, b: number) => a - b,
    mul: (a: number, b: number) => a * b,
    div: (a: number, b: number) => a / b,
  } as const;

  it('match double arithmetic rounded to float32, bitwise', () => {
    for (const n of LENGTHS) {
      const a = values(n, 2 * n + 3);
      const b = values(n, 3 * n + 7);
      for (const [op, f] of Object.entries(ops) as [keyof typeof ops, (a: number, b: number) => number][]) {
        const expected = a.map((v, i) => f(v, b[i]!));
        const y = new Float32Array(n);
        sbinary(op, a, b, y);
        expect(firstDifference(y, expected), `${op}, n = ${n}`).toBe(-1);
      }
    }
  });

  it('fold left to right, rounding after each step, into any operand', () => {
    const n = 20001;
    const xs = [values(n, 1), values(n, 2), values(n, 3), values(n, 4)];
    const expected = new Float32Array(n);
    for (let i = 0; i < n; i++) expected[i] = xs[0]![i]! + xs[1]![i]!;
    for (const x of xs.slice(2)) for (let i = 0; i < n; i++) expected[i] = expected[i]! + x[i]!;
    const y = new Float32Array(n);
    sfold('add', xs, y);
    expect(firstDifference(y, expected)).toBe(-1);
    sfold('add', xs, xs[2]!);
    expect(firstDifference(xs[2]!, expected)).toBe(-1);
  });

  it('rejects fewer than two operands and mismatched lengths', () => {
    const x = new Float32Array(4);
    expect(() => sfold('add', [x], x)).toThrow(/at least two/);
    expect(() => sbinary('mul', x, new Float32Array(5), x)).toThrow(/operand 1 has 5 elements/);
  });
});
