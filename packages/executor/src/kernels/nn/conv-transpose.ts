import { PimcError } from '@pimc/support';
import { ConvTranspose, convTransposeGeometry, sizeOf } from '@pimc/ir';
import { gemm, type FloatArray } from '../../gemm.js';
import { kernel, operand } from '../../kernel.js';
import { fillChannelBias } from './conv.js';
import { bufferLike, floatBuffer, floatData, floatResult, product } from './float.js';
import { tapMaps } from './tap-maps.js';

/**
 * ConvTranspose as GEMM + col2im: per image and group, Wᵀ [M/g·k × C/g] times the input
 * [C/g × P_in] gives every tap's contribution at every input position, which is then scattered
 * (added) to output position p·stride − pad + tap·dilation.
 */
export const convTransposeKernel = kernel(ConvTranspose, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const w = operand(inputs, 1, ctx, 'W');
  const b = inputs[2];
  const xd = floatData(x, ctx, 'X');
  const wd = floatData(w, ctx, 'W');
  if (x.rank < 3 || w.rank !== x.rank) {
    throw new PimcError('shape-mismatch', `ConvTranspose: X [${x.shape.join(', ')}] and W [${w.shape.join(', ')}] do not fit`);
  }
  const [n, c] = x.shape as [number, number];
  const group = attrs.group;
  if (w.shape[0] !== c || c % group !== 0) {
    throw new PimcError('shape-mismatch', `ConvTranspose: X has ${c} channels, W [${w.shape.join(', ')}], group ${group}`);
  }
  const inSpatial = x.shape.slice(2);
  const kernelShape = attrs.kernel_shape.length > 0 ? attrs.kernel_shape : w.shape.slice(2);
  const geometry = convTransposeGeometry(inSpatial, kernelShape, attrs);
  const cg = c / group;
  const mg = w.shape[1]!;
  const m = mg * group;
  const outShape = [n, m, ...geometry.output];
  const y = floatBuffer(x.dtype, sizeOf(outShape));
  // col2im adds onto Y, so the bias can go in first.
  if (b !== undefined) fillChannelBias(y, floatData(b, ctx, 'B'), n, m);
  const kk = product(kernelShape);
  const inPlane = product(inSpatial);
  const outPlane = product(geometry.output);
  const lastIn = inSpatial[inSpatial.length - 1]!;
  const outerN = inPlane / lastIn;
  const maps = tapMaps({
    counts: inSpatial,
    limits: geometry.output,
    kernel: kernelShape,
    strides: geometry.strides,
    dilations: geometry.dilations,
    padsBegin: geometry.padsBegin,
  });
  const cols: FloatArray = bufferLike(xd, mg * kk * inPlane);
  for (let bi = 0; bi < n && inPlane > 0; bi++) {
    for (let gi = 0; gi < group; gi++) {
      gemm(mg * kk, inPlane, cg, wd, gi * cg * mg * kk, xd, (bi * c + gi * cg) * inPlane, cols, 0, { transA: true });
      for (let t = 0; t < kk; t++) {
        const { outer, start, stride, lo, hi } = maps[t]!;
        for (let oc = 0; oc < mg; oc++) {
          const yBase = (bi * m + gi * mg + oc) * outPlane + start;
          const srcBase = (oc * kk + t) * inPlane;
          for (let q = 0; q < outerN; q++) {
            const off = outer[q]!;
            if (off < 0) continue;
            const dst = yBase + off;
            const src = srcBase + q * lastIn;
            for (let j = lo; j < hi; j++) y[dst + j * stride] += cols[src + j]!;
          }
        }
      }
    }
  }
  return [floatResult(x.dtype, outShape, y)];
});
