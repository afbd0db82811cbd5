import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import type { Tensor } from '@pimc/ir';
import { onnxCodeOfDType, roundToFloat16, type DType } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { erf, roundToFloat16InPlace } from './elementwise.js';
import { runOp, T } from './run-op.testing.js';

const values = (t: Tensor): number[] => t.toNumbers();
const run1 = (op: string, inputs: readonly (Tensor | undefined)[], attrs = {}): Tensor => runOp(op, inputs, { attrs })[0]!;

function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!)).toBeLessThanOrEqual(tol + tol * Math.abs(expected[i]!)));
}

describe('binary arithmetic', () => {
  it('adds with broadcasting over a row and a column', () => {
    const a = T('float32', [2, 1], [1, 2]);
    const b = T('float32', [3], [10, 20, 30]);
    const c = run1('Add', [a, b]);
    expect(c.shape).toEqual([2, 3]);
    expect(values(c)).toEqual([11, 21, 31, 12, 22, 32]);
  });

  it('subtracts, multiplies and divides floats', () => {
    const a = T('float32', [3], [3, -4, 5]);
    const b = T('float32', [], [2]);
    expect(values(run1('Sub', [a, b]))).toEqual([1, -6, 3]);
    expect(values(run1('Mul', [a, b]))).toEqual([6, -8, 10]);
    expect(values(run1('Div', [a, b]))).toEqual([1.5, -2, 2.5]);
  });

  it('divides integers truncating toward zero, like C', () => {
    const a = T('int32', [4], [7, -7, 7, -7]);
    const b = T('int32', [4], [2, 2, -2, -2]);
    expect(values(run1('Div', [a, b]))).toEqual([3, -3, -3, 3]);
    const a64 = T('int64', [2], [-9, 9]);
    const b64 = T('int64', [2], [4, 4]);
    expect(values(run1('Div', [a64, b64]))).toEqual([-2, 2]);
  });

  it('refuses integer division by zero', () => {
    expect(() => run1('Div', [T('int32', [1], [1]), T('int32', [1], [0])])).toThrow(/by zero/);
  });

  it('wraps narrow integers like C', () => {
    expect(values(run1('Add', [T('uint8', [2], [250, 1]), T('uint8', [2], [10, 2])]))).toEqual([4, 3]);
    expect(values(run1('Sub', [T('uint8', [1], [1]), T('uint8', [1], [2])]))).toEqual([255]);
    expect(values(run1('Mul', [T('int8', [1], [100]), T('int8', [1], [3])]))).toEqual([44]);
    // 32-bit products beyond 2^53 keep their exact low bits.
    expect(values(run1('Mul', [T('int32', [1], [123456789]), T('int32', [1], [987654321])]))).toEqual([
      Math.imul(123456789, 987654321),
    ]);
  });

  it('rounds float16 results to half precision', () => {
    const a = T('float16', [1], [1]);
    const b = T('float16', [1], [1e-4]);
    // 1 + 1e-4 is not representable in half precision; the nearest half is 1.
    expect(values(run1('Add', [a, b]))).toEqual([1]);
    expect(run1('Add', [a, b]).dtype).toBe('float16');
  });

  it('raises to a power, the exponent of another dtype', () => {
    expect(values(run1('Pow', [T('float32', [3], [2, 3, 4]), T('int64', [], [2])]))).toEqual([4, 9, 16]);
    expect(values(run1('Pow', [T('float32', [1], [4]), T('float32', [1], [0.5])]))).toEqual([2]);
    expect(values(run1('Pow', [T('int32', [2], [2, 3]), T('int32', [2], [10, -1])]))).toEqual([1024, 0]);
  });

  it('compares into bool', () => {
    const a = T('float32', [3], [1, 2, 3]);
    const b = T('float32', [1], [2]);
    const eq = run1('Equal', [a, b]);
    expect(eq.dtype).toBe('bool');
    expect(values(eq)).toEqual([0, 1, 0]);
    expect(values(run1('Less', [a, b]))).toEqual([1, 0, 0]);
    expect(values(run1('Greater', [a, b]))).toEqual([0, 0, 1]);
    expect(values(run1('Equal', [T('bool', [2], [1, 0]), T('bool', [2], [1, 1])]))).toEqual([1, 0]);
  });

  it('refuses mixed dtypes and unbroadcastable shapes', () => {
    expect(() => run1('Add', [T('float32', [1], [1]), T('int32', [1], [1])])).toThrow(/share one dtype/);
    try {
      run1('Add', [T('float32', [2], [1, 2]), T('float32', [3], [1, 2, 3])]);
      expect.unreachable();
    } catch (e) {
      expect(isPimcError(e, 'shape-mismatch')).toBe(true);
    }
    expect(() => run1('Less', [T('bool', [1], [1]), T('bool', [1], [0])])).toThrow(/cannot be bool/);
  });
});

