import { describe, expect, it } from 'vitest';
import type { Tensor } from '@pimc/ir';
import { runOp, T } from './run-op.testing.js';

const values = (t: Tensor): number[] => t.toNumbers();
const run1 = (op: string, inputs: readonly (Tensor | undefined)[], attrs = {}): Tensor => runOp(op, inputs, { attrs })[0]!;
const i64 = (...v: number[]): Tensor => T('int64', [v.length], v);
const iota = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): Tensor =>
  T(
    dtype,
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );

/** Plain reference: the row-major element of `t` at a multi-index. */
function at(t: Tensor, index: readonly number[]): number {
  let flat = 0;
  index.forEach((i, d) => (flat = flat * t.shape[d]! + i));
  return t.toNumbers()[flat]!;
}

describe('Reshape', () => {
  const x = iota([2, 3, 4]);

  it('copies dims with 0 and infers -1', () => {
    expect(run1('Reshape', [x, i64(0, -1)]).shape).toEqual([2, 12]);
    expect(run1('Reshape', [x, i64(-1, 2, 0)]).shape).toEqual([3, 2, 4]);
    expect(run1('Reshape', [x, i64(4, 6)]).shape).toEqual([4, 6]);
    expect(values(run1('Reshape', [x, i64(24)]))).toEqual(values(x));
  });

  it('takes 0 literally with allowzero', () => {
    const empty = T('float32', [0, 3], []);
    expect(run1('Reshape', [empty, i64(3, 0)], { allowzero: 1 }).shape).toEqual([3, 0]);
    expect(() => run1('Reshape', [x, i64(0, -1)], { allowzero: 1 })).toThrow(/0 and -1/);
  });

  it('refuses size changes and bad targets', () => {
    expect(() => run1('Reshape', [x, i64(5, 5)])).toThrow(/24 elements cannot become 25/);
    expect(() => run1('Reshape', [x, i64(-1, -1)])).toThrow(/more than one -1/);
    expect(() => run1('Reshape', [x, i64(7, -1)])).toThrow(/do not divide/);
  });
});

describe('Flatten', () => {
  const x = iota([2, 3, 4]);
  it.each([
    [0, [1, 24]],
    [1, [2, 12]],
    [2, [6, 4]],
    [3, [24, 1]],
    [-1, [6, 4]],
    [-3, [1, 24]],
  ])('axis %i gives %j', (axis, shape) => {
    const out = run1('Flatten', [x], { axis });
    expect(out.shape).toEqual(shape);
    expect(values(out)).toEqual(values(x));
  });

  it('refuses an axis beyond the rank', () => {
    expect(() => run1('Flatten', [x], { axis: 4 })).toThrow(/out of range/);
  });
});

describe('Transpose', () => {
  const x = iota([2, 3, 4]);

  it('reverses axes by default', () => {
    const out = run1('Transpose', [x]);
    expect(out.shape).toEqual([4, 3, 2]);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) expect(at(out, [a, b, c])).toBe(at(x, [c, b, a]));
    }
  });

  it.each([[[0, 1, 2]], [[0, 2, 1]], [[1, 0, 2]], [[1, 2, 0]], [[2, 0, 1]], [[2, 1, 0]]])('permutes by %j', (perm) => {
    const out = run1('Transpose', [x], { perm });
    expect(out.shape).toEqual(perm.map((p) => x.shape[p]));
    const index = [0, 0, 0];
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 3; b++) {
        for (let c = 0; c < 4; c++) {
          const src = [a, b, c];
          perm.forEach((p, k) => (index[k] = src[p]!));
          expect(at(out, index)).toBe(at(x, src));
        }
      }
    }
  });

  it('moves long runs in a 4-D NCHW to NHWC transpose', () => {
    const big = iota([2, 3, 5, 40]);
    const out = run1('Transpose', [big], { perm: [0, 2, 3, 1] });
    expect(out.shape).toEqual([2, 5, 40, 3]);
    expect(at(out, [1, 4, 39, 2])).toBe(at(big, [1, 2, 4, 39]));
    expect(at(out, [0, 3, 17, 1])).toBe(at(big, [0, 1, 3, 17]));
  });

  it('refuses a non-permutation', () => {
    expect(() => run1('Transpose', [x], { perm: [0, 0, 1] })).toThrow(/not a permutation/);
  });
});

