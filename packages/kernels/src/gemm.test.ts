import { describe, expect, it } from 'vitest';
import { getThreads, residentStats, setResidentCapacity, setThreads, sgemm, type SgemmOptions } from './index.js';

/** Deterministic xorshift stream so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32 - 0.5;
  };
}

function randomArray(n: number, next: () => number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = next();
  return x;
}

/**
 * Naive float64 reference for C (+)= op(A)·op(B). Also returns Σ|a·b| per element, the scale
 * against which float32 rounding error is judged.
 */
function reference(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C0: Float32Array,
  cOff: number,
  opts: SgemmOptions,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = opts.accumulate ? C0[cOff + i * N + j] : 0;
      let t = Math.abs(s);
      for (let p = 0; p < K; p++) {
        const a = opts.transA ? A[aOff + p * M + i] : A[aOff + i * K + p];
        const b = opts.transB ? B[bOff + j * K + p] : B[bOff + p * N + j];
        s += a * b;
        t += Math.abs(a * b);
      }
      value[i * N + j] = s;
      scale[i * N + j] = t;
    }
  }
  return { value, scale };
}

function check(M: number, N: number, K: number, opts: SgemmOptions, seed: number, offsets = [0, 0, 0]): void {
  const next = rng(seed);
  const [aOff, bOff, cOff] = offsets;
  const A = randomArray(aOff + M * K + 3, next);
  const B = randomArray(bOff + K * N + 3, next);
  const C = randomArray(cOff + M * N + 3, next);
  const C0 = C.slice();
  const { value, scale } = reference(M, N, K, A, aOff, B, bOff, C0, cOff, opts);
  sgemm(M, N, K, A, aOff, B, bOff, C, cOff, opts);
  let worst = 0;
  for (let e = 0; e < M * N; e++) {
    const err = Math.abs(C[cOff + e] - value[e]) / (scale[e] + 1e-30);
    worst = Math.max(worst, err);
  }
  expect(worst, `M=${M} N=${N} K=${K} ${JSON.stringify(opts)}`).toBeLessThan(1e-5);
  // Elements outside the output window are untouched.
  for (let e = 0; e < cOff; e++) expect(C[e]).toBe(C0[e]);
  for (let e = cOff + M * N; e < C.length; e++) expect(C[e]).toBe(C0[e]);
}

const ALL_OPTS: SgemmOptions[] = [];
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    for (const accumulate of [false, true]) ALL_OPTS.push({ transA, transB, accumulate });
  }
}

