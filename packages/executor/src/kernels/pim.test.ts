import { describe, expect, it } from 'vitest';
import { integerRange, Tensor, type DType, type TypedArray } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { ExactIntegerGemm } from './pim/exact-gemm.js';
import { runOp } from './run-op.testing.js';

/*
 * The pim kernels against naive references written straight from the definitions in
 * docs/design/quantized-dialect.md: direct loops for the sums, BigInt for the fixed-point step.
 */

const rng = new Rng(11);
const ints = (dtype: DType, shape: number[], lo?: number, hi?: number): Tensor => {
  const [a, b] = integerRange(dtype);
  const n = shape.reduce((p, d) => p * d, 1);
  return Tensor.from(
    dtype,
    shape,
    Array.from({ length: n }, () => rng.int(lo ?? a, hi ?? b)),
  );
};

/** clamp(y_zp + ((v·mult + 2^(shift−1)) >> shift), lo, hi) in BigInt. */
function requant(v: number, mult: number, shift: number, zp: number, lo: number, hi: number): number {
  const p = BigInt(v) * BigInt(mult) + (shift > 0 ? 1n << BigInt(shift - 1) : 0n);
  return Math.min(hi, Math.max(lo, zp + Number(p >> BigInt(shift))));
}

const wrap32 = (v: number) => Number(BigInt.asIntN(32, BigInt(v)));

type ChannelAttrs = ReturnType<typeof channelAttrs>;

interface ConvCase {
  x: Tensor;
  w: Tensor;
  b: Tensor | undefined;
  attrs: ChannelAttrs & { pads: number[]; strides: number[]; dilations: number[]; group: number; x_zero_point: number };
}

/** Direct convolution: every output position, every channel of its group, every kernel tap. */
function naiveConv({ x, w, b, attrs }: ConvCase): { shape: number[]; acc: number[] } {
  const [n, c, ...spatial] = x.shape;
  const [m, cg, ...kernel] = w.shape;
  const r = spatial.length;
  const out = spatial.map(
    (s, i) =>
      Math.floor((s + attrs.pads[i]! + attrs.pads[i + r]! - ((kernel[i]! - 1) * attrs.dilations[i]! + 1)) / attrs.strides[i]!) +
      1,
  );
  const xs = x.toNumbers();
  const ws = w.toNumbers();
  const bs = b?.toNumbers();
  const positions = out.reduce((p, d) => p * d, 1);
  const taps = kernel.reduce((p, d) => p * d, 1);
  const mg = m! / attrs.group;
  const acc: number[] = [];
  const unravel = (index: number, dims: number[]) => {
    const idx: number[] = [];
    let rest = index;
    for (let i = dims.length - 1; i >= 0; i--) {
      idx[i] = rest % dims[i]!;
      rest = Math.floor(rest / dims[i]!);
    }
    return idx;
  };
  for (let bi = 0; bi < n!; bi++) {
    for (let oc = 0; oc < m!; oc++) {
      const g = Math.floor(oc / mg);
      for (let p = 0; p < positions; p++) {
        const o = unravel(p, out);
        let sum = 0;
        for (let ci = 0; ci < cg!; ci++) {
          for (let t = 0; t < taps; t++) {
            const k = unravel(t, kernel as number[]);
            const coord = o.map((oi, i) => oi * attrs.strides[i]! - attrs.pads[i]! + k[i]! * attrs.dilations[i]!);
            if (coord.some((v, i) => v < 0 || v >= spatial[i]!)) continue;
            let flat = bi * c! + g * cg! + ci;
            coord.forEach((v, i) => (flat = flat * spatial[i]! + v));
            sum += (xs[flat]! - attrs.x_zero_point) * ws[(oc * cg! + ci) * taps + t]!;
          }
        }
        acc.push(sum + (bs?.[oc] ?? 0));
      }
    }
  }
  return { shape: [n!, m!, ...out], acc };
}

function channelAttrs(channels: number, yDtype: 'uint8' | 'int8', relu = false) {
  const [lo, hi] = integerRange(yDtype);
  const zp = rng.int(lo + 20, hi - 20);
  return {
    multiplier: Array.from({ length: channels }, () => rng.int(2 ** 23, 2 ** 24 - 1)),
    shift: Array.from({ length: channels }, () => rng.int(30, 36)),
    y_dtype: yDtype,
    y_zero_point: zp,
    y_min: relu ? zp : lo,
    y_max: hi,
    activation: relu ? 'relu' : 'none',
    y_scale: 1,
    x_scale: 1,
    w_scale: new Array<number>(channels).fill(1),
  };
}

