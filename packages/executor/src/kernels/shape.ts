import { PimcError } from '@pimc/support';
import {
  allocate,
  Concat,
  concatShape,
  ConstantOfShape,
  fillValueType,
  Flatten,
  flattenShape,
  Gather,
  normalizeAxis,
  Pad,
  padAmounts,
  padShape,
  Reshape,
  reshapeShape,
  resolveSlice,
  ShapeOp,
  shapeRange,
  sizeOf,
  Slice,
  sliceRequests,
  Split,
  splitSizes,
  Squeeze,
  squeezeShape,
  stridesOf,
  Tensor,
  Transpose,
  transposePerm,
  Unsqueeze,
  unsqueezeShape,
  type PadMode,
  type StaticShape,
  type TypedArray,
} from '@pimc/ir';
import { kernel, operand, type Kernel } from '../kernel.js';

/**
 * Data-movement kernels. Output shapes come from the same helpers as shape inference. Copies run
 * over contiguous inner runs (typed-array `set` for long ones) rather than per-element index
 * arithmetic, since these ops move whole activations.
 */

/** Below this length a plain loop beats `subarray` + `set`. */
const SHORT_RUN = 64;

function copyRun(src: TypedArray, from: number, dst: TypedArray, to: number, n: number): void {
  if (n >= SHORT_RUN) {
    dst.set(src.subarray(from, from + n), to);
  } else {
    for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
  }
}

/**
 * Writes the strided view (offset, strides, shape) of `src` into `dst` in row-major order. Size-1
 * dims are dropped and dims that are contiguous with their inner neighbour merged first, so a view
 * that is plain memory becomes one copy and a transpose keeps its longest possible inner runs.
 */
function copyView(src: TypedArray, offset: number, strides: readonly number[], shape: readonly number[], dst: TypedArray): void {
  const dims: number[] = [];
  const steps: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return;
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && steps[last] === strides[i]! * shape[i]!) {
      dims[last] = dims[last]! * shape[i]!;
      steps[last] = strides[i]!;
    } else {
      dims.push(shape[i]!);
      steps.push(strides[i]!);
    }
  }
  if (dims.length === 0) {
    dst[0] = src[offset]!;
    return;
  }
  const rank = dims.length;
  const inner = dims[rank - 1]!;
  const innerStep = steps[rank - 1]!;
  const total = dst.length;
  const index = new Array<number>(rank).fill(0);
  let p = offset;
  for (let o = 0; o < total; o += inner) {
    if (innerStep === 1) copyRun(src, p, dst, o, inner);
    else for (let j = 0, q = p; j < inner; j++, q += innerStep) dst[o + j] = src[q]!;
    // Odometer over the outer dims.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      p += steps[d]!;
      if (index[d]! < dims[d]!) break;
      p -= steps[d]! * dims[d]!;
      index[d] = 0;
    }
  }
}

/** A new tensor of `x`'s dtype holding the view (offset, strides, shape) of its data. */
function materialize(x: Tensor, offset: number, strides: readonly number[], shape: StaticShape): Tensor {
  const out = allocate(x.dtype, sizeOf(shape)) as TypedArray;
  copyView(x.data as TypedArray, offset, strides, shape, out);
  return new Tensor(x.dtype, shape, out as never);
}

const ints = (t: Tensor | undefined): number[] | undefined => t?.toNumbers();

/** Element count before, at and after `axis`, for ops that treat a tensor as [outer, axis, inner]. */
function around(shape: StaticShape, axis: number): { outer: number; dim: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, dim: shape[axis]!, inner };
}

const asStatic = (dims: readonly (number | string)[]): number[] => dims as number[];

// -------------------------------------------------------------------------------------------------
// Views: the data is shared, only the shape changes.

const reshapeKernel = kernel(Reshape, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  const target = operand(inputs, 1, ctx, 'shape').toNumbers();
  return [x.reshape(asStatic(reshapeShape(x.shape, target, attrs.allowzero !== 0)))];
});

const flattenKernel = kernel(Flatten, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'input');
  return [x.reshape(asStatic(flattenShape(x.shape, attrs.axis)))];
});

const squeezeKernel = kernel(Squeeze, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  return [x.reshape(asStatic(squeezeShape(x.shape, ints(inputs[1]))!))];
});

