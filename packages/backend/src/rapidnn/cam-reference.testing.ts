import type { CamTable, LutMvm } from '@pimc/isa';
import { roundHalfEven } from './fixed-point.js';

/*
 * The run-time semantics of the RAPIDNN instructions, written from the program contract for the
 * tests of this directory (the simulator has its own implementation; these stay independent of it).
 */

function clampKey(k: number, keyBits: number): number {
  return Math.max(-(2 ** (keyBits - 1)), Math.min(2 ** (keyBits - 1) - 1, k));
}

/** The value a CAM returns for a query key: nearest on the top camBits, ties to the lower entry. */
export function camLookup(cam: CamTable, query: number): number {
  const shift = 2 ** (cam.keyBits - cam.camBits);
  const q = Math.floor(query / shift);
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < cam.keys.length; i++) {
    const d = Math.abs(Math.floor(cam.keys[i]! / shift) - q);
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return cam.values[best]!;
}

/** A cam-encode query key. */
export function encodeKey(x: number, keyScale: number, keyBits: number): number {
  if (Number.isNaN(x)) return -(2 ** (keyBits - 1));
  return clampKey(roundHalfEven(x / keyScale), keyBits);
}

/** A lut-mvm activation query key. */
export function activationKey(acc: number, keyShift: number, keyBits: number): number {
  const shifted = keyShift === 0 ? acc : Math.floor((acc + 2 ** (keyShift - 1)) / 2 ** keyShift);
  return clampKey(shifted, keyBits);
}

/** The accumulators of a lut-mvm for one sample of input indices, [M][P][Q] flattened. */
export function lutAccumulators(ins: LutMvm, input: Uint8Array): Float64Array {
  const g = ins.geometry;
  const [c, h, w] = g.inShape;
  const [m, p, q] = g.outShape;
  const [kh, kw] = g.kernel;
  const cg = c / g.groups;
  const mg = m / g.groups;
  const depth = cg * kh * kw;
  const table = ins.kW * ins.kU;
  const acc = new Float64Array(m * p * q);
  for (let o = 0; o < m; o++) {
    const group = Math.floor(o / mg);
    const lut = (ins.lut.length === table ? 0 : o) * table;
    for (let y = 0; y < p; y++) {
      for (let x = 0; x < q; x++) {
        let sum = ins.bias[o]!;
        for (let ci = 0; ci < cg; ci++) {
          for (let r = 0; r < kh; r++) {
            for (let s = 0; s < kw; s++) {
              const iy = y * g.strides[0] - g.pads[0] + r * g.dilations[0];
              const ix = x * g.strides[1] - g.pads[1] + s * g.dilations[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const u = input[((group * cg + ci) * h + iy) * w + ix]!;
              const iw = ins.weightIndices[o * depth + (ci * kh + r) * kw + s]!;
              sum += ins.lut[lut + iw * ins.kU + u]!;
            }
          }
        }
        acc[(o * p + y) * q + x] = sum;
      }
    }
  }
  return acc;
}
