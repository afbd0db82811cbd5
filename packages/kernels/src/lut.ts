import { beginCall, byteView, getThreads, lutSumsChunks, residentBytes, workspace } from './wasm.js';

/** Below this many lookups a layer runs on the calling thread: waking workers costs ~10–50 µs. */
const PARALLEL_MIN_LOOKUPS = 1 << 20;
/** im2col words of one block of quads (fits a core's L2 beside the tables). */
const BLOCK_BYTES = 1 << 17;
/** Chunks per thread: enough to even out threads of unequal speed. */
const CHUNKS_PER_THREAD = 4;

/** A lut-mvm's constant operands, as @pimc/sim's prepare-lut.ts builds them. */
export interface LutSumsSpec {
  /** Product tables, one zero column past each row of kU entries (what padding taps read). */
  readonly table: Int32Array;
  /** [M][K]: offset in `table` of the row of output channel m and im2col row k. */
  readonly rowBase: Int32Array;
  /** im2col rows K. */
  readonly depth: number;
}

/**
 * The lookup sums of a RAPIDNN lut-mvm in WebAssembly (assembly/lut.ts), on up to getThreads()
 * threads: bit for bit the sums of the simulator's JavaScript loop, the tables kept resident in
 * linear memory across calls.
 */
export class LutSums {
  private readonly table: Uint8Array;
  private readonly rowBase: Uint8Array;

  constructor(private readonly spec: LutSumsSpec) {
    // Views made once, one per layer whatever its groups: the resident cache knows a constant by its view.
    this.table = new Uint8Array(spec.table.buffer, spec.table.byteOffset, spec.table.byteLength);
    this.rowBase = new Uint8Array(spec.rowBase.buffer, spec.rowBase.byteOffset, spec.rowBase.byteLength);
  }

  /**
   * Sums of the channel classes whose first channels are `firsts` (a class: channels with equal
   * rows, summed once) over `quads` quads of im2col index words (`columns`: one word per (quad,
   * row), two when `wide`), as [class][4·quad + t] in a new Float64Array.
   */
  run(columns: Int32Array, quads: number, wide: boolean, firsts: Int32Array): Float64Array {
    const { depth } = this.spec;
    const classes = firsts.length;
    const words = quads * depth * (wide ? 2 : 1);
    if (columns.length < words) {
      throw new RangeError(`LutSums.run: ${quads} quads of ${depth} rows need ${words} words, got ${columns.length}`);
    }
    const sums = classes * quads * 4;
    if (sums === 0) return new Float64Array(0);
    const lookups = sums * depth;
    const threads = lookups >= PARALLEL_MIN_LOOKUPS ? getThreads() : 1;
    const quadStep = Math.max(1, Math.floor(BLOCK_BYTES / (4 * depth * (wide ? 2 : 1))));
    const quadChunks = Math.ceil(quads / quadStep);
    // Blocks of quads first; classes split only as far as the threads need chunks.
    const classChunks = Math.min(classes, Math.max(1, Math.ceil((threads * CHUNKS_PER_THREAD) / quadChunks)));
    const classStep = Math.ceil(classes / classChunks);

    beginCall();
    const table = residentBytes(this.table);
    const rowBase = residentBytes(this.rowBase);
    // Workspace: [sums f64][columns][firsts], each 64-byte aligned.
    const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
    const columnsAt = align(sums * 8);
    const firstsAt = columnsAt + align(words * 4);
    const space = workspace((firstsAt + classes * 4) / 4);
    const bytes = byteView();
    bytes.set(new Uint8Array(columns.buffer, columns.byteOffset, words * 4), space + columnsAt);
    bytes.set(new Uint8Array(firsts.buffer, firsts.byteOffset, classes * 4), space + firstsAt);
    lutSumsChunks(
      [table, rowBase, space + firstsAt, classes, classStep, depth, space + columnsAt, quads, quadStep, wide ? 1 : 0, space],
      threads,
    );
    return new Float64Array(byteView().buffer, space, sums).slice();
  }
}