const unsqueezeKernel = kernel(Unsqueeze, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  return [x.reshape(asStatic(unsqueezeShape(x.shape, operand(inputs, 1, ctx, 'axes').toNumbers())))];
});

// -------------------------------------------------------------------------------------------------
// Copies

const transposeKernel = kernel(Transpose, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  const perm = transposePerm(x.rank, attrs.perm);
  const strides = stridesOf(x.shape);
  return [
    materialize(
      x,
      0,
      perm.map((p) => strides[p]!),
      perm.map((p) => x.shape[p]!),
    ),
  ];
});

const sliceKernel = kernel(Slice, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  const requests = sliceRequests(
    x.rank,
    operand(inputs, 1, ctx, 'starts').toNumbers(),
    operand(inputs, 2, ctx, 'ends').toNumbers(),
    ints(inputs[3]),
    ints(inputs[4]),
  );
  const strides = stridesOf(x.shape);
  const viewStrides = [...strides];
  const shape = [...x.shape];
  let offset = 0;
  for (const r of requests) {
    const range = resolveSlice(x.shape[r.axis]!, r);
    offset += range.start * strides[r.axis]!;
    viewStrides[r.axis] = strides[r.axis]! * range.step;
    shape[r.axis] = range.count;
  }
  return [materialize(x, offset, viewStrides, shape)];
});

const concatKernel = kernel(Concat, (inputs, attrs) => {
  const xs = inputs.filter((t): t is Tensor => t !== undefined);
  const outShape = asStatic(
    concatShape(
      xs.map((t) => t.shape),
      attrs.axis,
    ),
  );
  const axis = normalizeAxis(attrs.axis, outShape.length, 'Concat');
  const { outer, dim, inner } = around(outShape, axis);
  const row = dim * inner;
  const out = allocate(xs[0]!.dtype, sizeOf(outShape)) as TypedArray;
  let at = 0;
  for (const x of xs) {
    const block = x.shape[axis]! * inner;
    const src = x.data as TypedArray;
    for (let o = 0; o < outer; o++) copyRun(src, o * block, out, o * row + at, block);
    at += block;
  }
  return [new Tensor(xs[0]!.dtype, outShape, out as never)];
});

const splitKernel = kernel(Split, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'input');
  const axis = normalizeAxis(attrs.axis, x.rank, 'Split');
  const { outer, dim, inner } = around(x.shape, axis);
  const sizes = splitSizes(dim, ctx.node.outputs.length, ints(inputs[1]));
  const src = x.data as TypedArray;
  const row = dim * inner;
  let at = 0;
  return sizes.map((size) => {
    const shape = x.shape.map((d, i) => (i === axis ? size : d));
    const block = size * inner;
    const out = allocate(x.dtype, outer * block) as TypedArray;
    for (let o = 0; o < outer; o++) copyRun(src, o * row + at, out, o * block, block);
    at += block;
    return new Tensor(x.dtype, shape, out as never);
  });
});

const gatherKernel = kernel(Gather, (inputs, attrs, ctx) => {
  const data = operand(inputs, 0, ctx, 'data');
  const indices = operand(inputs, 1, ctx, 'indices');
  const axis = normalizeAxis(attrs.axis, data.rank, 'Gather');
  const { outer, dim, inner } = around(data.shape, axis);
  const idx = indices.toNumbers().map((i) => {
    if (!Number.isInteger(i) || i < -dim || i >= dim) {
      throw new PimcError('invalid-input', `Gather: index ${i} is out of range for axis ${axis} of size ${dim}`);
    }
    return i < 0 ? i + dim : i;
  });
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  const out = allocate(data.dtype, sizeOf(shape)) as TypedArray;
  const src = data.data as TypedArray;
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) copyRun(src, (o * dim + idx[j]!) * inner, out, (o * n + j) * inner, inner);
  }
  return [new Tensor(data.dtype, shape, out as never)];
});

// -------------------------------------------------------------------------------------------------
// Pad

/**
 * For each output position along an axis, the input position it copies, or -1 for the constant.
 * Reflect mirrors without repeating the edge, wrap is periodic, edge clamps.
 */
