import { describe, expect, it } from 'vitest';
import { conv2dOutputSize, getThreads, residentStats, sconv2d, setThreads, type Conv2dShape } from './index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32 - 0.5;
  };
}

function randomArray(n: number, next: () => number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = next();
  return x;
}

/** Direct float64 convolution, plus Σ|terms| per output as the rounding-error scale. */
function reference(s: Required<Conv2dShape>, X: Float32Array, W: Float32Array, bias: Float32Array | undefined) {
  const [outH, outW] = conv2dOutputSize(s);
  const cg = s.inChannels / s.group;
  const mg = s.outChannels / s.group;
  const value = new Float64Array(s.batch * s.outChannels * outH * outW);
  const scale = new Float64Array(value.length);
  for (let b = 0; b < s.batch; b++) {
    for (let m = 0; m < s.outChannels; m++) {
      const g = Math.floor(m / mg);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let acc = bias ? bias[m] : 0;
          let mag = Math.abs(acc);
          for (let c = 0; c < cg; c++) {
            for (let ky = 0; ky < s.kernelHeight; ky++) {
              const iy = oy * s.strideH - s.padTop + ky * s.dilationH;
              if (iy < 0 || iy >= s.inHeight) continue;
              for (let kx = 0; kx < s.kernelWidth; kx++) {
                const ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
                if (ix < 0 || ix >= s.inWidth) continue;
                const xv = X[((b * s.inChannels + g * cg + c) * s.inHeight + iy) * s.inWidth + ix];
                const wv = W[((m * cg + c) * s.kernelHeight + ky) * s.kernelWidth + kx];
                acc += xv * wv;
                mag += Math.abs(xv * wv);
              }
            }
          }
          const o = ((b * s.outChannels + m) * outH + oy) * outW + ox;
          value[o] = acc;
          scale[o] = mag;
        }
      }
    }
  }
  return { value, scale };
}

function check(partial: Conv2dShape, withBias: boolean, seed: number): void {
  const s: Required<Conv2dShape> = {
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
    padBottom: 0,
    padRight: 0,
    dilationH: 1,
    dilationW: 1,
    group: 1,
    ...partial,
  };
  const next = rng(seed);
  const [outH, outW] = conv2dOutputSize(s);
  const X = randomArray(s.batch * s.inChannels * s.inHeight * s.inWidth, next);
  const W = randomArray((s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth) / s.group, next);
  const bias = withBias ? randomArray(s.outChannels, next) : undefined;
  const Y = randomArray(s.batch * s.outChannels * outH * outW + 2, next);
  const tail = [Y[Y.length - 2], Y[Y.length - 1]];
  const { value, scale } = reference(s, X, W, bias);
  sconv2d(s, X, 0, W, 0, bias, 0, Y, 0);
  let worst = 0;
  for (let i = 0; i < value.length; i++) worst = Math.max(worst, Math.abs(Y[i] - value[i]) / (scale[i] + 1e-30));
  expect(worst, JSON.stringify(s)).toBeLessThan(1e-5);
  expect([Y[Y.length - 2], Y[Y.length - 1]]).toEqual(tail);
  // Resident (pre-packed) weights give bitwise the same result, on first use and on reuse.
  for (let pass = 0; pass < 2; pass++) {
    const Yc = new Float32Array(Y.length);
    sconv2d(s, X, 0, W, 0, bias, 0, Yc, 0, { constantWeights: true });
    expect(firstDifference(Yc.subarray(0, value.length), Y), `constant weights, pass ${pass}`).toBe(-1);
  }
}