describe('sgemm', () => {
  it('matches the naive product on odd sizes, with every transpose/accumulate combination', () => {
    const sizes = [1, 3, 7, 17, 63, 129];
    let seed = 1;
    for (const M of sizes) {
      for (const N of sizes) {
        for (const K of [1, 7, 63, 129]) {
          // All option combinations on small problems, one rotating combination on big ones.
          const opts = M * N * K <= 17 * 17 * 63 ? ALL_OPTS : [ALL_OPTS[seed % ALL_OPTS.length]];
          for (const o of opts) check(M, N, K, o, seed++);
        }
      }
    }
  });

  it('crosses every cache-block boundary (K > 256, M > 128, N > 2048)', () => {
    check(130, 37, 600, {}, 11);
    check(131, 33, 513, { transA: true, transB: true, accumulate: true }, 12);
    check(5, 2100, 9, { transB: true }, 13);
    check(9, 2056, 260, { accumulate: true }, 14);
  });

  it('handles matrix-vector shapes (M = 1 or N = 1) in every layout', () => {
    let seed = 100;
    for (const [M, N, K] of [
      [1, 1, 1],
      [1, 1, 37],
      [1, 1000, 67],
      [1000, 1, 67],
      [33, 1, 2048],
      [1, 35, 2050],
    ]) {
      for (const o of ALL_OPTS) check(M, N, K, o, seed++);
    }
  });

  it('honours element offsets into larger arrays', () => {
    check(13, 21, 19, {}, 200, [5, 7, 11]);
    check(13, 21, 19, { transA: true, transB: true, accumulate: true }, 201, [1, 2, 3]);
    check(1, 21, 19, { accumulate: true }, 202, [3, 0, 9]);
  });

  it('random sizes, including ones that grow the wasm memory between calls', () => {
    const next = rng(7);
    for (let t = 0; t < 20; t++) {
      const dim = () => 1 + Math.floor((next() + 0.5) * 150);
      const o = ALL_OPTS[t % ALL_OPTS.length];
      check(dim(), dim(), dim(), o, 300 + t);
    }
    // A large problem first grows memory; a small one afterwards must still see fresh views.
    check(300, 700, 300, {}, 400);
    check(3, 5, 7, { accumulate: true }, 401);
  });

  it('keeps constant operands resident across calls, with the same results', () => {
    let seed = 700;
    for (const [M, N, K] of [
      [40, 50, 300],
      [1, 1000, 64],
      [1000, 1, 64],
    ]) {
      for (const opts of [{}, { transA: true }, { transB: true, accumulate: true }]) {
        const next = rng(seed++);
        const A = randomArray(M * K, next);
        const B = randomArray(K * N, next);
        const C0 = randomArray(M * N, next);
        const plain = C0.slice();
        sgemm(M, N, K, A, 0, B, 0, plain, 0, opts);
        for (const constant of [{ constantA: true }, { constantB: true }, { constantA: true, constantB: true }]) {
          for (let pass = 0; pass < 2; pass++) {
            const C = C0.slice();
            sgemm(M, N, K, A, 0, B, 0, C, 0, { ...opts, ...constant });
            expect(
              C.findIndex((v, i) => !Object.is(v, plain[i])),
              `${M}×${N}×${K} ${JSON.stringify({ ...opts, ...constant })}`,
            ).toBe(-1);
          }
        }
      }
    }
  });

  it('evicts resident operands past the budget and drops them all at capacity 0', () => {
    const next = rng(800);
    const A = randomArray(64 * 64, next);
    const B = randomArray(64 * 64, next);
    const C = new Float32Array(64 * 64);
    try {
      setResidentCapacity(0);
      expect(residentStats()).toEqual({ bytes: 0, entries: 0 });
      setResidentCapacity(64 * 64 * 4 * 1.5);
      sgemm(64, 64, 64, A, 0, B, 0, C, 0, { constantA: true, constantB: true });
      // Both operands of the current call stay, however far over budget.
      expect(residentStats().entries).toBe(2);
      const other = randomArray(64 * 64, next);
      sgemm(64, 64, 64, other, 0, B, 0, C, 0, { constantA: true });
      // Least recently used first, A and then B go until `other` fits the budget.
      expect(residentStats().entries).toBe(1);
      expect(residentStats().bytes).toBe(64 * 64 * 4);
      const expected = new Float32Array(64 * 64);
      sgemm(64, 64, 64, other, 0, B, 0, expected, 0);
      expect(C.findIndex((v, i) => !Object.is(v, expected[i]))).toBe(-1);
    } finally {
      setResidentCapacity(1 << 30);
    }
  });

  it('rejects a bad resident capacity', () => {
    expect(() => setResidentCapacity(-1)).toThrow(RangeError);
    expect(() => setResidentCapacity(NaN)).toThrow(RangeError);
  });

  it('K = 0 yields zeros, or leaves C unchanged when accumulating', () => {
    const C = new Float32Array([1, 2, 3, 4, 5, 6]);
    sgemm(2, 3, 0, new Float32Array(0), 0, new Float32Array(0), 0, C, 0, { accumulate: true });
    expect(Array.from(C)).toEqual([1, 2, 3, 4, 5, 6]);
    sgemm(2, 3, 0, new Float32Array(0), 0, new Float32Array(0), 0, C, 0);
    expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('computes a known small product exactly', () => {
    const A = new Float32Array([1, 2, 3, 4, 5, 6]); // 2×3
    const B = new Float32Array([7, 8, 9, 10, 11, 12]); // 3×2
    const C = new Float32Array(4);
    sgemm(2, 2, 3, A, 0, B, 0, C, 0);
    expect(Array.from(C)).toEqual([58, 64, 139, 154]);
  });

  it('rejects bad dimensions and operands that are too short', () => {
    const x = new Float32Array(6);
    expect(() => sgemm(2, 3, 1.5, x, 0, x, 0, x, 0)).toThrow(RangeError);
    expect(() => sgemm(-1, 3, 1, x, 0, x, 0, x, 0)).toThrow(RangeError);
    expect(() => sgemm(2, 3, 4, x, 0, x, 0, x, 0)).toThrow(/A needs 8 elements/);
    expect(() => sgemm(2, 3, 1, x, 0, x, 4, x, 0)).toThrow(/B needs 3 elements from offset 4/);
  });

  it('gives bitwise the same result on one thread and on several (row and column splits)', () => {
    const before = getThreads();
    try {
      let seed = 500;
      for (const [M, N, K] of [
        [64, 3136, 147], // split by columns
        [2048, 49, 64], // split by rows
        [37, 301, 300],
        [301, 37, 300],
      ]) {
        for (const opts of [{}, { transA: true, transB: true, accumulate: true }]) {
          const next = rng(seed++);
          const A = randomArray(M * K, next);
          const B = randomArray(K * N, next);
          const C0 = randomArray(M * N, next);
          const results = [1, 2, 3].map((threads) => {
            setThreads(threads);
            const C = C0.slice();
            sgemm(M, N, K, A, 0, B, 0, C, 0, opts);
            return C;
          });
          // (A manual scan: toEqual on 200k-element typed arrays takes seconds.)
          const firstDiff = (x: Float32Array) => x.findIndex((v, i) => !Object.is(v, results[0][i]));
          expect(firstDiff(results[1])).toBe(-1);
          expect(firstDiff(results[2])).toBe(-1);
        }
      }
      check(300, 700, 300, { transB: true }, 600); // still correct after the thread-count changes
    } finally {
      setThreads(before);
    }
  });

  it('stays bitwise deterministic with more threads than cores (late workers get fewer chunks)', () => {
    const before = getThreads();
    try {
      const next = rng(900);
      const M = 96;
      const N = 500;
      const K = 130;
      const A = randomArray(M * K, next);
      const B = randomArray(K * N, next);
      setThreads(1);
      const expected = new Float32Array(M * N);
      sgemm(M, N, K, A, 0, B, 0, expected, 0);
      setThreads(8);
      // Many back-to-back products: offers withdrawn from workers that did not wake in time
      // must never leak into the next product.
      for (let r = 0; r < 40; r++) {
        const C = new Float32Array(M * N);
        sgemm(M, N, K, A, 0, B, 0, C, 0, r % 2 === 0 ? {} : { constantA: true });
        expect(
          C.findIndex((v, i) => !Object.is(v, expected[i])),
          `round ${r}`,
        ).toBe(-1);
      }
    } finally {
      setThreads(before);
    }
  });

  it('validates the thread count', () => {
    expect(() => setThreads(0)).toThrow(RangeError);
    expect(() => setThreads(1.5)).toThrow(RangeError);
  });
});