describe('Squeeze and Unsqueeze', () => {
  const x = iota([1, 3, 1, 2]);

  it('squeezes all size-1 axes or the given ones', () => {
    expect(run1('Squeeze', [x]).shape).toEqual([3, 2]);
    expect(run1('Squeeze', [x, i64(0)]).shape).toEqual([3, 1, 2]);
    expect(run1('Squeeze', [x, i64(-2, 0)]).shape).toEqual([3, 2]);
    expect(() => run1('Squeeze', [x, i64(1)])).toThrow(/size 3, not 1/);
  });

  it('unsqueezes at unsorted and negative output positions', () => {
    const y = iota([3, 4]);
    expect(run1('Unsqueeze', [y, i64(0)]).shape).toEqual([1, 3, 4]);
    expect(run1('Unsqueeze', [y, i64(2, 0)]).shape).toEqual([1, 3, 1, 4]);
    expect(run1('Unsqueeze', [y, i64(-1)]).shape).toEqual([3, 4, 1]);
    expect(run1('Unsqueeze', [y, i64(4, 1, 3)]).shape).toEqual([3, 1, 4, 1, 1]);
    expect(run1('Unsqueeze', [T('float32', [], [7]), i64(0)]).shape).toEqual([1]);
    expect(() => run1('Unsqueeze', [y, i64(0, 0)])).toThrow(/repeat/);
  });
});

describe('Concat', () => {
  it('joins along any axis', () => {
    const a = iota([2, 2]);
    const b = T('float32', [2, 1], [10, 11]);
    expect(values(run1('Concat', [a, b], { axis: 1 }))).toEqual([0, 1, 10, 2, 3, 11]);
    expect(values(run1('Concat', [a, T('float32', [1, 2], [7, 8])], { axis: -2 }))).toEqual([0, 1, 2, 3, 7, 8]);
  });

  it('joins long rows and empty inputs', () => {
    const a = iota([2, 3, 20]);
    const b = T('float32', [2, 0, 20], []);
    const c = iota([2, 1, 20]);
    const out = run1('Concat', [a, b, c], { axis: 1 });
    expect(out.shape).toEqual([2, 4, 20]);
    expect(at(out, [1, 2, 19])).toBe(at(a, [1, 2, 19]));
    expect(at(out, [1, 3, 5])).toBe(at(c, [1, 0, 5]));
  });

  it('refuses mismatched dims off the axis', () => {
    expect(() => run1('Concat', [iota([2, 2]), iota([3, 2])], { axis: 1 })).toThrow(/differ on axis 0/);
  });
});

