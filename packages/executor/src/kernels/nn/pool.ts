import { smaxpool2d } from '@pimc/kernels';
import {
  allocate,
  AveragePool,
  GlobalAveragePool,
  GlobalMaxPool,
  MaxPool,
  poolGeometry,
  sizeOf,
  Tensor,
  type TypedArray,
  type WindowGeometry,
} from '@pimc/ir';
import { kernel, operand, type KernelContext } from '../../kernel.js';
import { float32ToOverwrite, floatBuffer, floatData, floatResult, product } from './float.js';
import { tapMaps, type WindowSpec } from './tap-maps.js';

function windowSpec(inSpatial: readonly number[], g: WindowGeometry): WindowSpec {
  return {
    counts: g.output,
    limits: inSpatial,
    kernel: g.kernel,
    strides: g.strides,
    dilations: g.dilations,
    padsBegin: g.pads.slice(0, inSpatial.length),
  };
}

/**
 * MaxPool, tap-major: every output starts at −∞ and each kernel tap raises it. Taps run in window
 * order with a strict comparison, so Indices name the first maximum, as onnxruntime does. Indices
 * are flat offsets into X, spatial axes row-major (storage_order 0) or column-major (1).
 */
export const maxPoolKernel = kernel(MaxPool, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const g = poolGeometry(x.shape, attrs, 'MaxPool');
  const inSpatial = x.shape.slice(2);
  const planes = x.shape[0]! * x.shape[1]!;
  const inPlane = product(inSpatial);
  const outPlane = product(g.output);
  const outShape = [x.shape[0]!, x.shape[1]!, ...g.output];
  const isFloat = x.dtype === 'float32' || x.dtype === 'float16' || x.dtype === 'float64';
  const wantIndices = ctx.node.outputs.length > 1;
  if (x.dtype === 'float32' && inSpatial.length === 2 && !wantIndices) {
    // A CNN's stem pooling: WebAssembly SIMD, branch-free where the loop below mispredicts.
    const y = float32ToOverwrite(planes * outPlane);
    smaxpool2d(
      {
        planes,
        inHeight: inSpatial[0]!,
        inWidth: inSpatial[1]!,
        kernelHeight: g.kernel[0]!,
        kernelWidth: g.kernel[1]!,
        outHeight: g.output[0]!,
        outWidth: g.output[1]!,
        strideH: g.strides[0]!,
        strideW: g.strides[1]!,
        dilationH: g.dilations[0]!,
        dilationW: g.dilations[1]!,
        padTop: g.pads[0]!,
        padLeft: g.pads[1]!,
      },
      x.data as Float32Array,
      y,
    );
    return [new Tensor('float32', outShape, y)];
  }
  const xd = x.data as TypedArray;
  const acc = isFloat ? floatBuffer(x.dtype, planes * outPlane) : new Float64Array(planes * outPlane);
  acc.fill(-Infinity);
  const indices = wantIndices ? new Float64Array(planes * outPlane) : undefined;
  const spec = windowSpec(inSpatial, g);
  const maps = tapMaps(spec);
  const columnMajor = attrs.storage_order !== 0;
  const indexMaps = columnMajor && wantIndices ? tapMaps(spec, columnMajorStrides(inSpatial)) : maps;
  const lastIndexStride = columnMajor ? product(inSpatial.slice(0, -1)) : 1;
  const lastOut = g.output[g.output.length - 1]!;
  const outerN = lastOut === 0 ? 0 : outPlane / lastOut;
  for (let pc = 0; pc < planes; pc++) {
    const xBase = pc * inPlane;
    const yBase = pc * outPlane;
    maps.forEach(({ outer, start, stride, lo, hi }, t) => {
      const indexOuter = indexMaps[t]!.outer;
      for (let q = 0; q < outerN; q++) {
        const off = outer[q]!;
        if (off < 0) continue;
        const dst = yBase + q * lastOut;
        const src = xBase + off + start;
        if (indices === undefined) {
          for (let j = lo; j < hi; j++) {
            const v = xd[src + j * stride]!;
            if (v > acc[dst + j]!) acc[dst + j] = v;
          }
        } else {
          const indexBase = xBase + indexOuter[q]! + start * lastIndexStride;
          for (let j = lo; j < hi; j++) {
            const v = xd[src + j * stride]!;
            if (v > acc[dst + j]!) {
              acc[dst + j] = v;
              indices[dst + j] = indexBase + j * stride * lastIndexStride;
            }
          }
        }
      }
    });
  }
  let y: Tensor;
  if (isFloat) {
    y = floatResult(x.dtype, outShape, acc as Float32Array | Float64Array);
  } else {
    const data = allocate(x.dtype, acc.length) as TypedArray;
    data.set(acc);
    y = new Tensor(x.dtype, outShape, data as never);
  }
  return indices === undefined ? [y] : [y, new Tensor('int64', outShape, indices)];
});

