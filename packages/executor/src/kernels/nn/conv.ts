import { sconv2d } from '@pimc/kernels';
import { Conv, convGeometry, sizeOf, type ConvGeometry } from '@pimc/ir';
import { gemm, type FloatArray } from '../../gemm.js';
import { kernel, operand } from '../../kernel.js';
import { bufferLike, float32ToOverwrite, floatBuffer, floatData, floatResult, product } from './float.js';
import { tapMaps, type TapMap } from './tap-maps.js';

/**
 * Conv as GEMM: per group, the weights [M/g × C/g·k] times an im2col matrix [C/g·k × N·P] of input
 * patches (P output positions). Pointwise convolutions (1×1, stride 1, no padding) skip im2col,
 * since the input already is that matrix; depthwise ones (one input channel per group) run a
 * direct tap-major loop, where a GEMM with K = k would be all overhead.
 *
 * Float32 2-D convolutions (nearly all of a CNN's time) run entirely in WebAssembly (`sconv2d`:
 * im2col, GEMM and bias there, weights of constant operands kept resident across runs); the
 * rest takes the same steps here in JavaScript.
 */
export const convKernel = kernel(Conv, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const w = operand(inputs, 1, ctx, 'W');
  const b = inputs[2];
  const geometry = convGeometry(x.shape, w.shape, attrs);
  const xd = floatData(x, ctx, 'X');
  const wd = floatData(w, ctx, 'W');
  const bd = b === undefined ? undefined : floatData(b, ctx, 'B');
  if (
    wasmApplies(geometry) &&
    xd instanceof Float32Array &&
    wd instanceof Float32Array &&
    (bd === undefined || bd instanceof Float32Array)
  ) {
    // Constants (initializers) are immutable for the graph's lifetime, so they may stay resident.
    const constant =
      ctx.node.inputs[1]?.constant !== undefined && (b === undefined || ctx.node.inputs[2]?.constant !== undefined);
    // sconv2d writes every output element, so the output needs no zero-fill.
    const y = float32ToOverwrite(sizeOf(geometry.outShape));
    convolve2dWasm(xd, wd, bd, y, geometry, constant);
    return [floatResult(x.dtype, geometry.outShape, y)];
  }
  const y = floatBuffer(x.dtype, sizeOf(geometry.outShape));
  // The bias goes in first and every path accumulates onto it, which saves a pass over Y.
  if (bd !== undefined) fillChannelBias(y, bd, geometry.batch, geometry.outChannels);
  convolve(xd, wd, y, geometry, bd !== undefined);
  return [floatResult(x.dtype, geometry.outShape, y)];
});

/** Whether `sconv2d` computes this convolution: 2-D and not depthwise. */
function wasmApplies(g: ConvGeometry): boolean {
  return g.window.kernel.length === 2 && !(g.inChannels === g.group && g.group > 1);
}

/** The convolutions `wasmApplies` to, on float32 storage, through `sconv2d`. */
function convolve2dWasm(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | undefined,
  y: Float32Array,
  g: ConvGeometry,
  constantWeights: boolean,
): void {
  const { kernel: k, strides, pads, dilations, output } = g.window;
  if (product(output) === 0 || g.batch === 0) return;
  sconv2d(
    {
      batch: g.batch,
      inChannels: g.inChannels,
      inHeight: g.inSpatial[0]!,
      inWidth: g.inSpatial[1]!,
      outChannels: g.outChannels,
      kernelHeight: k[0]!,
      kernelWidth: k[1]!,
      strideH: strides[0]!,
      strideW: strides[1]!,
      padTop: pads[0]!,
      padLeft: pads[1]!,
      padBottom: pads[2]!,
      padRight: pads[3]!,
      dilationH: dilations[0]!,
      dilationW: dilations[1]!,
      group: g.group,
    },
    x,
    0,
    w,
    0,
    bias,
    0,
    y,
    0,
    { constantWeights },
  );
}

function convolve(x: FloatArray, w: FloatArray, y: FloatArray, g: ConvGeometry, accumulate: boolean): void {
  const { batch: n, inChannels: c, outChannels: m, group } = g;
  const cg = c / group;
  const mg = m / group;
  const { kernel: k, strides, pads, dilations, output } = g.window;
  const p = product(output);
  const kk = product(k);
  if (p === 0 || n === 0) return;
  const spec = {
    counts: output,
    limits: g.inSpatial,
    kernel: k,
    strides,
    dilations,
    padsBegin: pads.slice(0, k.length),
  };
  if (cg === 1 && group > 1) {
    depthwise(x, w, y, n, c, mg, g.inSpatial, output, tapMaps(spec));
    return;
  }
  const pointwise = kk === 1 && strides.every((s) => s === 1) && pads.every((v) => v === 0);
  if (pointwise) {
    for (let b = 0; b < n; b++) {
      for (let gi = 0; gi < group; gi++) {
        gemm(mg, p, cg, w, gi * mg * cg, x, (b * c + gi * cg) * p, y, (b * m + gi * mg) * p, { accumulate });
      }
    }
    return;
  }
  const maps = tapMaps(spec);
  const columns = n * p;
  const cols = bufferLike(x, cg * kk * columns);
  const tmp = n === 1 ? y : bufferLike(x, mg * columns);
  const inPlane = product(g.inSpatial);
  const lastOut = output[output.length - 1]!;
  for (let gi = 0; gi < group; gi++) {
    im2col(x, cols, maps, n, c, gi * cg, cg, inPlane, p, lastOut, g.inSpatial[g.inSpatial.length - 1]!);
    if (n === 1) {
      gemm(mg, p, cg * kk, w, gi * mg * cg * kk, cols, 0, y, gi * mg * p, { accumulate });
      continue;
    }
    gemm(mg, columns, cg * kk, w, gi * mg * cg * kk, cols, 0, tmp, 0);
    // Columns run over (image, position); the result wants [image, channel, position].
    for (let oc = 0; oc < mg; oc++) {
      for (let b = 0; b < n; b++) {
        const from = oc * columns + b * p;
        const to = (b * m + gi * mg + oc) * p;
        if (!accumulate) y.set(tmp.subarray(from, from + p), to);
        else for (let i = 0; i < p; i++) y[to + i] += tmp[from + i]!;
      }
    }
  }
}

