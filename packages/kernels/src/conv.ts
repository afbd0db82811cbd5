import { checkRange } from './check.js';
import {
  alignLine,
  beginCall,
  gemmPacked,
  im2col,
  memoryView,
  packedWeightsLength,
  packWeights,
  residentCopy,
  residentPackedWeights,
  workspace,
} from './wasm.js';

/** Geometry of a 2-D convolution over NCHW tensors (ONNX Conv semantics, explicit pads). */
export interface Conv2dShape {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH?: number;
  strideW?: number;
  padTop?: number;
  padLeft?: number;
  padBottom?: number;
  padRight?: number;
  dilationH?: number;
  dilationW?: number;
  group?: number;
}

export interface Conv2dOptions {
  /**
   * W's range (and bias's) never changes while the array is alive (a model's weights): it is
   * copied into WebAssembly memory once and reused by later calls (see setResidentCapacity).
   */
  constantWeights?: boolean;
}

/** Output spatial size [outHeight, outWidth] of a convolution. */
export function conv2dOutputSize(s: Conv2dShape): [number, number] {
  const outH = Math.floor(
    (s.inHeight + (s.padTop ?? 0) + (s.padBottom ?? 0) - (s.dilationH ?? 1) * (s.kernelHeight - 1) - 1) / (s.strideH ?? 1) + 1,
  );
  const outW = Math.floor(
    (s.inWidth + (s.padLeft ?? 0) + (s.padRight ?? 0) - (s.dilationW ?? 1) * (s.kernelWidth - 1) - 1) / (s.strideW ?? 1) + 1,
  );
  return [outH, outW];
}

/**
 * Y = conv2d(X, W) + bias over NCHW float32 tensors:
 *   X [batch][inChannels][inHeight][inWidth], W [outChannels][inChannels/group][kH][kW],
 *   bias [outChannels] (optional), Y [batch][outChannels][outH][outW] (see conv2dOutputSize).
 * Each (image, group) is an im2col (skipped for 1×1, stride-1, unpadded kernels, whose
 * input already is the column matrix) followed by a GEMM that starts each output row from its
 * bias, all inside WebAssembly memory (and on several threads when large, see setThreads).
 */
export function sconv2d(
  shape: Conv2dShape,
  X: Float32Array,
  xOffset: number,
  W: Float32Array,
  wOffset: number,
  bias: Float32Array | undefined,
  biasOffset: number,
  Y: Float32Array,
  yOffset: number,
  opts: Conv2dOptions = {},
): void {
  const { batch, inChannels, inHeight, inWidth, outChannels, kernelHeight: kh, kernelWidth: kw } = shape;
  const strideH = shape.strideH ?? 1;
  const strideW = shape.strideW ?? 1;
  const padTop = shape.padTop ?? 0;
  const padLeft = shape.padLeft ?? 0;
  const padBottom = shape.padBottom ?? 0;
  const padRight = shape.padRight ?? 0;
  const dilationH = shape.dilationH ?? 1;
  const dilationW = shape.dilationW ?? 1;
  const group = shape.group ?? 1;
  for (const [name, v] of Object.entries({
    batch,
    inChannels,
    inHeight,
    inWidth,
    outChannels,
    padTop,
    padLeft,
    padBottom,
    padRight,
  })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`sconv2d: ${name} must be a non-negative integer, got ${v}`);
  }
  for (const [name, v] of Object.entries({ kernelHeight: kh, kernelWidth: kw, strideH, strideW, dilationH, dilationW, group })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`sconv2d: ${name} must be a positive integer, got ${v}`);
  }
  if (inChannels % group !== 0 || outChannels % group !== 0) {
    throw new RangeError(`sconv2d: channels (${inChannels} in, ${outChannels} out) must be divisible by group ${group}`);
  }
  const [outH, outW] = conv2dOutputSize(shape);
  if (outH < 1 || outW < 1) throw new RangeError(`sconv2d: empty output ${outH}×${outW}`);

  const cg = inChannels / group; // input channels per group
  const mg = outChannels / group; // output channels per group
  const kg = cg * kh * kw; // GEMM depth
  const imageIn = inChannels * inHeight * inWidth;
  const imageOut = outChannels * outH * outW;
  const xLen = batch * imageIn;
  const wLen = outChannels * kg;
  const yLen = batch * imageOut;
  checkRange('sconv2d', 'X', X, xOffset, xLen);
  checkRange('sconv2d', 'W', W, wOffset, wLen);
  if (bias) checkRange('sconv2d', 'bias', bias, biasOffset, outChannels);
  checkRange('sconv2d', 'Y', Y, yOffset, yLen);
  if (yLen === 0) return;

  const direct =
    kh === 1 &&
    kw === 1 &&
    strideH === 1 &&
    strideW === 1 &&
    padTop === 0 &&
    padLeft === 0 &&
    outH === inHeight &&
    outW === inWidth;
  beginCall();
  // The weights of each group are packed for the GEMM microkernel once per call, or once for
  // good when constant (resident, like a constant bias). The rest goes in the workspace:
  // [X][W][packed W][bias][Y][columns].
  const constant = opts.constantWeights === true;
  const packedLen = packedWeightsLength(mg, kg);
  const wResident = constant ? residentPackedWeights(W, wOffset, group, mg, kg) : -1;
  const bResident = bias && constant ? residentCopy(bias, biasOffset, outChannels) : -1;
  const xAt = 0;
  const wAt = xAt + alignLine(xLen);
  const pAt = wAt + (wResident < 0 ? alignLine(wLen) : 0);
  const bAt = pAt + (wResident < 0 ? alignLine(group * packedLen) : 0);
  const yAt = bAt + (bias && bResident < 0 ? alignLine(outChannels) : 0);
  const colAt = yAt + alignLine(yLen);
  const base = workspace(colAt + (direct ? 0 : kg * outH * outW)) / 4;
  const ptr = (at: number): number => (base + at) * 4;
  const heap = memoryView();
  heap.set(X.subarray(xOffset, xOffset + xLen), base + xAt);
  if (wResident < 0) {
    heap.set(W.subarray(wOffset, wOffset + wLen), base + wAt);
    for (let g = 0; g < group; g++) packWeights(mg, kg, ptr(wAt + g * mg * kg), kg, ptr(pAt + g * packedLen));
  }
  if (bias && bResident < 0) heap.set(bias.subarray(biasOffset, biasOffset + outChannels), base + bAt);

  const w0 = wResident < 0 ? ptr(pAt) : wResident;
  const b0 = bias === undefined ? 0 : bResident < 0 ? ptr(bAt) : bResident;
  const n = outH * outW;
  for (let b = 0; b < batch; b++) {
    for (let g = 0; g < group; g++) {
      const x = ptr(xAt + b * imageIn + g * cg * inHeight * inWidth);
      const y = ptr(yAt + b * imageOut + g * mg * n);
      let cols = x;
      if (!direct) {
        cols = ptr(colAt);
        im2col(x, cg, inHeight, inWidth, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW, cols);
      }
      gemmPacked(mg, n, kg, w0 + g * packedLen * 4, cols, n, false, y, n, false, b0 === 0 ? 0 : b0 + g * mg * 4);
    }
  }
  // The GEMMs may have allocated thread scratch: take a fresh view.
  Y.set(memoryView().subarray(base + yAt, base + yAt + yLen), yOffset);
}
