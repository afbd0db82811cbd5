import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import { dgemm, gemm, sgemm } from './gemm.js';

/** C = op(A) · op(B) by the definition, in float64. */
function naive(
  M: number,
  N: number,
  K: number,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  transA: boolean,
  transB: boolean,
): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? A[k * M + i]! : A[i * K + k]!) * (transB ? B[j * K + k]! : B[k * N + j]!);
      C[i * N + j] = s;
    }
  }
  return C;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol * (1 + Math.abs(expected[i]!))) {
      throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]}`);
    }
  }
}

describe('sgemm', () => {
  it('multiplies a hand-checked 2×3 by 3×2', () => {
    const C = new Float32Array(4);
    sgemm(2, 2, 3, Float32Array.of(1, 2, 3, 4, 5, 6), 0, Float32Array.of(7, 8, 9, 10, 11, 12), 0, C, 0);
    expect([...C]).toEqual([58, 64, 139, 154]);
  });

  it('matches the definition across block edges, transposes and odd sizes', () => {
    const rng = new Rng(7);
    for (const [M, N, K] of [
      [1, 1, 1],
      [3, 5, 7],
      [1, 300, 129],
      [4, 1000, 33],
      [17, 260, 131],
      [64, 9, 300],
    ] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const A = rng.float32Array(M * K);
          const B = rng.float32Array(K * N);
          const C = new Float32Array(M * N);
          sgemm(M, N, K, A, 0, B, 0, C, 0, { transA, transB });
          expectClose(C, naive(M, N, K, A, B, transA, transB));
        }
      }
    }
  });

  it('honours offsets and accumulates only when asked', () => {
    const rng = new Rng(3);
    const [M, N, K] = [5, 6, 7];
    const A = rng.float32Array(M * K + 3);
    const B = rng.float32Array(K * N + 5);
    const C = new Float32Array(M * N + 2).fill(1);
    sgemm(M, N, K, A, 3, B, 5, C, 2, { accumulate: true });
    const expected = naive(M, N, K, A.subarray(3), B.subarray(5), false, false).map((v) => v + 1);
    expectClose(C.subarray(2), expected);
    expect(C[0]).toBe(1);
    sgemm(M, N, K, A, 3, B, 5, C, 2);
    expectClose(C.subarray(2), naive(M, N, K, A.subarray(3), B.subarray(5), false, false));
  });

  it('zeroes C when K is 0 and refuses short operands', () => {
    const C = new Float32Array(4).fill(9);
    sgemm(2, 2, 0, new Float32Array(0), 0, new Float32Array(0), 0, C, 0);
    expect([...C]).toEqual([0, 0, 0, 0]);
    expect(() => sgemm(2, 2, 2, new Float32Array(3), 0, new Float32Array(4), 0, C, 0)).toThrow(RangeError);
  });
});

describe('dgemm and gemm dispatch', () => {
  it('computes float64 products exactly and dispatches on storage', () => {
    const A = Float64Array.of(1e10, 1, 2, 3);
    const B = Float64Array.of(1, 2, 3, 4);
    const C = new Float64Array(4);
    dgemm(2, 2, 2, A, 0, B, 0, C, 0, { transB: true });
    expect([...C]).toEqual([1e10 + 2, 3e10 + 4, 1 * 2 + 3 * 2, 2 * 3 + 3 * 4]);
    const D = new Float64Array(4);
    gemm(2, 2, 2, A, 0, B, 0, D, 0, { transB: true });
    expect([...D]).toEqual([...C]);
    expect(() => gemm(1, 1, 1, new Float32Array(1), 0, new Float64Array(1), 0, new Float32Array(1), 0)).toThrow(/mix/);
  });
});