/**
 * Writes the patch matrix of channels [c0, c0 + cg): row (c·k + tap), column (image·P + position).
 * Every element is written (zeros where the window reads padding), so `cols` can be reused.
 *
 * When output rows are as long as input rows and a run of them reads consecutive input rows (stride
 * 1 with "same" padding: most 3×3 layers), the run is one contiguous copy, after which only the
 * few columns that fell into padding are zeroed.
 */
function im2col(
  x: FloatArray,
  cols: FloatArray,
  maps: readonly TapMap[],
  n: number,
  c: number,
  c0: number,
  cg: number,
  inPlane: number,
  p: number,
  lastOut: number,
  lastIn: number,
): void {
  const kk = maps.length;
  const columns = n * p;
  const outerN = p / lastOut;
  for (let t = 0; t < kk; t++) {
    const { outer, start, stride, lo, hi } = maps[t]!;
    const rowsContiguous = stride === 1 && lastIn === lastOut;
    for (let ci = 0; ci < cg; ci++) {
      const rowBase = (ci * kk + t) * columns;
      for (let b = 0; b < n; b++) {
        const src = (b * c + c0 + ci) * inPlane + start;
        const dstBase = rowBase + b * p;
        let q = 0;
        while (q < outerN) {
          const dst = dstBase + q * lastOut;
          const off = outer[q]!;
          if (off < 0) {
            for (let j = 0; j < lastOut; j++) cols[dst + j] = 0;
            q++;
            continue;
          }
          let run = 1;
          if (rowsContiguous) {
            while (q + run < outerN && outer[q + run] === off + run * lastOut) run++;
          }
          if (run > 1 && hi > lo) {
            const from = src + off + lo;
            cols.set(x.subarray(from, from + (run - 1) * lastOut + (hi - lo)), dst + lo);
            for (let r = 0; r < run; r++) {
              const rowDst = dst + r * lastOut;
              for (let j = 0; j < lo; j++) cols[rowDst + j] = 0;
              for (let j = hi; j < lastOut; j++) cols[rowDst + j] = 0;
            }
            q += run;
            continue;
          }
          // Plain loops: per-row fill/subarray calls cost more than they save on rows this short.
          for (let j = 0; j < lo; j++) cols[dst + j] = 0;
          const s = src + off;
          if (stride === 1) {
            for (let j = lo; j < hi; j++) cols[dst + j] = x[s + j]!;
          } else {
            for (let j = lo; j < hi; j++) cols[dst + j] = x[s + j * stride]!;
          }
          for (let j = hi; j < lastOut; j++) cols[dst + j] = 0;
          q++;
        }
      }
    }
  }
}

/** One input channel per group: each output channel is a sum of shifted, scaled input planes. */
function depthwise(
  x: FloatArray,
  w: FloatArray,
  y: FloatArray,
  n: number,
  c: number,
  multiplier: number,
  inSpatial: readonly number[],
  output: readonly number[],
  maps: readonly TapMap[],
): void {
  const kk = maps.length;
  const inPlane = product(inSpatial);
  const p = product(output);
  const lastOut = output[output.length - 1]!;
  const outerN = p / lastOut;
  const m = c * multiplier;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < m; oc++) {
      const yBase = (b * m + oc) * p;
      const xBase = (b * c + Math.floor(oc / multiplier)) * inPlane;
      for (let t = 0; t < kk; t++) {
        const wv = w[oc * kk + t]!;
        const { outer, start, stride, lo, hi } = maps[t]!;
        for (let q = 0; q < outerN; q++) {
          const off = outer[q]!;
          if (off < 0) continue;
          const dst = yBase + q * lastOut;
          const src = xBase + off + start;
          for (let j = lo; j < hi; j++) y[dst + j] += wv * x[src + j * stride]!;
        }
      }
    }
  }
}

/** y[n, m, ...] = bias[m]. */
export function fillChannelBias(y: FloatArray, bias: FloatArray, n: number, m: number): void {
  const plane = n * m === 0 ? 0 : y.length / (n * m);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < m; oc++) {
      const base = (b * m + oc) * plane;
      y.fill(bias[oc]!, base, base + plane);
    }
  }
}