function expectConv(test: ConvCase): Tensor {
  const [y] = runOp('PimQConv', [test.x, test.w, test.b], { attrs: test.attrs });
  const { shape, acc } = naiveConv(test);
  const a = test.attrs;
  const m = test.w.shape[0]!;
  const plane = acc.length / (shape[0]! * m);
  const expected = acc.map((v, i) => {
    const oc = Math.floor(i / plane) % m;
    return requant(wrap32(v), a.multiplier[oc]!, a.shift[oc]!, a.y_zero_point, a.y_min, a.y_max);
  });
  expect(y!.shape).toEqual(shape);
  expect(y!.toNumbers()).toEqual(expected);
  return y!;
}

function convCase(
  x: Tensor,
  w: Tensor,
  geometry: { pads: number[]; strides: number[]; dilations: number[]; group: number },
  yDtype: 'uint8' | 'int8' = 'uint8',
  relu = false,
): ConvCase {
  const m = w.shape[0]!;
  const [lo, hi] = integerRange(x.dtype);
  return {
    x,
    w,
    b: ints('int32', [m], -5000, 5000),
    attrs: { ...geometry, x_zero_point: rng.int(lo, hi), ...channelAttrs(m, yDtype, relu) },
  };
}

describe('PimQConv against a direct convolution', () => {
  it('2-D with pads, strides and dilations; uint8 and int8; fused ReLU clamp', () => {
    const geometry = { pads: [1, 2, 0, 1], strides: [2, 1], dilations: [1, 2], group: 1 };
    expectConv(convCase(ints('uint8', [2, 3, 7, 8]), ints('int8', [4, 3, 3, 3]), geometry));
    expectConv(convCase(ints('int8', [1, 3, 6, 5]), ints('int8', [5, 3, 2, 3], -127, 127), geometry, 'int8'));
    const y = expectConv(
      convCase(ints('uint8', [1, 3, 6, 6]), ints('int8', [4, 3, 3, 3]), { ...geometry, pads: [1, 1, 1, 1] }, 'uint8', true),
    );
    expect(Math.min(...y.toNumbers())).toBeGreaterThanOrEqual(0);
  });

  it('groups, depthwise with a channel multiplier, and 1-D / 3-D windows', () => {
    expectConv(
      convCase(ints('uint8', [2, 4, 5, 5]), ints('int8', [6, 2, 3, 3]), {
        pads: [1, 1, 1, 1],
        strides: [1, 1],
        dilations: [1, 1],
        group: 2,
      }),
    );
    expectConv(
      convCase(ints('uint8', [2, 3, 6, 7]), ints('int8', [6, 1, 3, 3]), {
        pads: [1, 1, 1, 1],
        strides: [2, 2],
        dilations: [1, 1],
        group: 3,
      }),
    );
    expectConv(
      convCase(
        ints('int8', [1, 2, 9]),
        ints('int8', [3, 2, 4]),
        { pads: [2, 1], strides: [2], dilations: [1], group: 1 },
        'int8',
      ),
    );
    expectConv(
      convCase(ints('uint8', [1, 2, 4, 3, 5]), ints('int8', [2, 2, 2, 2, 3]), {
        pads: [0, 1, 1, 1, 0, 1],
        strides: [1, 2, 1],
        dilations: [1, 1, 2],
        group: 1,
      }),
    );
  });

  it('stays exact when the dot products outgrow float32 (K chunked)', () => {
    // K = 64·5·5 = 1600 taps of |x − zp| up to 255 and |w| = 127: sums far above 2^24.
    const x = ints('uint8', [1, 64, 5, 5], 200, 255);
    const w = Tensor.from(
      'int8',
      [2, 64, 5, 5],
      Array.from({ length: 3200 }, (_, i) => (i < 1600 ? 127 : -127)),
    );
    const test = convCase(x, w, { pads: [0, 0, 0, 0], strides: [1, 1], dilations: [1, 1], group: 1 });
    test.attrs.x_zero_point = 0;
    test.attrs.shift = [43, 44]; // results around ±70, inside the 8-bit range, so every bit counts
    const y = expectConv(test);
    expect(y.toNumbers().some((v) => v > 0 && v < 255)).toBe(true);
  });

  it('wraps accumulator plus bias to int32 before requantizing', () => {
    const x = Tensor.from('uint8', [1, 1, 1, 1], [255]);
    const w = Tensor.from('int8', [1, 1, 1, 1], [127]);
    const b = Tensor.from('int32', [1], [2 ** 31 - 1]); // 255·127 + (2^31 − 1) wraps negative
    const attrs = {
      pads: [0, 0, 0, 0],
      strides: [1, 1],
      dilations: [1, 1],
      group: 1,
      x_zero_point: 0,
      ...channelAttrs(1, 'int8'),
    };
    expectConv({ x, w, b, attrs });
  });
});

