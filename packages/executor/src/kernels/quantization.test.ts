import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs, type DType } from '@pimc/ir';
import { isPimcError } from '@pimc/support';
import { runGraph } from '../run.js';
import { requantize, requantMultiplier, roundHalfEven, saturateRound } from './quantization.js';

/** Runs one op on constant operands through GraphBuilder (so inference is exercised too). */
function run(op: string, operands: readonly (Tensor | undefined)[], attrs: Attrs = {}): Tensor {
  const builder = new GraphBuilder(onnxOps);
  const inputs = operands.map((t, i) => (t === undefined ? undefined : Value.ofConstant(`in${i}`, t)));
  const node = builder.add(op, inputs, { name: op, attrs });
  const graph = { name: 'g', inputs: [], outputs: node.outputs, nodes: builder.nodes };
  const result = runGraph(graph, new Map()).outputs.get(node.outputs[0]!.name)!;
  expect(result.dtype).toBe(node.outputs[0]!.type.dtype);
  expect(result.shape).toEqual(node.outputs[0]!.type.shape);
  return result;
}

const t = (dtype: DType, shape: number[], values: number[]) => Tensor.from(dtype, shape, values);
const s = (dtype: DType, value: number) => Tensor.scalar(dtype, value);

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(isPimcError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected a PimcError ${code}`);
}

describe('integer rounding helpers', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 2.4999, 2.5001, -2.5001].map(roundHalfEven).map((v) => v + 0)).toEqual([
      0, 2, 2, 4, 0, -2, -2, -4, 2, 3, -3,
    ]);
    expect(roundHalfEven(2 ** 53)).toBe(2 ** 53);
  });

  it('saturates at both ends and sends NaN to the low end', () => {
    expect(saturateRound(126.5, 0, -128, 127)).toBe(126);
    expect(saturateRound(1e30, 0, -128, 127)).toBe(127);
    expect(saturateRound(-Infinity, 5, 0, 255)).toBe(0);
    expect(saturateRound(Infinity, 5, 0, 255)).toBe(255);
    expect(saturateRound(NaN, 5, 0, 255)).toBe(0);
  });

  it('requantizes in float32', () => {
    // 0.1 * 0.2 / 0.3 in float32 steps is 0.06666667, not the float64 0.0666...
    const m = requantMultiplier(Math.fround(0.1), Math.fround(0.2), Math.fround(0.3));
    expect(m).toBe(Math.fround(Math.fround(Math.fround(0.1) * Math.fround(0.2)) / Math.fround(0.3)));
    expect(requantize(15, 0.5, 10, 0, 255)).toBe(18); // 7.5 -> 8 (even)
    expect(requantize(13, 0.5, 10, 0, 255)).toBe(16); // 6.5 -> 6 (even)
    expect(requantize(-1000, 0.5, 10, 0, 255)).toBe(0);
  });
});

describe('QuantizeLinear', () => {
  it('rounds ties to even per tensor (int8)', () => {
    const x = t('float32', [8], [0.25, 0.75, 1.25, -0.25, -0.75, -1.25, 0.3, -0.3]);
    const y = run('QuantizeLinear', [x, s('float32', 0.5), s('int8', 0)]);
    expect(y.dtype).toBe('int8');
    expect(y.toNumbers()).toEqual([0, 2, 2, 0, -2, -2, 1, -1]);
  });

  it('saturates at both ends (uint8 with zero point, int8)', () => {
    const x = t('float32', [6], [0, 2, 3, 1000, -254, -1000]);
    expect(run('QuantizeLinear', [x, s('float32', 2), s('uint8', 128)]).toNumbers()).toEqual([128, 129, 130, 255, 1, 0]);
    const z = t('float32', [5], [127.4, 127.5, -128.5, -129, 300]);
    expect(run('QuantizeLinear', [z, s('float32', 1), s('int8', 0)]).toNumbers()).toEqual([127, 127, -128, -128, 127]);
    // The zero point is added after rounding: -0.5 -> 0, + 3 = 3; 2.5 -> 2 + 3 = 5.
    expect(run('QuantizeLinear', [t('float32', [2], [-0.5, 2.5]), s('float32', 1), s('int8', 3)]).toNumbers()).toEqual([3, 5]);
  });

  it('defaults to uint8 without a zero point, and honours output_dtype', () => {
    const x = t('float32', [3], [-1, 10.5, 1e6]);
    const y = run('QuantizeLinear', [x, s('float32', 1)]);
    expect(y.dtype).toBe('uint8');
    expect(y.toNumbers()).toEqual([0, 10, 255]);
    const y16 = run('QuantizeLinear', [x, s('float32', 1)], { output_dtype: 5 });
    expect(y16.dtype).toBe('int16');
    expect(y16.toNumbers()).toEqual([-1, 10, 32767]);
    const u16 = run('QuantizeLinear', [x, s('float32', 1), s('uint16', 1000)]);
    expect(u16.toNumbers()).toEqual([999, 1010, 65535]);
  });

  it('maps NaN to the lowest and infinities to the ends of the range', () => {
    const x = t('float32', [3], [NaN, Infinity, -Infinity]);
    expect(run('QuantizeLinear', [x, s('float32', 1), s('int8', 0)]).toNumbers()).toEqual([-128, 127, -128]);
  });

  it('quantizes per axis, with a negative axis', () => {
    const x = t('float32', [2, 3], [1, 1, 1, -3, 3, 9]);
    const scale = t('float32', [3], [1, 2, 4]);
    const zero = t('int8', [3], [0, 10, -10]);
    // Column scales 1, 2, 4 and zero points 0, 10, -10: 1/2 = 0.5 -> 0 and 9/4 = 2.25 -> 2.
    expect(run('QuantizeLinear', [x, scale, zero], { axis: -1 }).toNumbers()).toEqual([1, 10, -10, -3, 12, -8]);
    expectCode(() => run('QuantizeLinear', [x, scale, zero], { axis: 0 }), 'shape-mismatch');
  });

  it('matches the ONNX per-axis example (axis 1 of NCHW)', () => {
    const x = t(
      'float32',
      [1, 3, 3, 2],
      [-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470],
    );
    const y = run('QuantizeLinear', [x, t('float32', [3], [2, 4, 5]), t('uint8', [3], [84, 24, 196])]);
    expect(y.toNumbers()).toEqual([3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102]);
  });

  it('quantizes blocks along an axis, including a short last block', () => {
    const x = t('float32', [2, 5], [1, 2, 3, 4, 5, 10, 20, 30, 40, 50]);
    const scale = t('float32', [2, 3], [1, 2, 4, 10, 20, 40]);
    const y = run('QuantizeLinear', [x, scale, t('int8', [2, 3], [0, 0, 0, 0, 0, 0])], { axis: 1, block_size: 2 });
    // Row 0: [1/1, 2/1, 3/2, 4/2, 5/4] = [1, 2, 2 (1.5 even), 2, 1]; row 1: [1, 2, 2 (1.5), 2, 1].
    expect(y.toNumbers()).toEqual([1, 2, 2, 2, 1, 1, 2, 2, 2, 1]);
    expectCode(
      () => run('QuantizeLinear', [x, t('float32', [2, 2], [1, 1, 1, 1])], { axis: 1, block_size: 2 }),
      'shape-mismatch',
    );
  });

  it('divides in the precision of the scale, or of the precision attribute', () => {
    // 2049 is not a float16: it rounds to 2048 (a tie, to the even mantissa) before the division.
    const x = t('float32', [2], [2049, -2051]);
    expect(run('QuantizeLinear', [x, s('float32', 1), s('int16', 0)]).toNumbers()).toEqual([2049, -2051]);
    expect(run('QuantizeLinear', [x, s('float32', 1), s('int16', 0)], { precision: 10 }).toNumbers()).toEqual([2048, -2052]);
    expect(run('QuantizeLinear', [x, s('float16', 1), s('int16', 0)]).toNumbers()).toEqual([2048, -2052]);
    expect(run('QuantizeLinear', [x, s('float16', 1), s('int16', 0)], { precision: 1 }).toNumbers()).toEqual([2049, -2051]);
  });

  it('refuses float8 outputs and conflicting output types', () => {
    expectCode(() => run('QuantizeLinear', [t('float32', [1], [1]), s('float32', 1)], { output_dtype: 17 }), 'unsupported-dtype');
    expectCode(
      () => run('QuantizeLinear', [t('float32', [1], [1]), s('float32', 1), s('uint8', 0)], { output_dtype: 3 }),
      'invalid-attribute',
    );
  });
});

describe('DequantizeLinear', () => {
  it('dequantizes per tensor', () => {
    const y = run('DequantizeLinear', [t('uint8', [4], [0, 3, 128, 255]), s('float32', 2), s('uint8', 128)]);
    expect(y.dtype).toBe('float32');
    expect(y.toNumbers()).toEqual([-256, -250, 0, 254]);
  });

  it('dequantizes per axis with a negative axis', () => {
    const x = t('int8', [2, 2, 2], [1, 2, 3, 4, -1, -2, -3, -4]);
    const y = run('DequantizeLinear', [x, t('float32', [2], [0.5, 2]), t('int8', [2], [1, -1])], { axis: -2 });
    // Axis 1 (of size 2): rows (x - 1) * 0.5 then (x + 1) * 2.
    expect(y.toNumbers()).toEqual([0, 0.5, 8, 10, -1, -1.5, -4, -6]);
  });

  it('reads int32 with a zero zero point and refuses another', () => {
    const x = t('int32', [3], [-2147483648, 0, 123456789]);
    expect(run('DequantizeLinear', [x, s('float32', 1), s('int32', 0)]).toNumbers()).toEqual([
      -2147483648,
      0,
      Math.fround(123456789),
    ]);
    expectCode(() => run('DequantizeLinear', [x, s('float32', 1), s('int32', 1)]), 'invalid-input');
  });

  it('produces the scale type or output_dtype', () => {
    const x = t('int16', [2], [-32768, 3]);
    const y16 = run('DequantizeLinear', [x, s('float16', 0.1)]);
    expect(y16.dtype).toBe('float16');
    const h = Tensor.from('float16', [1], [0.1]).data[0]!;
    expect(y16.toNumbers()).toEqual(Tensor.from('float16', [2], [Math.fround(-32768 * h), Math.fround(3 * h)]).toNumbers());
    const y32 = run('DequantizeLinear', [x, s('float16', 0.1)], { output_dtype: 1 });
    expect(y32.dtype).toBe('float32');
    expect(y32.toNumbers()).toEqual([Math.fround(-32768 * h), Math.fround(3 * h)]);
  });

  it('dequantizes blocks', () => {
    const x = t('uint8', [3, 2], [10, 20, 30, 40, 50, 60]);
    const y = run('DequantizeLinear', [x, t('float32', [2, 2], [1, 2, 3, 4]), t('uint8', [2, 2], [0, 0, 10, 10])], {
      axis: 0,
      block_size: 2,
    });
    expect(y.toNumbers()).toEqual([10, 40, 30, 80, 120, 200]);
  });
});

/** A plain, independent 2-D integer convolution (NCHW) for cross-checking, no wraparound needed here. */
function naiveConv2d(
  x: number[],
  [n, c, h, w]: number[],
  xz: number,
  k: number[],
  [m, cg, kh, kw]: number[],
  kz: number[],
  o: { stride: number; pad: number; dil: number; group: number },
): { data: number[]; shape: number[] } {
  const oh = Math.floor((h + 2 * o.pad - (kh - 1) * o.dil - 1) / o.stride) + 1;
  const ow = Math.floor((w + 2 * o.pad - (kw - 1) * o.dil - 1) / o.stride) + 1;
  const out: number[] = [];
  const mg = m / o.group;
  for (let b = 0; b < n; b++) {
    for (let f = 0; f < m; f++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let acc = 0;
          const g = Math.floor(f / mg);
          for (let ch = 0; ch < cg; ch++) {
            for (let p = 0; p < kh; p++) {
              for (let q = 0; q < kw; q++) {
                const y = i * o.stride - o.pad + p * o.dil;
                const z = j * o.stride - o.pad + q * o.dil;
                if (y < 0 || y >= h || z < 0 || z >= w) continue;
                acc += (x[((b * c + g * cg + ch) * h + y) * w + z]! - xz) * (k[((f * cg + ch) * kh + p) * kw + q]! - kz[f]!);
              }
            }
          }
          out.push(acc);
        }
      }
    }
  }
  return { data: out, shape: [n, m, oh, ow] };
}

/** Deterministic pseudo-random integers in [lo, hi]. */
function ints(count: number, lo: number, hi: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return lo + (state % (hi - lo + 1));
  });
}

describe('ConvInteger', () => {
  it('matches the ONNX example with padding and per-channel w zero points', () => {
    const x = t('uint8', [1, 1, 3, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const w = t('uint8', [2, 1, 2, 2], [1, 1, 1, 1, 1, 1, 1, 1]);
    const y = run('ConvInteger', [x, w, s('uint8', 1), t('uint8', [2], [0, 1])], { pads: [1, 1, 1, 1] });
    expect(y.dtype).toBe('int32');
    expect(y.shape).toEqual([1, 2, 4, 4]);
    expect(y.toNumbers()).toEqual([1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9, ...new Array<number>(16).fill(0)]);
    const unpadded = run('ConvInteger', [x, t('uint8', [1, 1, 2, 2], [1, 1, 1, 1]), s('uint8', 1)]);
    expect(unpadded.toNumbers()).toEqual([12, 16, 24, 28]);
  });

  it('agrees with a naive convolution for groups, strides, dilations and int8', () => {
    const xs = ints(2 * 4 * 7 * 6, -128, 127, 1);
    const ws = ints(6 * 2 * 3 * 2, -128, 127, 2);
    const wz = [-3, 0, 5, 127, -128, 1];
    const operands = [t('int8', [2, 4, 7, 6], xs), t('int8', [6, 2, 3, 2], ws), s('int8', -7), t('int8', [6], wz)];
    for (const dil of [1, 2]) {
      for (const stride of [1, 2]) {
        const y = run('ConvInteger', operands, {
          group: 2,
          strides: [stride, stride],
          dilations: [dil, dil],
          pads: [1, 1, 1, 1],
        });
        const ref = naiveConv2d(xs, [2, 4, 7, 6], -7, ws, [6, 2, 3, 2], wz, { stride, pad: 1, dil, group: 2 });
        expect(y.shape).toEqual(ref.shape);
        expect(y.toNumbers()).toEqual(ref.data);
      }
    }
  });

  it('resolves auto_pad SAME_UPPER and SAME_LOWER, and runs 1-D', () => {
    const x = t('uint8', [1, 1, 4], [1, 2, 3, 4]);
    const w = t('uint8', [1, 1, 2], [1, 10]);
    // Total padding 1: SAME_UPPER pads the end, SAME_LOWER the beginning.
    expect(run('ConvInteger', [x, w], { auto_pad: 'SAME_UPPER' }).toNumbers()).toEqual([21, 32, 43, 4]);
    expect(run('ConvInteger', [x, w], { auto_pad: 'SAME_LOWER' }).toNumbers()).toEqual([10, 21, 32, 43]);
  });

  it('wraps the accumulator to int32', () => {
    // 2^17 products of (-128) * (-128) = 2^31, which wraps to -2^31.
    const k = 2 ** 17;
    const y = run('ConvInteger', [
      t('int8', [1, 1, k], new Array<number>(k).fill(-128)),
      t('int8', [1, 1, k], new Array<number>(k).fill(-128)),
    ]);
    expect(y.toNumbers()).toEqual([-(2 ** 31)]);
  });

  it('refuses mismatched channels', () => {
    expectCode(
      () => run('ConvInteger', [t('uint8', [1, 3, 2, 2], new Array<number>(12).fill(0)), t('uint8', [1, 2, 1, 1], [0, 0])]),
      'shape-mismatch',
    );
  });
});

describe('QLinearConv', () => {
  it('matches the ONNX 1x1 example', () => {
    const xs = [
      255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64, 56, 242, 153, 221, 168, 12, 166, 232, 178, 186, 195, 237, 162,
      237, 188, 39, 124, 77, 80, 102, 43, 127, 230, 21, 83, 41, 40, 134, 255, 154, 92, 141, 42, 148, 247,
    ];
    const y = run('QLinearConv', [
      t('uint8', [1, 1, 7, 7], xs),
      s('float32', 0.00369204697),
      s('uint8', 132),
      t('uint8', [1, 1, 1, 1], [0]),
      t('float32', [1], [0.00172794575]),
      t('uint8', [1], [255]),
      s('float32', 0.00162681262),
      s('uint8', 123),
    ]);
    expect(y.toNumbers()).toEqual([
      0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255, 191, 199, 13, 102, 34, 87, 243, 89, 23, 77, 69, 60, 18, 93, 18,
      67, 216, 131, 178, 175, 153, 212, 128, 25, 234, 172, 214, 215, 121, 0, 101, 163, 114, 213, 107, 8,
    ]);
  });

  it('requantizes per output channel with bias, rounding ties to even and saturating', () => {
    // x - 1 = [1, 2, 3, 4]; filters (w - zp): [1, 1] and [2, -1] over 1x2 windows; 3 output columns.
    const x = t('int8', [1, 1, 1, 4], [2, 3, 4, 5]);
    const w = t('int8', [2, 1, 1, 2], [1, 1, 4, 1]);
    const y = run('QLinearConv', [
      x,
      s('float32', 1),
      s('int8', 1),
      w,
      t('float32', [2], [0.5, 0.25]),
      t('int8', [2], [0, 2]),
      s('float32', 1),
      s('int8', -120),
      t('int32', [2], [2, -1000]),
    ]);
    // Channel 0: acc [3, 5, 7] + 2 = [5, 7, 9], * 0.5 = [2.5, 3.5, 4.5] -> [2, 4, 4] - 120.
    // Channel 1: acc [0, 1, 2] - 1000, * 0.25 = [-250, -249.75, -249.5] -> saturate at -128.
    expect(y.toNumbers()).toEqual([-118, -116, -116, -128, -128, -128]);
  });
});

describe('MatMulInteger', () => {
  it('matches the ONNX example', () => {
    const y = run('MatMulInteger', [
      t('uint8', [4, 3], [11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0]),
      t('uint8', [3, 2], [1, 4, 2, 5, 3, 6]),
      t('uint8', [1], [12]),
      t('uint8', [1], [0]),
    ]);
    expect(y.toNumbers()).toEqual([-38, -83, -44, -98, -50, -113, -56, -128]);
  });

  it('takes per-row a and per-column b zero points', () => {
    const a = t('int8', [2, 2], [1, 2, 3, 4]);
    const b = t('int8', [2, 3], [1, 0, -1, 2, 1, 0]);
    const y = run('MatMulInteger', [a, b, t('int8', [2], [1, -1]), t('int8', [3], [0, 1, 2])]);
    // a - zp = [[0, 1], [4, 5]]; b - zp = [[1, -1, -3], [2, 0, -2]].
    expect(y.toNumbers()).toEqual([2, 0, -2, 14, -4, -22]);
  });

  it('broadcasts batches and takes [..., M, 1] / [..., 1, N] zero points', () => {
    const a = t('uint8', [2, 1, 2], [1, 2, 3, 4]);
    const b = t('uint8', [2, 1], [1, 1]);
    const y = run('MatMulInteger', [a, b, t('uint8', [2, 1, 1], [1, 0]), t('uint8', [1, 1], [1])]);
    expect(y.shape).toEqual([2, 1, 1]);
    // b - 1 = 0 everywhere.
    expect(y.toNumbers()).toEqual([0, 0]);
    const y2 = run('MatMulInteger', [a, t('uint8', [2, 2], [1, 0, 0, 1]), t('uint8', [2, 1, 1], [1, 0])]);
    expect(y2.toNumbers()).toEqual([0, 1, 3, 4]);
  });

  it('handles 1-D operands like numpy.matmul', () => {
    const batched = run('MatMulInteger', [
      t('uint8', [3], [1, 2, 3]),
      t('uint8', [2, 3, 2], [1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 2, 2]),
    ]);
    expect(batched.shape).toEqual([2, 2]);
    expect(batched.toNumbers()).toEqual([4, 5, 8, 10]);
    expect(run('MatMulInteger', [t('uint8', [3], [1, 2, 3]), t('uint8', [3, 2], [1, 0, 0, 1, 1, 1])]).shape).toEqual([2]);
    const y = run('MatMulInteger', [t('uint8', [2, 3], [1, 2, 3, 4, 5, 6]), t('uint8', [3], [1, 1, 1])]);
    expect(y.shape).toEqual([2]);
    expect(y.toNumbers()).toEqual([6, 15]);
  });

  it('refuses a per-column zero point on a', () => {
    expectCode(
      () =>
        run('MatMulInteger', [t('uint8', [2, 3], [1, 2, 3, 4, 5, 6]), t('uint8', [3, 1], [1, 1, 1]), t('uint8', [3], [0, 0, 0])]),
      'shape-mismatch',
    );
  });
});

describe('QLinearMatMul', () => {
  it('matches the ONNX uint8 and int8 examples', () => {
    const u = run('QLinearMatMul', [
      t('uint8', [2, 4], [208, 236, 0, 238, 3, 214, 255, 29]),
      t('float32', [1], [0.0066]),
      t('uint8', [1], [113]),
      t('uint8', [4, 3], [152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247]),
      t('float32', [1], [0.00705]),
      t('uint8', [1], [114]),
      t('float32', [1], [0.0107]),
      t('uint8', [1], [118]),
    ]);
    expect(u.toNumbers()).toEqual([168, 115, 255, 1, 66, 151]);
    const i = run('QLinearMatMul', [
      t('int8', [2, 4], [81, 109, -127, 111, -124, 87, -128, -98]),
      t('float32', [1], [0.0066]),
      t('int8', [1], [-14]),
      t('int8', [4, 3], [25, -76, 117, -67, -101, -128, -127, 0, 119, 0, 127, 120]),
      t('float32', [1], [0.00705]),
      t('int8', [1], [-13]),
      t('float32', [1], [0.0107]),
      t('int8', [1], [-9]),
    ]);
    expect(i.toNumbers()).toEqual([41, -12, -9, 1, -75, -128]);
  });

  it('scales per row of a and per column of b', () => {
    const a = t('uint8', [2, 1], [3, 3]);
    const b = t('uint8', [1, 2], [1, 1]);
    const y = run('QLinearMatMul', [
      a,
      t('float32', [2], [1, 0.5]),
      t('uint8', [2], [0, 0]),
      b,
      t('float32', [2], [1, 0.5]),
      t('uint8', [2], [0, 0]),
      s('float32', 1),
      s('uint8', 0),
    ]);
    // acc = 3 everywhere; multipliers [[1, 0.5], [0.5, 0.25]] -> [3, 1.5 -> 2, 1.5 -> 2, 0.75 -> 1].
    expect(y.toNumbers()).toEqual([3, 2, 2, 1]);
  });

  it('runs batched operands', () => {
    const a = t('int8', [2, 1, 2], [1, 2, -1, -2]);
    const b = t('int8', [2, 1], [3, 4]);
    const y = run('QLinearMatMul', [
      a,
      s('float32', 1),
      s('int8', 0),
      b,
      s('float32', 1),
      s('int8', 0),
      s('float32', 2),
      s('int8', 0),
    ]);
    expect(y.shape).toEqual([2, 1, 1]);
    // 11 / 2 = 5.5 -> 6; -11 / 2 = -5.5 -> -6.
    expect(y.toNumbers()).toEqual([6, -6]);
  });
});
