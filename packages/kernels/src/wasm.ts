// Owns the WebAssembly kernels, their shared linear memory and the worker threads that run
// them in parallel. This is the package's only mutable state: the compiled module, one instance
// on this thread, a heap over linear memory (per-thread scratch, an operand workspace reused
// across calls, resident copies of constant operands) and a lazily started pool of workers, all
// reused across calls so steady-state calls allocate nothing.
//
// A parallel GEMM (or im2col) is offered to the workers and run on this thread at once; every
// participant claims disjoint chunks of the output from a shared counter in wasm memory
// (assembly/parallel.ts) until none are left. A worker that is slow to wake (its core busy
// with another process) just gets fewer chunks, and one that has not started by the time the
// work is done has its offer withdrawn instead of being waited for. The caller blocks in
// Atomics.wait only for workers still inside a chunk, so the public API stays synchronous.
// Every element is computed by exactly the same instruction sequence whichever thread or
// chunk it falls in, so results are bitwise independent of the thread count.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LinearHeap, MAX_PAGES } from './heap.js';
import { ResidentCache } from './resident.js';

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
    bias: number,
    scratch: number,
  ): void;
  sgemmPacked(
    m: number,
    n: number,
    k: number,
    packed: number,
    mPad: number,
    row0: number,
    b: number,
    ldb: number,
    transB: number,
    c: number,
    ldc: number,
    accumulate: number,
    bias: number,
    scratch: number,
  ): void;
  packWeights(m: number, k: number, a: number, lda: number, dst: number): void;
  packedWeightsLength(m: number, k: number): number;
  tileRows(): number;
  tileCols(): number;
  sgemmChunks(counter: number, step: number, byRows: number, ...sgemmArgs: Parameters<KernelExports['sgemm']>): void;
  sgemmPackedChunks(counter: number, step: number, byRows: number, ...sgemmPackedArgs: SgemmPackedArgsWithoutRow0): void;
  im2colChunks(counter: number, step: number, ...im2colArgs: Parameters<KernelExports['im2col']>): void;
  reluF32(x: number, y: number, n: number): void;
  maxPool2dF32(
    x: number,
    planes: number,
    height: number,
    width: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    padTop: number,
    padLeft: number,
    outH: number,
    outW: number,
    y: number,
    row: number,
  ): void;
  binaryF32(op: number, a: number, b: number, y: number, n: number): void;
  crossbarBlocks(counter: number, descriptor: number, x: number, out: number, total: number, scratch: number): void;
  lutSumsChunks(
    counter: number,
    table: number,
    rowBase: number,
    firsts: number,
    classes: number,
    classStep: number,
    depth: number,
    columns: number,
    quads: number,
    quadStep: number,
    wide: number,
    out: number,
  ): void;
  packCellPlanes(
    levels: number,
    stride: number,
    rows: number,
    columns: number,
    cellBits: number,
    dst: number,
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
}

/** sgemmPacked's arguments without row0 (the chunked version derives it). */
type SgemmPackedArgsWithoutRow0 = [
  m: number,
  n: number,
  k: number,
  packed: number,
  mPad: number,
  b: number,
  ldb: number,
  transB: number,
  c: number,
  ldc: number,
  accumulate: number,
  bias: number,
  scratch: number,
];

/** The exports worker threads run, by their index in a control slot. */
const JOB_FUNCTIONS = ['sgemmChunks', 'sgemmPackedChunks', 'im2colChunks', 'crossbarBlocks', 'lutSumsChunks'] as const;
type JobFunction = (typeof JOB_FUNCTIONS)[number];

/** Below this many flops a GEMM runs on the calling thread: waking workers costs ~10–50 µs. */
const PARALLEL_MIN_FLOPS = 1 << 22;
/** Below this many column-matrix elements an im2col runs on the calling thread. */
const PARALLEL_MIN_IM2COL = 1 << 16;
/** Chunks per thread a parallel job is cut into: enough to even out threads of unequal speed. */
const CHUNKS_PER_THREAD = 4;
/** Most arguments of a job function (sgemmChunks, im2colChunks). */
const MAX_ARGS = 17;
/**
 * Int32 slots per worker in the control block: [0] offer (job number > 0 offered, its negation
 * once the worker took it, 0 withdrawn), [1] last finished job, [2] 0 ok / 1 failed,
 * [3] function index, then the arguments.
 */