/** Index of the first element where a and b differ bitwise (-1 if none). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

describe('sconv2d', () => {
  const base = { batch: 2, inChannels: 5, inHeight: 9, inWidth: 11, outChannels: 6 };

  it('computes output sizes like ONNX Conv', () => {
    expect(
      conv2dOutputSize({
        ...base,
        inHeight: 224,
        inWidth: 224,
        kernelHeight: 7,
        kernelWidth: 7,
        strideH: 2,
        strideW: 2,
        padTop: 3,
        padLeft: 3,
        padBottom: 3,
        padRight: 3,
      }),
    ).toEqual([112, 112]);
    expect(conv2dOutputSize({ ...base, kernelHeight: 3, kernelWidth: 3, dilationH: 2, dilationW: 3 })).toEqual([5, 5]);
  });

  it('matches a direct convolution for 1×1 (direct GEMM and strided) kernels', () => {
    check({ ...base, kernelHeight: 1, kernelWidth: 1 }, false, 1);
    check({ ...base, kernelHeight: 1, kernelWidth: 1 }, true, 2);
    check({ ...base, kernelHeight: 1, kernelWidth: 1, strideH: 2, strideW: 2 }, true, 3);
    check({ ...base, kernelHeight: 1, kernelWidth: 1, padTop: 1, padRight: 2 }, true, 4);
  });

  it('matches a direct convolution with padding, strides, dilations and groups', () => {
    let seed = 10;
    for (const extra of [
      { kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 },
      { kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 },
      { kernelHeight: 7, kernelWidth: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3 },
      { kernelHeight: 2, kernelWidth: 4, strideH: 3, strideW: 1, padTop: 0, padLeft: 2, padBottom: 2, padRight: 0 },
      { kernelHeight: 3, kernelWidth: 2, dilationH: 2, dilationW: 3, padTop: 2, padLeft: 1, padBottom: 1, padRight: 3 },
      { kernelHeight: 5, kernelWidth: 5, strideW: 3, padLeft: 4, padRight: 4 },
      { kernelHeight: 12, kernelWidth: 12, padTop: 2, padLeft: 1, padBottom: 1, padRight: 0 },
      // Output rows as long as input rows (the contiguous-copy im2col): "same" padding with
      // wide, dilated and asymmetrically padded kernels, and ones wider than the image.
      { kernelHeight: 5, kernelWidth: 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2 },
      { kernelHeight: 3, kernelWidth: 3, dilationH: 2, dilationW: 2, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2 },
      { kernelHeight: 3, kernelWidth: 3, padTop: 0, padLeft: 2, padBottom: 2, padRight: 0 },
      { kernelHeight: 13, kernelWidth: 13, padTop: 6, padLeft: 6, padBottom: 6, padRight: 6 },
    ]) {
      check({ ...base, ...extra }, seed % 2 === 0, seed++);
      check({ ...base, inChannels: 6, ...extra, group: 2 }, seed % 2 === 0, seed++);
      check({ ...base, inChannels: 6, ...extra, group: 6 }, seed % 2 === 0, seed++);
    }
  });

  it('handles a ResNet-sized layer', () => {
    check(
      {
        batch: 1,
        inChannels: 64,
        inHeight: 28,
        inWidth: 28,
        outChannels: 70,
        kernelHeight: 3,
        kernelWidth: 3,
        padTop: 1,
        padLeft: 1,
        padBottom: 1,
        padRight: 1,
      },
      true,
      99,
    );
  });

  it('gives bitwise the same result on one thread and on several', () => {
    const before = getThreads();
    try {
      const s = {
        batch: 1,
        inChannels: 32,
        inHeight: 30,
        inWidth: 30,
        outChannels: 36,
        kernelHeight: 3,
        kernelWidth: 3,
        padTop: 1,
        padLeft: 1,
        padBottom: 1,
        padRight: 1,
      };
      const next = rng(123);
      const X = randomArray(32 * 30 * 30, next);
      const W = randomArray(36 * 32 * 9, next);
      const bias = randomArray(36, next);
      const results = [1, 2, 3].map((threads) => {
        setThreads(threads);
        const Y = new Float32Array(36 * 30 * 30);
        sconv2d(s, X, 0, W, 0, bias, 0, Y, 0, { constantWeights: threads === 2 });
        return Y;
      });
      expect(firstDifference(results[1], results[0])).toBe(-1);
      expect(firstDifference(results[2], results[0])).toBe(-1);
    } finally {
      setThreads(before);
    }
  });

  it('keeps constant weights resident, one copy per array, and re-packs a new range', () => {
    const s = { batch: 1, inChannels: 4, inHeight: 6, inWidth: 6, outChannels: 5, kernelHeight: 3, kernelWidth: 3 };
    const next = rng(77);
    const X = randomArray(4 * 36, next);
    const W = randomArray(2 * 5 * 4 * 9, next);
    const Y1 = new Float32Array(5 * 16);
    const Y2 = new Float32Array(5 * 16);
    sconv2d(s, X, 0, W, 0, undefined, 0, Y1, 0, { constantWeights: true });
    const entries = residentStats().entries;
    sconv2d(s, X, 0, W, 0, undefined, 0, Y1, 0, { constantWeights: true });
    expect(residentStats().entries).toBe(entries);
    // The second half of the same array: replaces the first entry rather than reusing it.
    sconv2d(s, X, 0, W, 180, undefined, 0, Y1, 0, { constantWeights: true });
    sconv2d(s, X, 0, W.slice(180), 0, undefined, 0, Y2, 0);
    expect(residentStats().entries).toBe(entries);
    expect(firstDifference(Y1, Y2)).toBe(-1);
  });

  it('rejects inconsistent shapes', () => {
    const x = new Float32Array(1000);
    expect(() =>
      sconv2d({ ...base, inChannels: 5, group: 2, kernelHeight: 1, kernelWidth: 1 }, x, 0, x, 0, undefined, 0, x, 0),
    ).toThrow(/divisible/);
    expect(() => sconv2d({ ...base, kernelHeight: 20, kernelWidth: 1 }, x, 0, x, 0, undefined, 0, x, 0)).toThrow(/empty output/);
    expect(() => sconv2d({ ...base, kernelHeight: 1, kernelWidth: 1, strideH: 0 }, x, 0, x, 0, undefined, 0, x, 0)).toThrow(
      /strideH/,
    );
    expect(() =>
      sconv2d({ ...base, kernelHeight: 3, kernelWidth: 3 }, x, 0, x, 0, undefined, 0, new Float32Array(10), 0),
    ).toThrow(/Y needs/);
  });
});
