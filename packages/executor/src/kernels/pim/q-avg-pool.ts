import { allocate, integerRange, pimAvgPoolWindow, PimQAvgPool, Tensor, type TypedArray, type WindowGeometry } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { product } from '../nn/float.js';
import { tapMaps } from '../nn/tap-maps.js';
import { clamp } from './fixed-point.js';

/**
 * PimQAvgPool: per window, the exact integer sum S of (x − zp) over the taps inside the input and
 * the divisor n of AveragePool (taps inside the input, or inside the explicitly padded input with
 * count_include_pad; padded taps add x − zp = 0), then `y = zp + ⌊(2S + n) / (2n)⌋`: the mean
 * rounded half up. Input and output share scale and zero point. An empty kernel_shape pools every
 * spatial position (GlobalAveragePool).
 */
export const qavgPoolKernel = kernel(PimQAvgPool, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const xd = x.data as TypedArray;
  const zp = attrs.zero_point;
  const [lo, hi] = integerRange(x.dtype);
  const planes = x.shape[0]! * x.shape[1]!;
  const inSpatial = x.shape.slice(2);
  const inPlane = product(inSpatial);
  const roundedMean = (sum: number, count: number) => clamp(zp + Math.floor((2 * sum + count) / (2 * count)), lo, hi);
  if (attrs.kernel_shape.length === 0) {
    const out = allocate(x.dtype, planes) as TypedArray;
    for (let pc = 0; pc < planes; pc++) {
      let sum = 0;
      for (let i = pc * inPlane; i < (pc + 1) * inPlane; i++) sum += xd[i]! - zp;
      out[pc] = roundedMean(sum, inPlane);
    }
    return [new Tensor(x.dtype, [x.shape[0]!, x.shape[1]!, ...inSpatial.map(() => 1)], out as never)];
  }
  const g = pimAvgPoolWindow(inSpatial, attrs);
  const outPlane = product(g.output);
  const sums = new Float64Array(planes * outPlane);
  const maps = tapMaps({
    counts: g.output,
    limits: inSpatial,
    kernel: g.kernel,
    strides: g.strides,
    dilations: g.dilations,
    padsBegin: g.pads.slice(0, inSpatial.length),
  });
  const lastOut = g.output[g.output.length - 1]!;
  const outerN = lastOut === 0 ? 0 : outPlane / lastOut;
  for (let pc = 0; pc < planes; pc++) {
    for (const { outer, start, stride, lo: jlo, hi: jhi } of maps) {
      for (let q = 0; q < outerN; q++) {
        const off = outer[q]!;
        if (off < 0) continue;
        const dst = pc * outPlane + q * lastOut;
        const src = pc * inPlane + off + start;
        for (let j = jlo; j < jhi; j++) sums[dst + j]! += xd[src + j * stride]! - zp;
      }
    }
  }
  const counts = windowCounts(inSpatial, g, attrs.count_include_pad !== 0);
  const out = allocate(x.dtype, sums.length) as TypedArray;
  for (let i = 0; i < sums.length; i++) out[i] = roundedMean(sums[i]!, counts[i % outPlane]!);
  return [new Tensor(x.dtype, [x.shape[0]!, x.shape[1]!, ...g.output], out as never)];
});

/**
 * AveragePool's divisor per output position: taps inside the input, or inside the explicitly padded
 * input (count_include_pad); positions ceil_mode adds past the end padding never count. Windows are
 * boxes, so the count is a product of per-axis counts.
 */
function windowCounts(inSpatial: readonly number[], g: WindowGeometry, includePad: boolean): Float64Array {
  const r = inSpatial.length;
  const perAxis = inSpatial.map((size, d) => {
    const low = includePad ? -g.pads[d]! : 0;
    const high = includePad ? size + g.pads[d + r]! : size;
    return Array.from({ length: g.output[d]! }, (_, o) => {
      let n = 0;
      for (let k = 0; k < g.kernel[d]!; k++) {
        const coord = o * g.strides[d]! - g.pads[d]! + k * g.dilations[d]!;
        if (coord >= low && coord < high) n++;
      }
      return n;
    });
  });
  const total = product(g.output);
  const out = new Float64Array(total);
  const index = new Array<number>(r).fill(0);
  for (let i = 0; i < total; i++) {
    let v = 1;
    for (let d = 0; d < r; d++) v *= perAxis[d]![index[d]!]!;
    out[i] = v;
    for (let d = r - 1; d >= 0; d--) {
      if (++index[d]! < g.output[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