const SLOT = 4 + MAX_ARGS;
const MAX_THREADS = 64;
/** Default budget for resident constant operands: a few large models' weights. */
const DEFAULT_RESIDENT_BYTES = 1 << 30;

interface State {
  module: object;
  memory: WasmMemory;
  exports: KernelExports;
  heap: LinearHeap;
  resident: ResidentCache;
  /** Float32 and byte views of linear memory, remade when memory grows. */
  view: Float32Array;
  bytes: Uint8Array;
  threads: number;
  workers: Worker[];
  /** One SLOT per worker (see SLOT). */
  control: Int32Array;
  /** Number of the last job offered to the workers. */
  jobs: number;
  /** Byte address of the chunk counter the threads of a parallel job share. */
  counter: number;
  /** Byte address of each thread's sgemm scratch, allocated on first use and kept. */
  scratch: number[];
  /** Each thread's scratch for other kernels (crossbar layers), grown on demand and kept. */
  sizedScratch: { at: number; bytes: number }[];
  /** The operand workspace, reused across calls and reallocated when too small. */
  workspace: { at: number; bytes: number } | undefined;
}

let state: State | undefined;

function init(): State {
  if (state === undefined) {
    const module = new WebAssembly.Module(readFileSync(new URL('../build/gemm.wasm', import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as KernelExports;
    const heap = new LinearHeap(memory, exports.heapBase());
    state = {
      module,
      memory,
      exports,
      heap,
      resident: new ResidentCache(heap, DEFAULT_RESIDENT_BYTES),
      view: new Float32Array(memory.buffer),
      bytes: new Uint8Array(memory.buffer),
      threads: defaultThreads(),
      workers: [],
      control: new Int32Array(new SharedArrayBuffer(MAX_THREADS * SLOT * 4)),
      jobs: 0,
      counter: heap.alloc(4),
      scratch: [],
      sizedScratch: [],
      workspace: undefined,
    };
  }
  return state;
}

/**
 * PIMC_KERNEL_THREADS if set, else min(cores, 4). (On a machine shared with other jobs more
 * threads cost little: a worker that does not get a core in time just takes fewer chunks.)
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

/** A Float32Array view of all of linear memory; re-fetch it after anything that may allocate. */
export function memoryView(): Float32Array {
  const s = init();
  // A shared memory's buffer object changes (grows) rather than detaching, but a view keeps
  // the length it was made with, so remake it whenever the buffer is a different object.
  if (s.view.buffer !== s.memory.buffer) s.view = new Float32Array(s.memory.buffer);
  return s.view;
}

/** A byte view of all of linear memory; re-fetch it after anything that may allocate. */
export function byteView(): Uint8Array {
  const s = init();
  if (s.bytes.buffer !== s.memory.buffer) s.bytes = new Uint8Array(s.memory.buffer);
  return s.bytes;
}

/**
 * Starts a kernel call: resident operands used from now on stay in memory at least until the
 * next call starts.
 */
export function beginCall(): void {
  init().resident.begin();
}

/**
 * Byte address of a resident copy of the constant `array[offset, offset + length)`, copied in
 * on first use and kept across calls (see ResidentCache). Call `beginCall` first.
 */
export function residentCopy(array: Float32Array, offset: number, length: number): number {
  return init().resident.address(array, offset, length, 'raw', length * 4, (at) =>
    memoryView().set(array.subarray(offset, offset + length), at / 4),
  );
}

/**
 * Byte address of a resident copy of the constant bytes `blob` (kept across calls like
 * residentCopy's). `fill` writes the copy at its address (it may patch addresses into it);
 * by default the bytes as they are. Call `beginCall` first.
 */
export function residentBytes(blob: Uint8Array, fill?: (at: number) => void): number {
  return init().resident.address(blob, 0, blob.length, 'bytes', blob.length, fill ?? ((at) => byteView().set(blob, at)));
}

/**
 * Byte address of thread t's general scratch of at least `bytes` bytes (64-byte aligned),
 * kept across calls and grown on demand. Take it before any parallel call starts.
 */
export function threadScratch(t: number, bytes: number): number {
  const s = init();
  while (s.sizedScratch.length <= t) s.sizedScratch.push({ at: -1, bytes: 0 });
  const slot = s.sizedScratch[t]!;
  if (slot.bytes < bytes) {
    if (slot.at >= 0) s.heap.release(slot.at);
    slot.at = s.heap.alloc(bytes);
    slot.bytes = bytes;
  }
  return slot.at;
}

/**
 * Runs assembly/crossbar.ts's crossbarBlocks over `total` positions on `threads` threads (this
 * one included, at most getThreads()), thread t with the scratch at scratch[t]. Operands must
 * already be in linear memory; returns when every block is done.
 */
export function crossbarBlocks(descriptor: number, x: number, out: number, total: number, scratch: readonly number[]): void {
  const s = init();
  if (scratch.length < 2) {
    const counter = new Int32Array(s.memory.buffer, s.counter, 1);
    Atomics.store(counter, 0, 0);
    s.exports.crossbarBlocks(s.counter, descriptor, x, out, total, scratch[0]!);
    return;
  }
  runShared(s, 'crossbarBlocks', [descriptor, x, out, total], (t) => scratch[t]!, scratch.length);
}

/** lutSumsChunks' arguments after the counter. */
type LutSumsArgs = Parameters<KernelExports['lutSumsChunks']> extends [number, ...infer Rest] ? Rest : never;

/**
 * Runs assembly/lut.ts's lutSumsChunks (arguments after the counter) on `threads` threads, this
 * one included. Operands must already be in linear memory; returns when every chunk is done.
 */
export function lutSumsChunks(args: LutSumsArgs, threads: number): void {
  const s = init();
  if (threads < 2) {
    Atomics.store(new Int32Array(s.memory.buffer, s.counter, 1), 0, 0);
    s.exports.lutSumsChunks(s.counter, ...args);
    return;
  }
  runShared(s, 'lutSumsChunks', args, false, threads);
}

/**
 * Byte address of resident weights: `groups` row-major m×k matrices, one after the other from
 * `array[offset]`, each packed by packWeights, the packed groups packedWeightsLength(m, k)
 * floats apart. Packed on first use and kept across calls. Call `beginCall` first.
 */
export function residentPackedWeights(array: Float32Array, offset: number, groups: number, m: number, k: number): number {
  const s = init();
  const length = groups * m * k;
  const groupFloats = s.exports.packedWeightsLength(m, k);
  return s.resident.address(array, offset, length, `packed ${groups}×${m}×${k}`, groups * groupFloats * 4, (at) => {
    const raw = workspace(length);
    memoryView().set(array.subarray(offset, offset + length), raw / 4);
    for (let g = 0; g < groups; g++) s.exports.packWeights(m, k, raw + g * m * k * 4, k, at + g * groupFloats * 4);
  });
}

/**
 * Byte address of a workspace of at least `floats` float32 elements (64-byte aligned), valid
 * until the next call of `workspace`. Take resident copies first: they may need memory too.
 */
export function workspace(floats: number): number {
  const s = init();
  const bytes = Math.max(floats, 1) * 4;
  if (s.workspace === undefined || s.workspace.bytes < bytes) {
    if (s.workspace !== undefined) s.heap.release(s.workspace.at);
    s.workspace = undefined;
    // Some headroom, so a run of slowly growing operands does not reallocate every time.
    const size = Math.ceil(bytes * 1.25);
    s.workspace = { at: s.heap.alloc(size), bytes: size };
  }
  return s.workspace.at;
}

/**
 * Sets the byte budget for resident constant operands (default 1 GiB), evicting least recently
 * used copies down to it; 0 drops them all.
 */
export function setResidentCapacity(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`setResidentCapacity: bad byte count ${bytes}`);
  const s = init();
  s.resident.capacity = bytes;
  // A new epoch first, so that no copy counts as in use.
  s.resident.begin();
  s.resident.trim();
}

/** Bytes and count of resident constant operands (for tests and diagnostics). */
export function residentStats(): { bytes: number; entries: number } {
  const r = init().resident;
  return { bytes: r.residentBytes, entries: r.size };
}

/** Rounds an element count or index up to a multiple of 16 (one 64-byte cache line of f32). */
export function alignLine(x: number): number {
  return Math.ceil(x / 16) * 16;
}

/** Byte address of thread t's sgemm scratch. */
function scratch(s: State, t: number): number {
  while (s.scratch.length <= t) s.scratch.push(s.heap.alloc(s.exports.scratchBytes()));
  return s.scratch[t]!;
}

/**
 * sgemm on operands already in linear memory (byte addresses), split over the thread pool
 * when it is large enough. Arguments as in assembly/gemm.ts, minus scratch; `bias` 0 for none.
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
  bias = 0,
): void {
  const s = init();
  const ta = transA ? 1 : 0;
  const tb = transB ? 1 : 0;
  const acc = accumulate ? 1 : 0;
  const split = partition(s, m, n, k);
  if (split === undefined) {
    s.exports.sgemm(m, n, k, a, lda, ta, b, ldb, tb, c, ldc, acc, bias, scratch(s, 0));
  } else {
    runShared(s, 'sgemmChunks', [split.step, split.byRows ? 1 : 0, m, n, k, a, lda, ta, b, ldb, tb, c, ldc, acc, bias], true);
  }
}

/** Floats of packWeights' output for an m×k matrix. */
export function packedWeightsLength(m: number, k: number): number {
  return init().exports.packedWeightsLength(m, k);
}

/** Packs the row-major m×k matrix at byte address a (row stride lda) into dst (see assembly/gemm.ts). */
export function packWeights(m: number, k: number, a: number, lda: number, dst: number): void {
  init().exports.packWeights(m, k, a, lda, dst);
}

/**
 * C (+)= A·op(B) with A packed by packWeights (m rows), split over the thread pool when large
 * enough; otherwise as `gemm`.
 */
export function gemmPacked(
  m: number,
  n: number,
  k: number,
  packed: number,
  b: number,
  ldb: number,
  transB: boolean,
  c: number,
  ldc: number,
  accumulate: boolean,
  bias = 0,
): void {
  const s = init();
  const mPad = s.exports.packedWeightsLength(m, 1);
  const tb = transB ? 1 : 0;
  const acc = accumulate ? 1 : 0;
  const split = partition(s, m, n, k);
  if (split === undefined) {
    s.exports.sgemmPacked(m, n, k, packed, mPad, 0, b, ldb, tb, c, ldc, acc, bias, scratch(s, 0));
  } else {
    runShared(
      s,
      'sgemmPackedChunks',
      [split.step, split.byRows ? 1 : 0, m, n, k, packed, mPad, b, ldb, tb, c, ldc, acc, bias],
      true,
    );
  }
}

/**
 * im2col (see assembly/gemm.ts) of a channels×height×width image at byte address x into the
 * column matrix at dst, split over the thread pool when large enough.
 */
export function im2col(
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
): void {
  const s = init();
  const args = [
    x,
    channels,
    height,
    width,
    kh,
    kw,
    strideH,
    strideW,
    padTop,
    padLeft,
    dilationH,
    dilationW,
    outH,
    outW,
    dst,
  ] as const;
  // Chunks are groups of kernel rows: (channel, ky) pairs, kw rows of the column matrix each.
  const units = channels * kh;
  if (s.threads < 2 || units < 2 || units * kw * outH * outW < PARALLEL_MIN_IM2COL) {
    s.exports.im2col(...args);
  } else {
    runShared(s, 'im2colChunks', [Math.ceil(units / Math.min(units, s.threads * CHUNKS_PER_THREAD)), ...args], false);
  }
}

/**
 * Runs a chunked job (assembly/parallel.ts) on this thread and on up to threads − 1 workers:
 * `args` follow the chunk counter, and threads that need scratch get theirs appended (the sgemm
 * scratch, or what `withScratch(t)` gives thread t). Returns when every chunk is done.
 */
function runShared(
  s: State,
  fn: JobFunction,
  args: readonly number[],
  withScratch: boolean | ((t: number) => number),
  threads = s.threads,
): void {
  // Could not start enough threads (resource limits): make do with the ones there are.
  if (!ensureWorkers(s, s.threads - 1)) s.threads = s.workers.length + 1;
  const helpers = Math.min(threads, s.threads) - 1;
  const scratchOf = typeof withScratch === 'function' ? withScratch : withScratch ? (t: number) => scratch(s, t) : undefined;
  const argsOf = (t: number): number[] => [s.counter, ...args, ...(scratchOf === undefined ? [] : [scratchOf(t)])];
  // Scratch first: allocating it may grow memory, which must not happen while workers run.
  const own = argsOf(0);
  const offered = Array.from({ length: helpers }, (_, t) => argsOf(t + 1));
  Atomics.store(new Int32Array(s.memory.buffer, s.counter, 1), 0, 0);
  const ctl = s.control;
  const job = (s.jobs = (s.jobs % 0x3fffffff) + 1);
  offered.forEach((workerArgs, w) => {
    const slot = w * SLOT;
    ctl[slot + 3] = JOB_FUNCTIONS.indexOf(fn);
    ctl.set(workerArgs, slot + 4);
    Atomics.store(ctl, slot, job);
    Atomics.notify(ctl, slot);
  });
  let failed = false;
  try {
    (s.exports[fn] as (...a: number[]) => void)(...own);
  } finally {
    // Withdraw offers not yet taken; wait for workers that took theirs (even if this thread
    // trapped: they must be done before memory is reused).
    for (let w = 0; w < helpers; w++) {
      const slot = w * SLOT;
      if (Atomics.compareExchange(ctl, slot, job, 0) === job) continue;
      for (let done = Atomics.load(ctl, slot + 1); done !== job; done = Atomics.load(ctl, slot + 1)) {
        Atomics.wait(ctl, slot + 1, done);
      }
      failed ||= ctl[slot + 2] !== 0;
    }
  }
  if (failed) throw new Error('@pimc/kernels: a kernel failed in a worker thread (setThreads(1) avoids workers)');
}

/**
 * How to split an m×n×k GEMM over s.threads threads: along M (in MR-row units) or N (in
 * NR-column units), whichever pads less, into CHUNKS_PER_THREAD chunks per thread of `step`
 * rows or columns. Undefined when one thread should do it all.
 */
function partition(s: State, m: number, n: number, k: number): { byRows: boolean; step: number } | undefined {
  const threads = s.threads;
  // Matrix-vector products take the memory-bound path in wasm; keep them whole.
  if (threads < 2 || m < 2 || n < 2 || 2 * m * n * k < PARALLEL_MIN_FLOPS) return undefined;
  const mr = s.exports.tileRows();
  const nr = s.exports.tileCols();
  const roundUp = (x: number, q: number) => Math.ceil(x / q) * q;
  const chunks = threads * CHUNKS_PER_THREAD;
  const rowStep = roundUp(Math.ceil(m / chunks), mr);
  const colStep = roundUp(Math.ceil(n / chunks), nr);
  // Work of the largest chunk, counting the padding of partial micro-tiles.
  const rowWork = rowStep * roundUp(n, nr);
  const colWork = roundUp(m, mr) * colStep;
  const byRows = rowWork < colWork;
  const step = byRows ? rowStep : colStep;
  return Math.ceil((byRows ? m : n) / step) < 2 ? undefined : { byRows, step };
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
    workerData: { module: s.module, memory: s.memory, control: s.control.buffer, slot: w * SLOT, names: JOB_FUNCTIONS },
  });
  worker.unref();
  return worker;
}

// CommonJS, because eval'd workers are scripts. Kept as a string so it works both from the
// compiled dist/ and when tests run the TypeScript sources directly.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot, names } = workerData;
const ctl = new Int32Array(control);
// If instantiation fails the worker still answers every job it takes (with a failure), since
// the host thread may be blocked waiting for it and could not notice it exiting.
let fns = [];
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  fns = names.map((name) => exports[name]);
} catch {}
const args = ctl.subarray(slot + 4, slot + ${SLOT});
for (;;) {
  const offer = Atomics.load(ctl, slot);
  // Nothing on offer (0: withdrawn; negative: the job this worker last took).
  if (offer <= 0) {
    Atomics.wait(ctl, slot, offer);
    continue;
  }
  // Take the job unless the host withdrew it meanwhile.
  if (Atomics.compareExchange(ctl, slot, offer, -offer) !== offer) continue;
  let status = 1;
  try {
    fns[ctl[slot + 3]].apply(null, args);
    status = 0;
  } catch {}
  ctl[slot + 2] = status;
  Atomics.store(ctl, slot + 1, offer);
  Atomics.notify(ctl, slot + 1);
}
`;
