import { PimcError } from '@pimc/support';
import { allocate, roundToFloat16, type DType, type StorageOf, type TypedArray } from './dtype.js';
import { formatShape, sizeOf, type StaticShape } from './shape.js';

/**
 * An immutable-by-convention dense tensor: a dtype, a static shape and row-major storage. Kernels
 * allocate their outputs and never write into inputs, so tensors can be shared freely (constants
 * in the graph, values in the executor).
 */
export class Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: StaticShape;
  readonly data: StorageOf[D];

  constructor(dtype: D, shape: StaticShape, data: StorageOf[D]) {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new PimcError(
        'invalid-tensor',
        `${dtype} tensor of shape ${formatShape(shape)} needs ${n} elements but has ${data.length}`,
      );
    }
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A zero-filled tensor. */
  static zeros<D extends DType>(dtype: D, shape: StaticShape): Tensor<D> {
    return new Tensor(dtype, shape, allocate(dtype, sizeOf(shape)));
  }

  /** A tensor from plain numbers (rounded to half precision for float16). */
  static from<D extends DType>(dtype: D, shape: StaticShape, values: ArrayLike<number>): Tensor<D> {
    const data = allocate(dtype, values.length);
    if (dtype === 'float16') {
      for (let i = 0; i < values.length; i++) data[i] = roundToFloat16(values[i]!);
    } else {
      (data as TypedArray).set(values as ArrayLike<number>);
    }
    return new Tensor(dtype, shape, data);
  }

  static scalar<D extends DType>(dtype: D, value: number): Tensor<D> {
    return Tensor.from(dtype, [], [value]);
  }

  /** The same data under another shape of equal size (no copy). */
  reshape(shape: StaticShape): Tensor<D> {
    return new Tensor(this.dtype, shape, this.data);
  }

  /** Element values as plain numbers (for shapes, axes and small constants). */
  toNumbers(): number[] {
    return Array.from(this.data as ArrayLike<number>);
  }

  toString(): string {
    const head = this.toNumbers().slice(0, 8);
    return `${this.dtype}${formatShape(this.shape)}{${head.join(', ')}${this.size > 8 ? ', …' : ''}}`;
  }
}

export function isFloatTensor(t: Tensor): t is Tensor<'float32' | 'float16' | 'float64'> {
  return t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'float64';
}
