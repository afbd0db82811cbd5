// Owns the WebAssembly kernels, their shared linear memory and the worker threads that run
// GEMMs in parallel. This is the package's only mutable state: the compiled module, one
// instance on this thread, a high-water-mark operand arena and a lazily started pool of
// workers, all reused across calls so steady-state calls allocate nothing.
//
// Parallel GEMMs split C into disjoint row or column blocks; each thread runs the same
// single-threaded wasm sgemm on its block with its own scratch region. The caller blocks in
// Atomics.wait until the workers are done, so the public API stays synchronous. Every
// element is computed by exactly the same instruction sequence as without threads, so
// results are bitwise independent of the thread count.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// @types/node 20 does not declare the WebAssembly global (it lives in lib.dom), so declare
// the little we use, scoped to this module.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
};

interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}

/** The module's exports; pointers are byte addresses, booleans are 0/1. */
export interface KernelExports {
  heapBase(): number;
  scratchBytes(): number;
  sgemm(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    transA: number,
    b: number,
    ldb: number,
    transB: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  im2col(
    x: number,
    channels: number,
    height: number,
    width: number,
    kh: number,
    kw: number,
    strideH: number,
    strideW: number,
    padTop: number,
    padLeft: number,
    dilationH: number,
    dilationW: number,
    outH: number,
    outW: number,
    dst: number,
  ): void;
  broadcastRows(y: number, rows: number, cols: number, bias: number): void;
}

type SgemmArgs = Parameters<KernelExports['sgemm']>;

const PAGE_BYTES = 65536;
/** wasm32 addresses at most 4 GiB = 65536 pages; the memory is declared with that maximum. */
const MAX_PAGES = 65536;
/** Below this many flops a GEMM runs on the calling thread: waking workers costs ~10–50 µs. */
const PARALLEL_MIN_FLOPS = 1 << 22;
/** Microkernel tile (MR×NR in assembly/gemm.ts): blocks are split on these boundaries. */
const MR = 4;
const NR = 8;
/** Int32 slots per worker in the control block: seq, done, status, then 13 sgemm args. */
const SLOT = 16;
const MAX_THREADS = 64;

interface State {
  module: object;
  memory: WasmMemory;
  exports: KernelExports;
  heap: Float32Array;
  threads: number;
  workers: Worker[];
  /** Per worker: [0] job sequence number, [1] last finished job, [2] 0 ok / 1 failed, [3..15] args. */
  control: Int32Array;
}

let state: State | undefined;

function init(): State {
  if (state === undefined) {
    const module = new WebAssembly.Module(readFileSync(new URL('../build/gemm.wasm', import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as KernelExports;
    state = {
      module,
      memory,
      exports,
      heap: new Float32Array(memory.buffer),
      threads: defaultThreads(),
      workers: [],
      control: new Int32Array(new SharedArrayBuffer(MAX_THREADS * SLOT * 4)),
    };
  }
  return state;
}

/**
 * PIMC_KERNEL_THREADS if set (e.g. 1 on a machine shared with other jobs, where a worker
 * stuck behind another process stalls every parallel GEMM), else min(cores, 4).
 */
function defaultThreads(): number {
  const env = process.env.PIMC_KERNEL_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
      throw new RangeError(`PIMC_KERNEL_THREADS must be an integer in [1, ${MAX_THREADS}], got '${env}'`);
    }
    return n;
  }
  return Math.min(availableParallelism(), 4);
}

/** The kernels instantiated on this thread (compiled synchronously on first use). */
export function kernels(): KernelExports {
  return init().exports;
}

/**
 * Sets how many threads (this one included) large GEMMs may use; 1 disables the worker
 * pool. The default is $PIMC_KERNEL_THREADS, else min(os.availableParallelism(), 4).
 * Results are bitwise the same for every thread count.
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setThreads: expected an integer in [1, ${MAX_THREADS}], got ${n}`);
  }
  // Surplus workers are kept: idle in Atomics.wait they cost nothing, while restarting one
  // costs tens of milliseconds.
  init().threads = n;
}

/** The current thread count (see setThreads). */
export function getThreads(): number {
  return init().threads;
}

/**
 * Returns a Float32Array view of linear memory with at least `floats` elements free from
 * element index `base` on, growing memory if needed. Everything below `base` is per-thread
 * scratch. The view must be re-fetched after anything that may grow memory.
 */
export function arena(floats: number): { heap: Float32Array; base: number } {
  const s = init();
  const base = align4((s.exports.heapBase() + s.threads * s.exports.scratchBytes()) / 4);
  const needBytes = (base + floats) * 4;
  const haveBytes = s.memory.buffer.byteLength;
  if (needBytes > haveBytes) {
    const pages = Math.ceil((needBytes - haveBytes) / PAGE_BYTES);
    if (haveBytes / PAGE_BYTES + pages > MAX_PAGES) {
      throw new RangeError(`@pimc/kernels: operands need ${needBytes} bytes, beyond the 4 GiB wasm32 limit`);
    }
    s.memory.grow(pages);
  }
  // A shared memory's buffer object changes (grows) rather than detaching, but a view keeps
  // the length it was made with, so remake it whenever the buffer is a different object.
  if (s.heap.buffer !== s.memory.buffer) s.heap = new Float32Array(s.memory.buffer);
  return { heap: s.heap, base };
}

/** Rounds an element count or index up to a multiple of 4 (one v128 of f32). */
export function align4(x: number): number {
  return Math.ceil(x / 4) * 4;
}

/**
 * sgemm on operands already in linear memory (byte addresses), split over the thread pool
 * when it is large enough. Arguments as in assembly/gemm.ts, minus scratch.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: number,
  lda: number,
  transA: boolean,
  b: number,
  ldb: number,
  transB: boolean,
  c: number,
  ldc: number,
  accumulate: boolean,
): void {
  const s = init();
  const scratch = (t: number) => s.exports.heapBase() + t * s.exports.scratchBytes();
  const ta = transA ? 1 : 0;
  const tb = transB ? 1 : 0;
  const acc = accumulate ? 1 : 0;
  let parts = partition(m, n, k, s.threads);
  if (parts !== undefined && !ensureWorkers(s, parts.count - 1)) {
    // Could not start enough threads (resource limits): make do with the ones we have.
    s.threads = s.workers.length + 1;
    parts = partition(m, n, k, s.threads);
  }
  if (parts === undefined) {
    s.exports.sgemm(m, n, k, a, lda, ta, b, ldb, tb, c, ldc, acc, scratch(0));
    return;
  }
  // Block t covers rows (or columns) [t·step, min((t+1)·step, extent)).
  const { byRows, step, count } = parts;
  const job = (t: number): SgemmArgs => {
    const lo = t * step;
    if (byRows) {
      const rows = Math.min(step, m - lo);
      const aBlock = a + (transA ? lo : lo * lda) * 4;
      return [rows, n, k, aBlock, lda, ta, b, ldb, tb, c + lo * ldc * 4, ldc, acc, scratch(t)];
    }
    const cols = Math.min(step, n - lo);
    const bBlock = b + (transB ? lo * ldb : lo) * 4;
    return [m, cols, k, a, lda, ta, bBlock, ldb, tb, c + lo * 4, ldc, acc, scratch(t)];
  };
  const ctl = s.control;
  for (let t = 1; t < count; t++) {
    const slot = (t - 1) * SLOT;
    ctl.set(job(t), slot + 3);
    Atomics.add(ctl, slot, 1);
    Atomics.notify(ctl, slot);
  }
  let failed = false;
  try {
    s.exports.sgemm(...job(0));
  } finally {
    // Even if this thread trapped, the workers must finish before memory is reused.
    for (let t = 1; t < count; t++) {
      const slot = (t - 1) * SLOT;
      const seq = Atomics.load(ctl, slot);
      for (let done = Atomics.load(ctl, slot + 1); done !== seq; done = Atomics.load(ctl, slot + 1)) {
        Atomics.wait(ctl, slot + 1, done);
      }
      failed ||= ctl[slot + 2] !== 0;
    }
  }
  if (failed) throw new Error('@pimc/kernels: sgemm failed in a worker thread (setThreads(1) avoids workers)');
}

/**
 * How to split an m×n×k GEMM over up to `threads` threads: along M (in MR-row units) or N
 * (in NR-column units), whichever pads less, into blocks of `step`. Undefined when one
 * thread should do it all.
 */
function partition(
  m: number,
  n: number,
  k: number,
  threads: number,
): { byRows: boolean; step: number; count: number } | undefined {
  // Matrix-vector products take the memory-bound path in wasm; keep them whole.
  if (threads < 2 || m < 2 || n < 2 || 2 * m * n * k < PARALLEL_MIN_FLOPS) return undefined;
  const roundUp = (x: number, q: number) => Math.ceil(x / q) * q;
  const rowStep = roundUp(Math.ceil(m / threads), MR);
  const colStep = roundUp(Math.ceil(n / threads), NR);
  // Work of the largest block, counting the padding of partial micro-tiles.
  const rowWork = rowStep * roundUp(n, NR);
  const colWork = roundUp(m, MR) * colStep;
  const byRows = rowWork < colWork;
  const step = byRows ? rowStep : colStep;
  const count = Math.ceil((byRows ? m : n) / step);
  return count < 2 ? undefined : { byRows, step, count };
}

/** Starts workers until there are `n`; false if the platform refuses. */
function ensureWorkers(s: State, n: number): boolean {
  try {
    while (s.workers.length < n) s.workers.push(startWorker(s, s.workers.length));
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts worker `w`, which instantiates the module on the shared memory and then serves
 * jobs from its control slot forever. It is unref'd so it never keeps the process alive.
 */
function startWorker(s: State, w: number): Worker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // The worker needs no loaders or flags of the host (test runners add expensive ones).
    execArgv: [],
    workerData: { module: s.module, memory: s.memory, control: s.control.buffer, slot: w * SLOT },
  });
  worker.unref();
  return worker;
}

// CommonJS, because eval'd workers are scripts. Kept as a string so it works both from the
// compiled dist/ and when tests run the TypeScript sources directly.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot } = workerData;
const ctl = new Int32Array(control);
// If instantiation fails the worker still answers every job (with a failure), since the
// host thread is blocked waiting for it and could not notice it exiting.
let sgemm;
try {
  sgemm = new WebAssembly.Instance(module, { env: { memory } }).exports.sgemm;
} catch {}
let seen = 0;
for (;;) {
  Atomics.wait(ctl, slot, seen);
  seen = Atomics.load(ctl, slot);
  const p = ctl.subarray(slot + 3, slot + 16);
  let status = 1;
  try {
    sgemm(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12]);
    status = 0;
  } catch {}
  ctl[slot + 2] = status;
  Atomics.store(ctl, slot + 1, seen);
  Atomics.notify(ctl, slot + 1);
}
`;
