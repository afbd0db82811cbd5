import { PimcError } from '@pimc/support';
import { pimConvWindow, PimQConv, sizeOf, Tensor, type TypedArray } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { product } from '../nn/float.js';
import { tapMaps, type TapMap } from '../nn/tap-maps.js';
import { columnBounds, ExactIntegerGemm } from './exact-gemm.js';
import { requantizeChannels } from './requantize.js';

/** Largest |x − x_zp| of an 8-bit activation. */
const MAX_INPUT = 255;

/**
 * PimQConv: `acc[n, m, p] = Σ_{c,k} (x[n, c, p·s − pad + k·d] − x_zp) · w[m, c, k]` (positions in the
 * padding contribute 0, i.e. the input is padded with x_zp), then `wrap32(acc + B[m])` requantized
 * per channel. The sums are exact: im2col of (x − x_zp) into float32 and the chunked exact GEMM, or,
 * for depthwise layers, a direct tap loop in float64.
 */
export const qconvKernel = kernel(PimQConv, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const w = operand(inputs, 1, ctx, 'W');
  const bias = inputs[2];
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const m = w.shape[0]!;
  const group = attrs.group;
  const cg = c / group;
  const mg = m / group;
  if (!Number.isInteger(cg) || w.shape[1] !== cg || m % group !== 0) {
    throw new PimcError(
      'shape-mismatch',
      `PimQConv: X [${x.shape.join(', ')}] and W [${w.shape.join(', ')}] do not fit group ${group}`,
      {
        location: { node: ctx.node.name, opType: ctx.node.op },
      },
    );
  }
  const inSpatial = x.shape.slice(2);
  const kernelShape = w.shape.slice(2);
  const window = pimConvWindow(inSpatial, kernelShape, attrs);
  const outShape = [n, m, ...window.output];
  const p = product(window.output);
  const acc = new Float64Array(sizeOf(outShape));
  if (p > 0 && n > 0) {
    const maps = tapMaps({
      counts: window.output,
      limits: inSpatial,
      kernel: window.kernel,
      strides: window.strides,
      dilations: window.dilations,
      padsBegin: window.pads.slice(0, inSpatial.length),
    });
    const lastOut = window.output[window.output.length - 1]!;
    const geometry = { n, c, m, cg, mg, group, inPlane: product(inSpatial), p, lastOut, maps };
    if (cg === 1 && group > 1) depthwise(x.data as TypedArray, attrs.x_zero_point, w.data as Int8Array, acc, geometry);
    else viaGemm(x.data as TypedArray, attrs.x_zero_point, w.data as Int8Array, acc, geometry);
  }
  const data = requantizeChannels(acc, bias?.data as Int32Array | undefined, n, m, p, attrs);
  return [new Tensor(attrs.y_dtype, outShape, data as never)];
});

interface Geometry {
  readonly n: number;
  readonly c: number;
  readonly m: number;
  readonly cg: number;
  readonly mg: number;
  readonly group: number;
  readonly inPlane: number;
  /** Output positions per image. */
  readonly p: number;
  readonly lastOut: number;
  readonly maps: readonly TapMap[];
}

/** Per image and group: im2col of (x − x_zp) [C/g·k, P] and one exact GEMM with the group's weights. */
function viaGemm(x: TypedArray, zp: number, w: Int8Array, acc: Float64Array, g: Geometry): void {
  const kk = g.maps.length;
  const depth = g.cg * kk;
  const weights = new Float32Array(w);
  const cols = new Float32Array(depth * g.p);
  const products = Array.from(
    { length: g.group },
    (_, gi) =>
      new ExactIntegerGemm(g.mg, depth, weights, gi * g.mg * depth, columnBounds(w, gi * g.mg * depth, g.mg, depth, MAX_INPUT)),
  );
  for (let b = 0; b < g.n; b++) {
    for (let gi = 0; gi < g.group; gi++) {
      im2col(x, zp, cols, g, (b * g.c + gi * g.cg) * g.inPlane);
      products[gi]!.multiplyAdd(g.p, cols, 0, acc, (b * g.m + gi * g.mg) * g.p);
    }
  }
}

/** Row (c·k + tap), column p: x − x_zp at the tap's input position, 0 in the padding. */
function im2col(x: TypedArray, zp: number, cols: Float32Array, g: Geometry, channelBase: number): void {
  const kk = g.maps.length;
  const outerN = g.p / g.lastOut;
  cols.fill(0);
  for (let ci = 0; ci < g.cg; ci++) {
    const src0 = channelBase + ci * g.inPlane;
    for (let t = 0; t < kk; t++) {
      const { outer, start, stride, lo, hi } = g.maps[t]!;
      const row = (ci * kk + t) * g.p;
      for (let q = 0; q < outerN; q++) {
        const off = outer[q]!;
        if (off < 0) continue;
        const dst = row + q * g.lastOut;
        const src = src0 + off + start;
        for (let j = lo; j < hi; j++) cols[dst + j] = x[src + j * stride]! - zp;
      }
    }
  }
}

/** One input channel per group: each output channel sums shifted input planes times one weight per tap. */
function depthwise(x: TypedArray, zp: number, w: Int8Array, acc: Float64Array, g: Geometry): void {
  const kk = g.maps.length;
  const outerN = g.p / g.lastOut;
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.m; oc++) {
      const yBase = (b * g.m + oc) * g.p;
      const xBase = (b * g.c + Math.floor(oc / g.mg)) * g.inPlane;
      for (let t = 0; t < kk; t++) {
        const wv = w[oc * kk + t]!;
        if (wv === 0) continue;
        const { outer, start, stride, lo, hi } = g.maps[t]!;
        for (let q = 0; q < outerN; q++) {
          const off = outer[q]!;
          if (off < 0) continue;
          const dst = yBase + q * g.lastOut;
          const src = xBase + off + start;
          for (let j = lo; j < hi; j++) acc[dst + j]! += wv * (x[src + j * stride]! - zp);
        }
      }
    }
  }
}
