import { allocate, broadcastShapes, sizeOf, stridesOf, Tensor, type DType, type StaticShape, type TypedArray } from '@pimc/ir';

/**
 * Strides of `shape` seen through a broadcast to `outShape`: 0 along every broadcast dimension, so
 * one index walk serves all operands.
 */
export function broadcastStrides(shape: StaticShape, outShape: StaticShape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const d = i - offset;
    return d < 0 || shape[d] === 1 ? 0 : own[d]!;
  });
}

/**
 * Applies `f` element-wise over broadcast operands into a new tensor of `dtype`. Same-shape and
 * scalar operands take a flat loop; everything else walks the output with per-operand strides.
 */
export function mapBroadcast(operands: readonly Tensor[], dtype: DType, f: (values: number[]) => number, what: string): Tensor {
  const outShape = broadcastShapes(
    operands.map((t) => t.shape),
    what,
  ) as number[];
  const n = sizeOf(outShape);
  const out = allocate(dtype, n) as TypedArray;
  const datas = operands.map((t) => t.data as TypedArray);
  const values = new Array<number>(operands.length);
  if (operands.every((t) => t.size === n || t.size === 1)) {
    const scalar = operands.map((t) => t.size === 1 && n !== 1);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < datas.length; k++) values[k] = datas[k]![scalar[k] ? 0 : i]!;
      out[i] = f(values);
    }
    return new Tensor(dtype, outShape, out as never);
  }
  const strides = operands.map((t) => broadcastStrides(t.shape, outShape));
  const rank = outShape.length;
  const index = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(operands.length).fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < datas.length; k++) values[k] = datas[k]![offsets[k]!]!;
    out[i] = f(values);
    // Odometer increment of the output index, moving every operand's offset along.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      for (let k = 0; k < strides.length; k++) offsets[k]! += strides[k]![d]!;
      if (index[d]! < outShape[d]!) break;
      for (let k = 0; k < strides.length; k++) offsets[k]! -= strides[k]![d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return new Tensor(dtype, outShape, out as never);
}

/**
 * Binary element-wise op with a specialised inner loop: the generic path above pays for an array
 * per element, which matters for the bias and residual adds of real networks.
 */
export function binaryBroadcast(a: Tensor, b: Tensor, dtype: DType, f: (x: number, y: number) => number, what: string): Tensor {
  const outShape = broadcastShapes([a.shape, b.shape], what) as number[];
  const n = sizeOf(outShape);
  const out = allocate(dtype, n) as TypedArray;
  const x = a.data as TypedArray;
  const y = b.data as TypedArray;
  if (a.size === n && b.size === n) {
    for (let i = 0; i < n; i++) out[i] = f(x[i]!, y[i]!);
  } else if (b.size === 1) {
    const v = y[0]!;
    for (let i = 0; i < n; i++) out[i] = f(x[i % x.length]!, v);
  } else if (a.size === 1) {
    const v = x[0]!;
    for (let i = 0; i < n; i++) out[i] = f(v, y[i % y.length]!);
  } else {
    const sa = broadcastStrides(a.shape, outShape);
    const sb = broadcastStrides(b.shape, outShape);
    const rank = outShape.length;
    // Walk all but the innermost dimension with an odometer; run the innermost as a tight loop.
    const inner = rank === 0 ? 1 : outShape[rank - 1]!;
    const ia = rank === 0 ? 0 : sa[rank - 1]!;
    const ib = rank === 0 ? 0 : sb[rank - 1]!;
    const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
    let oa = 0;
    let ob = 0;
    for (let base = 0; base < n; base += inner) {
      for (let j = 0, pa = oa, pb = ob; j < inner; j++, pa += ia, pb += ib) out[base + j] = f(x[pa]!, y[pb]!);
      for (let d = rank - 2; d >= 0; d--) {
        index[d]!++;
        oa += sa[d]!;
        ob += sb[d]!;
        if (index[d]! < outShape[d]!) break;
        oa -= sa[d]! * outShape[d]!;
        ob -= sb[d]! * outShape[d]!;
        index[d] = 0;
      }
    }
  }
  return new Tensor(dtype, outShape, out as never);
}