describe('variadic Max, Min, Sum, Mean', () => {
  const a = T('float32', [2, 2], [1, 5, -1, 0]);
  const b = T('float32', [2], [2, 3]);
  const c = T('float32', [], [4]);

  it('broadcasts all operands', () => {
    expect(values(run1('Max', [a, b, c]))).toEqual([4, 5, 4, 4]);
    expect(values(run1('Min', [a, b, c]))).toEqual([1, 3, -1, 0]);
    expect(values(run1('Sum', [a, b, c]))).toEqual([7, 12, 5, 7]);
    expectClose(values(run1('Mean', [a, b, c])), [7 / 3, 4, 5 / 3, 7 / 3]);
  });

  it('returns a single operand unchanged', () => {
    expect(values(run1('Sum', [a]))).toEqual([1, 5, -1, 0]);
    expect(values(run1('Mean', [a]))).toEqual([1, 5, -1, 0]);
  });

  it('propagates NaN from either side', () => {
    expect(values(run1('Max', [T('float32', [2], [NaN, 1]), T('float32', [2], [1, NaN])]))).toEqual([NaN, NaN]);
    expect(values(run1('Min', [T('float32', [2], [NaN, 1]), T('float32', [2], [1, NaN])]))).toEqual([NaN, NaN]);
  });

  it('works on integers for Max and Min, not for Sum', () => {
    expect(values(run1('Max', [T('int8', [2], [-3, 4]), T('int8', [2], [-5, 7])]))).toEqual([-3, 7]);
    expect(() => run1('Sum', [T('int32', [1], [1])])).toThrow(/cannot be int32/);
  });
});

describe('Where', () => {
  it('selects with three-way broadcasting', () => {
    const cond = T('bool', [2, 1], [1, 0]);
    const x = T('float32', [2], [1, 2]);
    const y = T('float32', [], [9]);
    const out = run1('Where', [cond, x, y]);
    expect(out.shape).toEqual([2, 2]);
    expect(values(out)).toEqual([1, 2, 9, 9]);
  });

  it('requires a bool condition', () => {
    expect(() => run1('Where', [T('int32', [1], [1]), T('float32', [1], [1]), T('float32', [1], [1])])).toThrow(/condition/);
  });
});