function padSourceMap(dim: number, begin: number, outDim: number, mode: PadMode, axis: number): Int32Array {
  const map = new Int32Array(outDim);
  if (dim === 0 && outDim > 0 && mode !== 'constant') {
    throw new PimcError('invalid-input', `Pad: ${mode} mode cannot pad axis ${axis}, which is empty`);
  }
  const period = 2 * (dim - 1);
  for (let o = 0; o < outDim; o++) {
    const i = o - begin;
    if (i >= 0 && i < dim) map[o] = i;
    else if (mode === 'constant') map[o] = -1;
    else if (mode === 'edge') map[o] = i < 0 ? 0 : dim - 1;
    else if (mode === 'wrap') map[o] = ((i % dim) + dim) % dim;
    else if (dim === 1) map[o] = 0;
    else {
      const m = ((i % period) + period) % period;
      map[o] = m < dim ? m : period - m;
    }
  }
  return map;
}

const padKernel = kernel(Pad, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  const pads = operand(inputs, 1, ctx, 'pads').toNumbers();
  const { begin, end } = padAmounts(x.rank, pads, ints(inputs[3]));
  const shape = asStatic(padShape(x.shape, begin, end));
  const fill = inputs[2] === undefined || inputs[2].size === 0 ? 0 : (inputs[2].data as TypedArray)[0]!;
  const out = allocate(x.dtype, sizeOf(shape)) as TypedArray;
  if (x.rank === 0) {
    out[0] = (x.data as TypedArray)[0]!;
    return [new Tensor(x.dtype, shape, out as never)];
  }
  if (attrs.mode === 'constant' && fill !== 0) out.fill(fill);
  if (out.length === 0) return [new Tensor(x.dtype, shape, out as never)];

  const rank = x.rank;
  const maps = shape.map((d, a) => padSourceMap(x.shape[a]!, begin[a]!, d, attrs.mode, a));
  const strides = stridesOf(x.shape);
  const src = x.data as TypedArray;
  const width = shape[rank - 1]!;
  const inner = maps[rank - 1]!;
  // The stretch of a row copied straight from the input row (the rest is padding).
  const lo = Math.max(0, begin[rank - 1]!);
  const hi = Math.min(width, begin[rank - 1]! + x.shape[rank - 1]!);
  const index = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < out.length; o += width) {
    let from = 0;
    let constant = false;
    for (let a = 0; a < rank - 1; a++) {
      const s = maps[a]![index[a]!]!;
      if (s < 0) constant = true;
      from += s * strides[a]!;
    }
    if (!constant) {
      for (let j = 0; j < lo; j++) if (inner[j]! >= 0) out[o + j] = src[from + inner[j]!]!;
      if (hi > lo) copyRun(src, from + inner[lo]!, out, o + lo, hi - lo);
      for (let j = Math.max(hi, lo); j < width; j++) if (inner[j]! >= 0) out[o + j] = src[from + inner[j]!]!;
    }
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return [new Tensor(x.dtype, shape, out as never)];
});

// -------------------------------------------------------------------------------------------------
// Shape, ConstantOfShape

const shapeKernel = kernel(ShapeOp, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  const [s, e] = shapeRange(x.rank, attrs.start, attrs.end);
  return [Tensor.from('int64', [e - s], x.shape.slice(s, e))];
});

const constantOfShapeKernel = kernel(ConstantOfShape, (inputs, attrs, ctx) => {
  const dims = operand(inputs, 0, ctx, 'input').toNumbers();
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new PimcError('invalid-input', `ConstantOfShape: [${dims.join(', ')}] is not a shape`);
  }
  const dtype = fillValueType(attrs.value);
  const out = allocate(dtype, sizeOf(dims)) as TypedArray;
  const v = attrs.value === undefined ? 0 : (attrs.value.data as TypedArray)[0]!;
  if (v !== 0) out.fill(v);
  return [new Tensor(dtype, dims, out as never)];
});

export const shapeKernels: readonly Kernel[] = [
  reshapeKernel,
  flattenKernel,
  transposeKernel,
  squeezeKernel,
  unsqueezeKernel,
  concatKernel,
  splitKernel,
  sliceKernel,
  gatherKernel,
  padKernel,
  shapeKernel,
  constantOfShapeKernel,
];