describe('Split', () => {
  const x = iota([2, 6]);

  it('splits by sizes', () => {
    const [a, b] = runOp('Split', [x, i64(2, 4)], { attrs: { axis: 1 }, outputs: 2 });
    expect(values(a!)).toEqual([0, 1, 6, 7]);
    expect(values(b!)).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
  });

  it('splits into num_outputs parts with a smaller last part', () => {
    const parts = runOp('Split', [T('float32', [7], [1, 2, 3, 4, 5, 6, 7])], { attrs: { num_outputs: 3 }, outputs: 3 });
    expect(parts.map(values)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    const even = runOp('Split', [x], { attrs: { axis: -1, num_outputs: 3 }, outputs: 3 });
    expect(even.map((t) => t.shape)).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
  });

  it('refuses sizes that do not add up', () => {
    expect(() => runOp('Split', [x, i64(2, 3)], { attrs: { axis: 1 }, outputs: 2 })).toThrow(/do not split/);
  });
});

describe('Slice', () => {
  const x = iota([3, 4]);

  it('slices with defaults, negatives and clamping', () => {
    expect(values(run1('Slice', [x, i64(1, 0), i64(2, 3)]))).toEqual([4, 5, 6]);
    expect(values(run1('Slice', [x, i64(1), i64(1000), i64(1)]))).toEqual([1, 2, 3, 5, 6, 7, 9, 10, 11]);
    expect(values(run1('Slice', [x, i64(-1), i64(-1000), i64(0)]))).toEqual([]);
    expect(run1('Slice', [x, i64(-1), i64(-1000), i64(0)]).shape).toEqual([0, 4]);
    expect(values(run1('Slice', [x, i64(0, -3), i64(-1, -1)]))).toEqual([1, 2, 5, 6]);
  });

  it('steps backwards and takes huge bounds as open ends', () => {
    const big = 9.223372036854776e18;
    expect(values(run1('Slice', [x, i64(-1), i64(-big), i64(1), i64(-1)]))).toEqual([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8]);
    expect(values(run1('Slice', [x, i64(big), i64(0), i64(1), i64(-2)]))).toEqual([3, 1, 7, 5, 11, 9]);
    expect(values(run1('Slice', [x, i64(0, 1), i64(big, big), i64(0, 1), i64(2, 2)]))).toEqual([1, 3, 9, 11]);
  });

  it('accepts int32 index operands', () => {
    expect(values(run1('Slice', [x, T('int32', [1], [2]), T('int32', [1], [3])]))).toEqual([8, 9, 10, 11]);
  });

  it('refuses zero steps and repeated axes', () => {
    expect(() => run1('Slice', [x, i64(0), i64(1), i64(0), i64(0)])).toThrow(/step 0/);
    expect(() => run1('Slice', [x, i64(0, 0), i64(1, 1), i64(0, -2)])).toThrow(/repeat/);
  });
});

describe('Gather', () => {
  const x = iota([3, 4]);

  it('gathers rows and columns with negative indices', () => {
    expect(values(run1('Gather', [x, i64(2, -3)]))).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    const cols = run1('Gather', [x, T('int32', [2, 2], [0, -1, 1, 1])], { axis: 1 });
    expect(cols.shape).toEqual([3, 2, 2]);
    expect(values(cols).slice(0, 4)).toEqual([0, 3, 1, 1]);
  });

  it('gathers with scalar indices, dropping the axis', () => {
    const out = run1('Gather', [x, T('int64', [], [1])], { axis: 1 });
    expect(out.shape).toEqual([3]);
    expect(values(out)).toEqual([1, 5, 9]);
  });

  it('refuses out-of-range indices', () => {
    expect(() => run1('Gather', [x, i64(3)])).toThrow(/out of range/);
  });
});

describe('Pad', () => {
  const x = T('float32', [2, 3], [1, 2, 3, 4, 5, 6]);

  it('pads with a constant', () => {
    const out = run1('Pad', [x, i64(0, 1, 1, 0), T('float32', [], [9])]);
    expect(out.shape).toEqual([3, 4]);
    expect(values(out)).toEqual([9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9]);
    expect(values(run1('Pad', [x, i64(1, 0, 0, 0)]))).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6]);
  });

  it('pads only the given axes', () => {
    const out = run1('Pad', [x, i64(2, 1), undefined, i64(-1)]);
    expect(values(out)).toEqual([0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0]);
  });

  it('reflects, repeats edges and wraps', () => {
    const row = T('float32', [1, 4], [1, 2, 3, 4]);
    expect(values(run1('Pad', [row, i64(0, 3, 0, 3)], { mode: 'reflect' }))).toEqual([4, 3, 2, 1, 2, 3, 4, 3, 2, 1]);
    expect(values(run1('Pad', [row, i64(0, 2, 0, 1)], { mode: 'edge' }))).toEqual([1, 1, 1, 2, 3, 4, 4]);
    expect(values(run1('Pad', [row, i64(0, 5, 0, 2)], { mode: 'wrap' }))).toEqual([4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2]);
    expect(values(run1('Pad', [x, i64(1, 0, 1, 0)], { mode: 'reflect' }))).toEqual([4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3]);
    expect(values(run1('Pad', [x, i64(1, 1, 0, 0)], { mode: 'edge' }))).toEqual([1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6]);
  });

  it('crops with negative pads', () => {
    expect(values(run1('Pad', [x, i64(0, -1, -1, 0)]))).toEqual([2, 3]);
    expect(values(run1('Pad', [x, i64(0, -1, 0, 2)], { mode: 'edge' }))).toEqual([2, 3, 3, 3, 5, 6, 6, 6]);
  });

  it('pads a 4-D activation on H and W', () => {
    const a = iota([1, 2, 3, 20]);
    const out = run1('Pad', [a, i64(0, 0, 1, 2, 0, 0, 1, 2)], { mode: 'constant' });
    expect(out.shape).toEqual([1, 2, 5, 24]);
    expect(at(out, [0, 1, 0, 5])).toBe(0);
    expect(at(out, [0, 1, 2, 2])).toBe(at(a, [0, 1, 1, 0]));
    expect(at(out, [0, 1, 3, 21])).toBe(at(a, [0, 1, 2, 19]));
    expect(at(out, [0, 1, 3, 22])).toBe(0);
  });

  it('pads integers', () => {
    const y = T('int32', [2], [5, 6]);
    expect(values(run1('Pad', [y, i64(1, 1), T('int32', [], [-1])]))).toEqual([-1, 5, 6, -1]);
  });

  it('refuses wrong pad counts', () => {
    expect(() => run1('Pad', [x, i64(1, 1)])).toThrow(/should hold 4 integers/);
  });
});

describe('Shape and ConstantOfShape', () => {
  const x = iota([2, 3, 4]);

  it('reports dims, sliced by start and end', () => {
    expect(values(run1('Shape', [x]))).toEqual([2, 3, 4]);
    expect(run1('Shape', [x]).dtype).toBe('int64');
    expect(values(run1('Shape', [x], { start: 1 }))).toEqual([3, 4]);
    expect(values(run1('Shape', [x], { start: -1 }))).toEqual([4]);
    expect(values(run1('Shape', [x], { end: -1 }))).toEqual([2, 3]);
    expect(values(run1('Shape', [x], { start: 10 }))).toEqual([]);
    expect(values(run1('Shape', [x], { start: -10, end: 10 }))).toEqual([2, 3, 4]);
  });

  it('fills a shape with the value attribute or float zero', () => {
    const zeros = run1('ConstantOfShape', [i64(2, 3)]);
    expect(zeros.dtype).toBe('float32');
    expect(values(zeros)).toEqual([0, 0, 0, 0, 0, 0]);
    const ones = run1('ConstantOfShape', [i64(2)], { value: T('int32', [1], [7]) });
    expect(ones.dtype).toBe('int32');
    expect(values(ones)).toEqual([7, 7]);
    expect(run1('ConstantOfShape', [T('int64', [0], [])]).shape).toEqual([]);
  });
});
