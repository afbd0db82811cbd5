import { PimcError } from '@pimc/support';
import { allocate, Gemm, gemmDims, MatMul, matmulShapes, sizeOf, stridesOf, Tensor, type TypedArray } from '@pimc/ir';
import { broadcastStrides } from '../../broadcast.js';
import { gemm, type FloatArray } from '../../gemm.js';
import { kernel, operand } from '../../kernel.js';
import { floatBuffer, floatData, floatResult, product } from './float.js';

/** Gemm: alpha · op(A) · op(B) + beta · C, the product by GEMM and the rest in one pass. */
export const gemmKernel = kernel(Gemm, (inputs, attrs, ctx) => {
  const a = operand(inputs, 0, ctx, 'A');
  const b = operand(inputs, 1, ctx, 'B');
  const c = inputs[2];
  const dims = gemmDims(a.shape, b.shape, attrs) as { m: number; n: number; k: number };
  const { m, n, k } = dims;
  const ad = floatData(a, ctx, 'A');
  const bd = floatData(b, ctx, 'B');
  const y = floatBuffer(a.dtype, m * n);
  gemm(m, n, k, ad, 0, bd, 0, y, 0, {
    transA: attrs.transA !== 0,
    transB: attrs.transB !== 0,
    // Initializers are immutable for the graph's lifetime, so they may stay resident.
    constantA: ctx.node.inputs[0]?.constant !== undefined,
    constantB: ctx.node.inputs[1]?.constant !== undefined,
  });
  const alpha = attrs.alpha;
  if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] *= alpha;
  if (c !== undefined && attrs.beta !== 0) addScaledBroadcast(y, m, n, floatData(c, ctx, 'C'), c.shape, attrs.beta);
  return [floatResult(a.dtype, [m, n], y)];
});

/** y[i, j] += beta · c[i, j], c broadcast (unidirectionally) to [m, n]. */
function addScaledBroadcast(y: FloatArray, m: number, n: number, c: FloatArray, shape: readonly number[], beta: number): void {
  if (shape.length > 2 || shape.some((d, i) => d !== 1 && d !== [m, n][i + 2 - shape.length])) {
    throw new PimcError('shape-mismatch', `Gemm: C [${shape.join(', ')}] does not broadcast to [${m}, ${n}]`);
  }
  const [si, sj] = broadcastStrides(shape, [m, n]) as [number, number];
  for (let i = 0; i < m; i++) {
    const row = i * n;
    const cRow = i * si;
    for (let j = 0; j < n; j++) y[row + j] += beta * c[cRow + j * sj]!;
  }
}

/**
 * MatMul with numpy semantics. Float operands go through GEMM per batch entry; when B is one matrix
 * shared by every batch entry, the batch folds into M and a single GEMM does it all. Integer
 * operands are multiplied exactly in float64 (sums below 2^53) and stored back.
 */
export const matmulKernel = kernel(MatMul, (inputs, _attrs, ctx) => {
  const a = operand(inputs, 0, ctx, 'A');
  const b = operand(inputs, 1, ctx, 'B');
  const s = matmulShapes(a.shape, b.shape);
  const isFloat = a.dtype === 'float32' || a.dtype === 'float16' || a.dtype === 'float64';
  const ad = isFloat ? floatData(a, ctx, 'A') : Float64Array.from(a.data as TypedArray);
  const bd = isFloat ? floatData(b, ctx, 'B') : Float64Array.from(b.data as TypedArray);
  const outSize = sizeOf(s.out);
  const y = isFloat ? floatBuffer(a.dtype, outSize) : new Float64Array(outSize);
  batchedProduct(ad, bd, y, s.m, s.n, s.k, s.batch, s.batchA, s.batchB);
  if (isFloat) return [floatResult(a.dtype, s.out, y)];
  const out = allocate(a.dtype, outSize) as TypedArray;
  out.set(y);
  return [new Tensor(a.dtype, s.out, out as never)];
});

function batchedProduct(
  a: FloatArray,
  b: FloatArray,
  y: FloatArray,
  m: number,
  n: number,
  k: number,
  batch: readonly number[],
  batchA: readonly number[],
  batchB: readonly number[],
): void {
  const count = product(batch);
  if (count === 0 || m * n === 0) return;
  if (batchB.every((d) => d === 1) && batchA.every((d, i) => d === batch[i])) {
    gemm(count * m, n, k, a, 0, b, 0, y, 0);
    return;
  }
  const sa = broadcastStrides(batchA, batch);
  const sb = broadcastStrides(batchB, batch);
  const outStrides = stridesOf(batch);
  for (let i = 0; i < count; i++) {
    let oa = 0;
    let ob = 0;
    let rest = i;
    for (let d = 0; d < batch.length; d++) {
      const idx = Math.floor(rest / outStrides[d]!);
      rest -= idx * outStrides[d]!;
      oa += idx * sa[d]!;
      ob += idx * sb[d]!;
    }
    gemm(m, n, k, a, oa * m * k, b, ob * k * n, y, i * m * n);
  }
}
