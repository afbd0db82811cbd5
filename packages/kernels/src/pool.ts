import { kernels, memoryView, workspace } from './wasm.js';

/** Geometry of a 2-D max pooling over `planes` H×W planes (pads and output size resolved). */
export interface MaxPool2dShape {
  planes: number;
  inHeight: number;
  inWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  outHeight: number;
  outWidth: number;
  strideH?: number;
  strideW?: number;
  dilationH?: number;
  dilationW?: number;
  padTop?: number;
  padLeft?: number;
}

/** Input floats per chunk of planes: bounds the workspace whatever the tensor size. */
const CHUNK_FLOATS = 1 << 20;

/**
 * Y[p][oy][ox] = max of X[p][oy·strideH − padTop + ky·dilationH][ox·strideW − padLeft + kx·dilationW]
 * over the taps inside the plane, on WebAssembly SIMD. NaN never wins (as with a strict `>`
 * from −∞) and a window entirely in the padding gives −∞; which zero wins a −0/+0 tie is
 * unspecified.
 */
export function smaxpool2d(s: MaxPool2dShape, X: Float32Array, Y: Float32Array): void {
  const strideH = s.strideH ?? 1;
  const strideW = s.strideW ?? 1;
  const dilationH = s.dilationH ?? 1;
  const dilationW = s.dilationW ?? 1;
  const padTop = s.padTop ?? 0;
  const padLeft = s.padLeft ?? 0;
  const { planes, inHeight, inWidth, kernelHeight, kernelWidth, outHeight, outWidth } = s;
  for (const [name, v] of Object.entries({ planes, inHeight, inWidth, outHeight, outWidth, padTop, padLeft })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`smaxpool2d: ${name} must be a non-negative integer, got ${v}`);
  }
  for (const [name, v] of Object.entries({ kernelHeight, kernelWidth, strideH, strideW, dilationH, dilationW })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`smaxpool2d: ${name} must be a positive integer, got ${v}`);
  }
  const inPlane = inHeight * inWidth;
  const outPlane = outHeight * outWidth;
  if (X.length < planes * inPlane) throw new RangeError(`smaxpool2d: X has ${X.length} elements, needs ${planes * inPlane}`);
  if (Y.length < planes * outPlane) throw new RangeError(`smaxpool2d: Y has ${Y.length} elements, needs ${planes * outPlane}`);
  if (planes * outPlane === 0) return;
  if (inPlane === 0) {
    Y.fill(-Infinity, 0, planes * outPlane);
    return;
  }
  const step = Math.max(1, Math.floor(CHUNK_FLOATS / inPlane));
  const chunk = Math.min(step, planes);
  const rowAt = 0;
  const xAt = Math.ceil(inWidth / 16) * 16;
  const yAt = xAt + Math.ceil((chunk * inPlane) / 16) * 16;
  const base = workspace(yAt + chunk * outPlane) / 4;
  const heap = memoryView();
  const k = kernels();
  for (let p = 0; p < planes; p += chunk) {
    const n = Math.min(chunk, planes - p);
    heap.set(X.subarray(p * inPlane, (p + n) * inPlane), base + xAt);
    k.maxPool2dF32(
      (base + xAt) * 4,
      n,
      inHeight,
      inWidth,
      kernelHeight,
      kernelWidth,
      strideH,
      strideW,
      dilationH,
      dilationW,
      padTop,
      padLeft,
      outHeight,
      outWidth,
      (base + yAt) * 4,
      (base + rowAt) * 4,
    );
    Y.set(heap.subarray(base + yAt, base + yAt + n * outPlane), p * outPlane);
  }
}
