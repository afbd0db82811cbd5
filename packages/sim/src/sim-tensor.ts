import { PimcError } from '@pimc/support';
import type { ElementType } from '@pimc/isa';

/** Storage of a tensor by element type: u8 → Uint8Array, i8 → Int8Array, i32 → Int32Array, f32 → Float32Array. */
export type SimData = Uint8Array | Int8Array | Int32Array | Float32Array;

/** A tensor as the simulator reads and writes it: row-major data of `type` in `shape`. */
export interface SimTensor {
  readonly type: ElementType;
  readonly shape: readonly number[];
  readonly data: SimData;
}

export type IntegerType = Exclude<ElementType, 'f32'>;

/** The integer range of an integer element type. */
export function integerRange(type: IntegerType): readonly [number, number] {
  switch (type) {
    case 'u8':
      return [0, 255];
    case 'i8':
      return [-128, 127];
    case 'i32':
      return [-(2 ** 31), 2 ** 31 - 1];
  }
}

/** Zero-filled storage for `size` elements of `type`. */
export function allocate(type: ElementType, size: number): SimData {
  switch (type) {
    case 'u8':
      return new Uint8Array(size);
    case 'i8':
      return new Int8Array(size);
    case 'i32':
      return new Int32Array(size);
    case 'f32':
      return new Float32Array(size);
  }
}

/** True when `data` is the storage `type` uses. */
export function storageMatches(type: ElementType, data: SimData): boolean {
  switch (type) {
    case 'u8':
      return data instanceof Uint8Array;
    case 'i8':
      return data instanceof Int8Array;
    case 'i32':
      return data instanceof Int32Array;
    case 'f32':
      return data instanceof Float32Array;
  }
}

/** Bytes of one element. */
export function elementBytes(type: ElementType): number {
  return type === 'u8' || type === 'i8' ? 1 : 4;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The integer view of a tensor, or an error naming the instruction that wanted one. */
export function requireInteger(t: SimTensor, what: string): Exclude<SimData, Float32Array> {
  if (t.type === 'f32') throw new PimcError('invalid-input', `${what}: expects an integer tensor, got f32`);
  return t.data as Exclude<SimData, Float32Array>;
}

export function requireFloat(t: SimTensor, what: string): Float32Array {
  if (t.type !== 'f32') throw new PimcError('invalid-input', `${what}: expects an f32 tensor, got ${t.type}`);
  return t.data as Float32Array;
}
