import { kernels, memoryView, workspace } from './wasm.js';

/**
 * Floats per chunk: operands are copied into WebAssembly memory, transformed and copied back
 * a chunk at a time, so they stay in cache between the three steps and the workspace stays
 * small whatever the tensor size.
 */
const CHUNK = 16384;

/** Element-wise binary operations of sbinary and sfold (the codes of assembly/elementwise.ts). */
export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div';
const OP_CODES: Record<BinaryOpName, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/**
 * y[i] = x[i] < 0 ? 0 : x[i] over float32 arrays of one length (NaN and −0 pass through), on
 * WebAssembly SIMD. y may be x.
 */
export function srelu(x: Float32Array, y: Float32Array): void {
  checkLengths('srelu', [x], y);
  const k = kernels();
  const at = workspace(CHUNK);
  const heap = memoryView();
  for (let i = 0; i < y.length; i += CHUNK) {
    const n = Math.min(CHUNK, y.length - i);
    heap.set(x.subarray(i, i + n), at / 4);
    k.reluF32(at, at, n);
    y.set(heap.subarray(at / 4, at / 4 + n), i);
  }
}

/**
 * y[i] = a[i] ∘ b[i] over float32 arrays of one length, in IEEE single precision (bitwise what
 * computing in double and storing to a Float32Array gives), on WebAssembly SIMD. y may be a or b.
 */
export function sbinary(op: BinaryOpName, a: Float32Array, b: Float32Array, y: Float32Array): void {
  sfold(op, [a, b], y);
}

/**
 * y = (…((x₀ ∘ x₁) ∘ x₂) … ∘ xₙ₋₁) element-wise over two or more float32 arrays of one length,
 * rounding to float32 after each step (a variadic Sum is a fold of add). y may be any xᵢ.
 */
export function sfold(op: BinaryOpName, xs: readonly Float32Array[], y: Float32Array): void {
  if (xs.length < 2) throw new RangeError(`sfold: needs at least two operands, got ${xs.length}`);
  checkLengths('sfold', xs, y);
  const code = OP_CODES[op];
  const k = kernels();
  const acc = workspace(2 * CHUNK);
  const operand = acc + CHUNK * 4;
  const heap = memoryView();
  for (let i = 0; i < y.length; i += CHUNK) {
    const n = Math.min(CHUNK, y.length - i);
    heap.set(xs[0]!.subarray(i, i + n), acc / 4);
    for (let j = 1; j < xs.length; j++) {
      heap.set(xs[j]!.subarray(i, i + n), operand / 4);
      k.binaryF32(code, acc, operand, acc, n);
    }
    y.set(heap.subarray(acc / 4, acc / 4 + n), i);
  }
}

function checkLengths(fn: string, xs: readonly Float32Array[], y: Float32Array): void {
  xs.forEach((x, i) => {
    if (x.length !== y.length) throw new RangeError(`${fn}: operand ${i} has ${x.length} elements, the output ${y.length}`);
  });
}