describe('ExactIntegerGemm', () => {
  it('cuts K where a float32 sum could round, and adds the chunks exactly', () => {
    const k = 3000;
    const a = new Float32Array(k).fill(127);
    const b = new Float32Array(k).fill(255);
    b[0] = 1; // total 127·(255·2999 + 1) = 97,125,382, odd and above 2^24
    const gemm = new ExactIntegerGemm(1, k, a, 0, new Float64Array(k).fill(127 * 255));
    expect(gemm.chunkCount).toBe(Math.ceil((k * 127 * 255) / 2 ** 24));
    const c = new Float64Array(1);
    gemm.multiplyAdd(1, b, 0, c, 0);
    expect(c[0]).toBe(127 * (255 * 2999 + 1));
  });
});

describe('PimQGemm against a direct matrix product', () => {
  it('per-channel requantization, int8 and uint8 inputs, chunked K', () => {
    for (const [xDtype, k] of [
      ['uint8', 37],
      ['int8', 1500],
    ] as const) {
      const [n, m] = [5, 7];
      const x = ints(xDtype, [n, k]);
      const w = ints('int8', [m, k], -127, 127);
      const b = ints('int32', [m], -100000, 100000);
      const [lo, hi] = integerRange(xDtype);
      const attrs = { x_zero_point: rng.int(lo, hi), ...channelAttrs(m, 'int8') };
      const [y] = runOp('PimQGemm', [x, w, b], { attrs });
      const xs = x.toNumbers();
      const ws = w.toNumbers();
      const bs = b.toNumbers();
      const expected: number[] = [];
      for (let r = 0; r < n; r++) {
        for (let oc = 0; oc < m; oc++) {
          let acc = bs[oc]!;
          for (let j = 0; j < k; j++) acc += (xs[r * k + j]! - attrs.x_zero_point) * ws[oc * k + j]!;
          expected.push(
            requant(wrap32(acc), attrs.multiplier[oc]!, attrs.shift[oc]!, attrs.y_zero_point, attrs.y_min, attrs.y_max),
          );
        }
      }
      expect(y!.shape).toEqual([n, m]);
      expect(y!.toNumbers()).toEqual(expected);
    }
  });
});

describe('PimQAdd and PimRequantize', () => {
  it('PimQAdd broadcasts and rescales both operands with one shift', () => {
    const a = ints('uint8', [2, 3, 4]);
    const b = ints('uint8', [3, 1]);
    const attrs = {
      a_zero_point: 17,
      b_zero_point: 130,
      a_multiplier: 12000000,
      b_multiplier: 5000000,
      shift: 24,
      y_dtype: 'uint8',
      y_zero_point: 3,
      y_min: 3,
      y_max: 250,
      activation: 'relu',
      y_scale: 1,
      a_scale: 1,
      b_scale: 1,
    };
    const [y] = runOp('PimQAdd', [a, b], { attrs });
    const [as, bs] = [a.toNumbers(), b.toNumbers()];
    const expected = as.map((av, i) => {
      const bv = bs[Math.floor(i / 4) % 3]!;
      return requant((av - 17) * 12000000 + (bv - 130) * 5000000, 1, 24, 3, 3, 250);
    });
    expect(y!.toNumbers()).toEqual(expected);
  });

  it('PimRequantize rescales to another type and zero point, saturating', () => {
    const x = ints('uint8', [50]);
    const attrs = {
      x_zero_point: 100,
      multiplier: 9000000,
      shift: 23,
      y_dtype: 'int8',
      y_zero_point: -7,
      x_scale: 1,
      y_scale: 1,
    };
    const [y] = runOp('PimRequantize', [x], { attrs });
    expect(y!.dtype).toBe('int8');
    expect(y!.toNumbers()).toEqual(x.toNumbers().map((v) => requant(v - 100, 9000000, 23, -7, -128, 127)));
  });
});