describe('activations', () => {
  const x = T('float32', [5], [-2, -0.5, 0, 0.5, 3]);

  it('Relu keeps NaN and works on signed integers', () => {
    expect(values(run1('Relu', [x]))).toEqual([0, 0, 0, 0.5, 3]);
    expect(values(run1('Relu', [T('float32', [1], [NaN])]))).toEqual([NaN]);
    expect(values(run1('Relu', [T('int8', [2], [-3, 3])]))).toEqual([0, 3]);
    expect(() => run1('Relu', [T('uint8', [1], [1])])).toThrow(/cannot be uint8/);
  });

  it('LeakyRelu with default and given alpha', () => {
    expectClose(values(run1('LeakyRelu', [x])), [-0.02, -0.005, 0, 0.5, 3]);
    expectClose(values(run1('LeakyRelu', [x], { alpha: 0.1 })), [-0.2, -0.05, 0, 0.5, 3]);
  });

  it('PRelu broadcasts the slope per channel', () => {
    const input = T('float32', [1, 2, 2], [-1, 1, -2, 2]);
    const slope = T('float32', [2, 1], [0.5, 0.25]);
    expect(values(run1('PRelu', [input, slope]))).toEqual([-0.5, 1, -0.5, 2]);
  });

  it('PRelu refuses a slope that would grow X', () => {
    expect(() => run1('PRelu', [T('float32', [2], [1, 2]), T('float32', [3, 2], [1, 2, 3, 4, 5, 6])])).toThrow(
      /does not broadcast/,
    );
  });

  it('Sigmoid is stable at the extremes', () => {
    const out = values(run1('Sigmoid', [T('float64', [4], [-1000, -1, 0, 1000])]));
    expectClose(out, [0, 1 / (1 + Math.E), 0.5, 1], 1e-12);
  });

  it('HardSigmoid and HardSwish', () => {
    expectClose(values(run1('HardSigmoid', [x])), [0.1, 0.4, 0.5, 0.6, 1]);
    expectClose(values(run1('HardSigmoid', [x], { alpha: 0.5, beta: 0.6 })), [0, 0.35, 0.6, 0.85, 1]);
    expectClose(values(run1('HardSwish', [T('float32', [4], [-4, -1, 1, 4])])), [0, -1 / 3, 2 / 3, 4]);
  });

  it('Tanh, Exp, Log, Sqrt, Reciprocal', () => {
    const y = T('float64', [3], [0.25, 1, 4]);
    expectClose(values(run1('Tanh', [y])), [Math.tanh(0.25), Math.tanh(1), Math.tanh(4)], 1e-15);
    expectClose(values(run1('Exp', [y])), [Math.exp(0.25), Math.E, Math.exp(4)], 1e-15);
    expectClose(values(run1('Log', [y])), [Math.log(0.25), 0, Math.log(4)], 1e-15);
    expect(values(run1('Sqrt', [y]))).toEqual([0.5, 1, 2]);
    expect(values(run1('Reciprocal', [y]))).toEqual([4, 1, 0.25]);
    expect(() => run1('Exp', [T('int32', [1], [1])])).toThrow(/cannot be int32/);
  });

  it('Neg, Abs, Floor, Ceil', () => {
    const y = T('float32', [3], [-1.5, 0.5, 2]);
    expect(values(run1('Neg', [y]))).toEqual([1.5, -0.5, -2]);
    expect(values(run1('Abs', [y]))).toEqual([1.5, 0.5, 2]);
    expect(values(run1('Floor', [y]))).toEqual([-2, 0, 2]);
    expect(values(run1('Ceil', [y]))).toEqual([-1, 1, 2]);
    // -(-128) wraps in int8, as in C.
    expect(values(run1('Neg', [T('int8', [2], [-128, 5])]))).toEqual([-128, -5]);
    expect(values(run1('Abs', [T('int64', [2], [-7, 7])]))).toEqual([7, 7]);
  });
});

describe('Clip', () => {
  const x = T('float32', [5], [-3, -1, 0, 1, 3]);

  it('clips with both, one or no bounds', () => {
    const lo = T('float32', [], [-1.5]);
    const hi = T('float32', [], [2]);
    expect(values(run1('Clip', [x, lo, hi]))).toEqual([-1.5, -1, 0, 1, 2]);
    expect(values(run1('Clip', [x, undefined, hi]))).toEqual([-3, -1, 0, 1, 2]);
    expect(values(run1('Clip', [x, lo]))).toEqual([-1.5, -1, 0, 1, 3]);
    expect(values(run1('Clip', [x]))).toEqual([-3, -1, 0, 1, 3]);
  });

  it('gives max everywhere when min > max', () => {
    expect(values(run1('Clip', [x, T('float32', [], [2]), T('float32', [], [1])]))).toEqual([1, 1, 1, 1, 1]);
  });

  it('clips int8 with its own bounds', () => {
    const y = T('int8', [3], [-128, 0, 127]);
    expect(values(run1('Clip', [y, T('int8', [], [-100])]))).toEqual([-100, 0, 127]);
    expect(values(run1('Clip', [y, undefined, T('int8', [], [50])]))).toEqual([-128, 0, 50]);
  });

  it('refuses non-scalar bounds and other dtypes', () => {
    expect(() => run1('Clip', [x, T('float32', [2], [0, 1])])).toThrow(/scalar/);
    expect(() => run1('Clip', [x, T('float64', [], [0])])).toThrow(/float64/);
  });
});

describe('Erf', () => {
  it('matches reference values to 1e-15', () => {
    // erf at these points, from mpmath at 40 digits.
    const points: [number, number][] = [
      [0, 0],
      [1e-10, 1.1283791670955126e-10],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.4999, 0.9995928300996666],
      [2.5, 0.999593047982555],
      [3, 0.9999779095030014],
      [4.5, 0.9999999998033839],
      [5.9, 0.9999999999999999],
    ];
    for (const [x, want] of points) {
      expect(Math.abs(erf(x) - want)).toBeLessThan(2e-15);
      expect(Math.abs(erf(-x) + want)).toBeLessThan(2e-15);
    }
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });

  it('runs as a kernel on float32', () => {
    const out = values(run1('Erf', [T('float32', [3], [-1, 0, 1])]));
    expectClose(out, [-0.8427007929497149, 0, 0.8427007929497149], 1e-7);
  });
});

