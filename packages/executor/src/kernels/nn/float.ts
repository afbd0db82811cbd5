import { PimcError } from '@pimc/support';
import { allocate, roundToFloat16, Tensor, type DType, type StaticShape } from '@pimc/ir';
import type { FloatArray } from '../../gemm.js';
import type { KernelContext } from '../../kernel.js';

/**
 * Float storage as the nn kernels compute on it: float32 and float16 tensors both live in a
 * Float32Array (float16 rounded once, when the result is made), float64 in a Float64Array.
 */
export type FloatDType = 'float32' | 'float16' | 'float64';

/** The float storage of `t`, refusing other dtypes with the op and operand named. */
export function floatData(t: Tensor, ctx: KernelContext, name: string): FloatArray {
  if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'float64') {
    throw new PimcError('unsupported-dtype', `${ctx.node.op} computes on float tensors, but ${name} is ${t.dtype}`, {
      location: { node: ctx.node.name, opType: ctx.node.op },
    });
  }
  return t.data as FloatArray;
}

/** Fresh zeroed storage for a float result of `dtype`. */
export function floatBuffer(dtype: DType, n: number): FloatArray {
  return allocate(dtype === 'float64' ? 'float64' : 'float32', n);
}

/** Wraps computed storage as a tensor of `dtype`, rounding to half precision for float16. */
export function floatResult(dtype: DType, shape: StaticShape, data: FloatArray): Tensor {
  if (dtype === 'float16') {
    for (let i = 0; i < data.length; i++) data[i] = roundToFloat16(data[i]!);
  }
  return new Tensor(dtype, shape, data as never);
}

/**
 * Float32 storage whose every element the caller is about to overwrite: large arrays skip
 * the zero-fill of a fresh Float32Array (a memset as large as the array, which for a CNN's
 * activations adds up to milliseconds per inference). Each gets an ArrayBuffer of its own,
 * never a slice of Node's shared Buffer pool.
 */
export function float32ToOverwrite(n: number): Float32Array {
  if (n < 4096) return new Float32Array(n);
  const bytes = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, n);
}

/** Same storage type as `like` (for scratch buffers that meet `like` in a GEMM). */
export function bufferLike(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

export function product(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}