describe('PimQAvgPool against direct window means', () => {
  /** Mean of each window rounded half up: zp + ⌊(2S + n) / (2n)⌋ with AveragePool's divisor. */
  function naivePool(
    x: Tensor,
    kernel: number[],
    strides: number[],
    pads: number[],
    includePad: boolean,
    ceil: boolean,
    zp: number,
  ): number[] {
    const [n, c, h, w] = x.shape as number[];
    const size = (s: number, k: number, st: number, p0: number, p1: number) => {
      const span = s + p0 + p1 - k;
      let o = (ceil ? Math.ceil(span / st) : Math.floor(span / st)) + 1;
      if (ceil && (o - 1) * st >= s + p0) o--;
      return o;
    };
    const oh = size(h!, kernel[0]!, strides[0]!, pads[0]!, pads[2]!);
    const ow = size(w!, kernel[1]!, strides[1]!, pads[1]!, pads[3]!);
    const xs = x.toNumbers();
    const [lo, hi] = integerRange(x.dtype);
    const out: number[] = [];
    for (let pc = 0; pc < n! * c!; pc++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let sum = 0;
          let count = 0;
          for (let a = 0; a < kernel[0]!; a++) {
            for (let b = 0; b < kernel[1]!; b++) {
              const [y, z] = [i * strides[0]! - pads[0]! + a, j * strides[1]! - pads[1]! + b];
              const inside = y >= 0 && y < h! && z >= 0 && z < w!;
              const inPadded = y >= -pads[0]! && y < h! + pads[2]! && z >= -pads[1]! && z < w! + pads[3]!;
              if (inside) sum += xs[pc * h! * w! + y * w! + z]! - zp;
              if (includePad ? inPadded : inside) count++;
            }
          }
          out.push(Math.min(hi, Math.max(lo, zp + Math.floor((2 * sum + count) / (2 * count)))));
        }
      }
    }
    return out;
  }

  it('windows with and without padding counted, ceil_mode, uint8 and int8', () => {
    for (const [dtype, zp] of [
      ['uint8', 9],
      ['int8', -20],
    ] as const) {
      const x = ints(dtype, [2, 3, 7, 6]);
      for (const includePad of [0, 1]) {
        for (const ceil of [0, 1]) {
          const attrs = {
            kernel_shape: [3, 2],
            strides: [2, 2],
            pads: [1, 0, 1, 1],
            count_include_pad: includePad,
            ceil_mode: ceil,
            zero_point: zp,
            scale: 1,
          };
          const [y] = runOp('PimQAvgPool', [x], { attrs });
          expect(y!.toNumbers()).toEqual(naivePool(x, [3, 2], [2, 2], [1, 0, 1, 1], includePad === 1, ceil === 1, zp));
        }
      }
    }
  });

  it('global pooling rounds ties half up on both signs', () => {
    const x = Tensor.from('int8', [1, 2, 1, 2], [1, 2, -1, -2]); // means 1.5 and −1.5
    const [y] = runOp('PimQAvgPool', [x], { attrs: { zero_point: 0, scale: 1 } });
    expect(y!.shape).toEqual([1, 2, 1, 1]);
    expect(y!.toNumbers()).toEqual([2, -1]);
  });
});

describe('PimFusedActivation', () => {
  it('computes exactly what Relu and Clip compute', () => {
    const values = [...rng.float32Array(200, -10, 10), NaN, Infinity, -Infinity, 0, 6, 6.0000005];
    const x = Tensor.from('float32', [values.length], values);
    const same = (a: Tensor, b: Tensor) =>
      expect(Array.from(a.data as TypedArray, (v) => v + 0)).toEqual(Array.from(b.data as TypedArray, (v) => v + 0));
    same(runOp('PimFusedActivation', [x], { attrs: { activation: 'relu', min: 0 } })[0]!, runOp('Relu', [x])[0]!);
    const clip = runOp('Clip', [x, Tensor.scalar('float32', 0), Tensor.scalar('float32', 6)])[0]!;
    same(runOp('PimFusedActivation', [x], { attrs: { activation: 'clip', min: 0, max: 6 } })[0]!, clip);
    const inverted = runOp('Clip', [x, Tensor.scalar('float32', 3), Tensor.scalar('float32', 1)])[0]!;
    same(runOp('PimFusedActivation', [x], { attrs: { activation: 'clip', min: 3, max: 1 } })[0]!, inverted);
  });
});