function columnMajorStrides(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  return strides;
}

/**
 * AveragePool: window sums, tap-major, divided by the number of taps inside the input
 * (count_include_pad = 0) or inside the explicitly padded input (1). The extra positions ceil_mode
 * adds past the end padding never count. Windows are boxes, so that count is a product of per-axis
 * counts.
 */
export const averagePoolKernel = kernel(AveragePool, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const xd = floatData(x, ctx, 'X');
  const g = poolGeometry(x.shape, attrs, 'AveragePool');
  const inSpatial = x.shape.slice(2);
  const planes = x.shape[0]! * x.shape[1]!;
  const inPlane = product(inSpatial);
  const outPlane = product(g.output);
  const outShape = [x.shape[0]!, x.shape[1]!, ...g.output];
  const y = floatBuffer(x.dtype, sizeOf(outShape));
  const maps = tapMaps(windowSpec(inSpatial, g));
  const lastOut = g.output[g.output.length - 1]!;
  const outerN = lastOut === 0 ? 0 : outPlane / lastOut;
  for (let pc = 0; pc < planes; pc++) {
    const xBase = pc * inPlane;
    const yBase = pc * outPlane;
    for (const { outer, start, stride, lo, hi } of maps) {
      for (let q = 0; q < outerN; q++) {
        const off = outer[q]!;
        if (off < 0) continue;
        const dst = yBase + q * lastOut;
        const src = xBase + off + start;
        for (let j = lo; j < hi; j++) y[dst + j] += xd[src + j * stride]!;
      }
    }
  }
  const divisor = windowCounts(inSpatial, g, attrs.count_include_pad !== 0);
  for (let pc = 0; pc < planes; pc++) {
    const base = pc * outPlane;
    for (let i = 0; i < outPlane; i++) y[base + i] /= divisor[i]!;
  }
  return [floatResult(x.dtype, outShape, y)];
});

/** Taps of each output window that fall inside the input (or the padded input), per position. */
function windowCounts(inSpatial: readonly number[], g: WindowGeometry, includePad: boolean): Float64Array {
  const r = inSpatial.length;
  const perAxis = inSpatial.map((size, d) => {
    const low = includePad ? -g.pads[d]! : 0;
    const high = includePad ? size + g.pads[d + r]! : size;
    const counts = new Float64Array(g.output[d]!);
    for (let o = 0; o < counts.length; o++) {
      let n = 0;
      for (let k = 0; k < g.kernel[d]!; k++) {
        const coord = o * g.strides[d]! - g.pads[d]! + k * g.dilations[d]!;
        if (coord >= low && coord < high) n++;
      }
      counts[o] = n;
    }
    return counts;
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

function globalPool(max: boolean, inputs: readonly (Tensor | undefined)[], ctx: KernelContext): Tensor[] {
  const x = operand(inputs, 0, ctx, 'X');
  const xd = floatData(x, ctx, 'X');
  const planes = x.shape[0]! * x.shape[1]!;
  const plane = planes === 0 ? 0 : x.size / planes;
  const y = floatBuffer(x.dtype, planes);
  for (let pc = 0; pc < planes; pc++) {
    const base = pc * plane;
    let acc = max ? -Infinity : 0;
    if (max) for (let i = base; i < base + plane; i++) acc = Math.max(acc, xd[i]!);
    else for (let i = base; i < base + plane; i++) acc += xd[i]!;
    y[pc] = max ? acc : acc / plane;
  }
  return [floatResult(x.dtype, [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)], y)];
}

export const globalAveragePoolKernel = kernel(GlobalAveragePool, (inputs, _attrs, ctx) => globalPool(false, inputs, ctx));
export const globalMaxPoolKernel = kernel(GlobalMaxPool, (inputs, _attrs, ctx) => globalPool(true, inputs, ctx));
