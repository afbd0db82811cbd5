import { describe, expect, it } from 'vitest';
import { smaxpool2d, type MaxPool2dShape } from './index.js';

/** Window-order scalar reference: strict `>` from −∞, taps outside the plane skipped. */
function reference(s: Required<MaxPool2dShape>, x: Float32Array): Float32Array {
  const y = new Float32Array(s.planes * s.outHeight * s.outWidth);
  let o = 0;
  for (let p = 0; p < s.planes; p++) {
    for (let oy = 0; oy < s.outHeight; oy++) {
      for (let ox = 0; ox < s.outWidth; ox++) {
        let m = -Infinity;
        for (let ky = 0; ky < s.kernelHeight; ky++) {
          const iy = oy * s.strideH - s.padTop + ky * s.dilationH;
          if (iy < 0 || iy >= s.inHeight) continue;
          for (let kx = 0; kx < s.kernelWidth; kx++) {
            const ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
            if (ix < 0 || ix >= s.inWidth) continue;
            const v = x[(p * s.inHeight + iy) * s.inWidth + ix]!;
            if (v > m) m = v;
          }
        }
        y[o++] = m;
      }
    }
  }
  return y;
}

function randomPlanes(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = i % 53 === 7 ? NaN : (s >>> 0) / 2 ** 32 - 0.5;
  }
  return x;
}

function check(partial: MaxPool2dShape, seed: number): void {
  const s: Required<MaxPool2dShape> = { strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, ...partial };
  const x = randomPlanes(s.planes * s.inHeight * s.inWidth, seed);
  const expected = reference(s, x);
  const y = new Float32Array(expected.length);
  smaxpool2d(s, x, y);
  expect(
    y.findIndex((v, i) => !Object.is(v, expected[i])),
    JSON.stringify(s),
  ).toBe(-1);
}

describe('smaxpool2d', () => {
  it('matches the window-order reference: a ResNet stem (3×3, stride 2, pad 1)', () => {
    check(
      {
        planes: 3,
        inHeight: 112,
        inWidth: 112,
        kernelHeight: 3,
        kernelWidth: 3,
        strideH: 2,
        strideW: 2,
        padTop: 1,
        padLeft: 1,
        outHeight: 56,
        outWidth: 56,
      },
      1,
    );
  });

  it('matches it for odd sizes, strides, dilations, padding and ceil-mode extra outputs', () => {
    let seed = 10;
    for (const shape of [
      { inHeight: 7, inWidth: 9, kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2, outHeight: 4, outWidth: 5 },
      { inHeight: 5, inWidth: 5, kernelHeight: 3, kernelWidth: 3, outHeight: 3, outWidth: 3 },
      {
        inHeight: 6,
        inWidth: 13,
        kernelHeight: 3,
        kernelWidth: 2,
        dilationH: 2,
        dilationW: 3,
        padTop: 2,
        padLeft: 1,
        outHeight: 4,
        outWidth: 9,
      },
      { inHeight: 4, inWidth: 23, kernelHeight: 1, kernelWidth: 5, strideW: 3, padLeft: 4, outHeight: 4, outWidth: 9 },
      { inHeight: 3, inWidth: 3, kernelHeight: 5, kernelWidth: 5, padTop: 2, padLeft: 2, outHeight: 3, outWidth: 3 },
      // A window entirely in the padding gives −∞.
      { inHeight: 2, inWidth: 2, kernelHeight: 1, kernelWidth: 1, padTop: 1, padLeft: 1, outHeight: 3, outWidth: 3 },
    ]) {
      check({ planes: 2, ...shape }, seed++);
    }
  });

  it('handles more planes than one chunk', () => {
    check(
      {
        planes: 70,
        inHeight: 128,
        inWidth: 128,
        kernelHeight: 2,
        kernelWidth: 2,
        strideH: 2,
        strideW: 2,
        outHeight: 64,
        outWidth: 64,
      },
      3,
    );
  });

  it('rejects bad geometry and short arrays', () => {
    const x = new Float32Array(100);
    const s = { planes: 1, inHeight: 10, inWidth: 10, kernelHeight: 2, kernelWidth: 2, outHeight: 9, outWidth: 9 };
    expect(() => smaxpool2d({ ...s, strideW: 0 }, x, x)).toThrow(/strideW/);
    expect(() => smaxpool2d({ ...s, planes: 2 }, x, x)).toThrow(/X has 100 elements/);
    expect(() => smaxpool2d(s, x, new Float32Array(80))).toThrow(/Y has 80 elements/);
  });
});