describe('Cast', () => {
  const cast = (t: Tensor, to: DType): Tensor => run1('Cast', [t], { to: onnxCodeOfDType(to) });

  it('truncates floats toward zero into integers', () => {
    const x = T('float32', [4], [2.7, -2.7, 0.5, -0.5]);
    for (const to of ['int8', 'int16', 'int32', 'int64'] as const) expect(values(cast(x, to))).toEqual([2, -2, 0, 0]);
    expect(cast(x, 'int64').dtype).toBe('int64');
    // No negative zero in integer storage.
    expect(Object.is(values(cast(x, 'int64'))[3], 0)).toBe(true);
    expect(Object.is(values(run1('Neg', [T('int64', [1], [0])]))[0], 0)).toBe(true);
    expect(Object.is(values(run1('Mul', [T('int64', [1], [0]), T('int64', [1], [-3])]))[0], 0)).toBe(true);
    expect(Object.is(values(run1('Div', [T('int64', [1], [-1]), T('int64', [1], [3])]))[0], 0)).toBe(true);
  });

  it('wraps out-of-range integers like C', () => {
    expect(values(cast(T('int32', [3], [300, -1, 128]), 'uint8'))).toEqual([44, 255, 128]);
    expect(values(cast(T('int32', [2], [128, -129]), 'int8'))).toEqual([-128, 127]);
    expect(values(cast(T('int64', [1], [2 ** 32 + 5]), 'int32'))).toEqual([5]);
    expect(values(cast(T('int32', [1], [-1]), 'uint64'))).toEqual([2 ** 64]);
  });

  it('rounds to float16 and float32', () => {
    expect(values(cast(T('float32', [2], [1.0001, 65520]), 'float16'))).toEqual([1, Infinity]);
    expect(values(cast(T('float64', [1], [0.1]), 'float32'))).toEqual([Math.fround(0.1)]);
    expect(values(cast(T('int64', [1], [2049]), 'float16'))).toEqual([2048]);
  });

  it('maps to and from bool', () => {
    expect(values(cast(T('float32', [4], [0, -0, 0.1, NaN]), 'bool'))).toEqual([0, 0, 1, 1]);
    expect(values(cast(T('bool', [2], [1, 0]), 'float32'))).toEqual([1, 0]);
    expect(values(cast(T('bool', [2], [1, 0]), 'int64'))).toEqual([1, 0]);
  });

  it('maps NaN to zero in integers and passes same-type casts through', () => {
    expect(values(cast(T('float32', [1], [NaN]), 'int64'))).toEqual([0]);
    expect(values(cast(T('float32', [1], [NaN]), 'int32'))).toEqual([0]);
    const x = T('float32', [1], [1.5]);
    expect(values(cast(x, 'float32'))).toEqual([1.5]);
  });

  it('refuses data types pimc lacks', () => {
    try {
      run1('Cast', [T('float32', [1], [1])], { to: 16 });
      expect.unreachable();
    } catch (e) {
      expect(isPimcError(e, 'unsupported-dtype')).toBe(true);
      expect(String(e)).toMatch(/BFLOAT16/);
    }
  });
});

describe('Identity', () => {
  it('passes any tensor through', () => {
    const x = T('bool', [2], [1, 0]);
    expect(values(run1('Identity', [x]))).toEqual([1, 0]);
  });
});

describe('float16 rounding', () => {
  it('agrees with roundToFloat16 on every exponent, ties and edges', () => {
    const rng = new Rng(5);
    const values = [
      0,
      -0,
      65504,
      65519.99,
      65520,
      -65520,
      1e6,
      2 ** -14,
      2 ** -15,
      2 ** -24,
      2 ** -25,
      2 ** -26,
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      NaN,
      Infinity,
    ];
    const bits = new Uint32Array(20000);
    for (let i = 0; i < bits.length; i++) bits[i] = rng.nextUint32();
    const a = Float32Array.from([...values, ...new Float32Array(bits.buffer)]);
    const want = Array.from(a, roundToFloat16);
    roundToFloat16InPlace(a);
    expect(Array.from(a)).toEqual(want);
  });
});
