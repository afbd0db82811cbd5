// A first-fit allocator over the kernels' linear memory. Blocks are 64-byte aligned (one cache
// line, and more than a v128 needs). Allocations are few and large (operand workspaces, resident
// weights, per-thread scratch), so a sorted free list with coalescing is all it takes.

/** What the heap needs of a WebAssembly.Memory: its size and a way to grow it. */
export interface GrowableMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}

export const PAGE_BYTES = 65536;
/** wasm32 addresses at most 4 GiB = 65536 pages. */
export const MAX_PAGES = 65536;
const ALIGN = 64;

interface FreeBlock {
  at: number;
  bytes: number;
}

export class LinearHeap {
  /** Free blocks in address order, never adjacent (they are merged). */
  private readonly free: FreeBlock[] = [];
  /** Bytes of every live allocation, by address (also catches double frees). */
  private readonly live = new Map<number, number>();
  /** End of the managed range: the memory's size. */
  private top: number;

  /**
   * Manages memory from `base` (rounded up to ALIGN) to the end of `memory`; bytes below `base`
   * belong to the module itself.
   */
  constructor(
    private readonly memory: GrowableMemory,
    base: number,
  ) {
    const start = roundUp(base, ALIGN);
    const short = start - memory.buffer.byteLength;
    if (short > 0) memory.grow(Math.ceil(short / PAGE_BYTES));
    this.top = memory.buffer.byteLength;
    if (this.top > start) this.free.push({ at: start, bytes: this.top - start });
  }

  /** Bytes currently handed out. */
  get usedBytes(): number {
    let n = 0;
    for (const b of this.live.values()) n += b;
    return n;
  }

  /** Returns the address of `bytes` fresh bytes (contents undefined), growing memory if needed. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`LinearHeap.alloc: bad size ${bytes}`);
    const size = Math.max(ALIGN, roundUp(bytes, ALIGN));
    let i = this.free.findIndex((b) => b.bytes >= size);
    if (i < 0) i = this.growFor(size);
    const block = this.free[i]!;
    const at = block.at;
    if (block.bytes === size) this.free.splice(i, 1);
    else {
      block.at += size;
      block.bytes -= size;
    }
    this.live.set(at, size);
    return at;
  }

  /** Returns a block from `alloc` to the heap. */
  release(at: number): void {
    const size = this.live.get(at);
    if (size === undefined) throw new RangeError(`LinearHeap.release: ${at} is not an allocated block`);
    this.live.delete(at);
    let i = 0;
    while (i < this.free.length && this.free[i]!.at < at) i++;
    this.free.splice(i, 0, { at, bytes: size });
    // Merge with the following block, then with the preceding one.
    const next = this.free[i + 1];
    if (next !== undefined && at + size === next.at) {
      this.free[i]!.bytes += next.bytes;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev !== undefined && prev.at + prev.bytes === at) {
      prev.bytes += this.free[i]!.bytes;
      this.free.splice(i, 1);
    }
  }

  /** Grows memory so that a free block of `size` bytes ends at the top; returns its index. */
  private growFor(size: number): number {
    const last = this.free[this.free.length - 1];
    const tail = last !== undefined && last.at + last.bytes === this.top ? last : undefined;
    const need = size - (tail?.bytes ?? 0);
    const pages = Math.ceil(need / PAGE_BYTES);
    const havePages = this.memory.buffer.byteLength / PAGE_BYTES;
    if (havePages + pages > MAX_PAGES) {
      throw new RangeError(`@pimc/kernels: cannot allocate ${size} bytes beyond the 4 GiB wasm32 limit`);
    }
    this.memory.grow(pages);
    const grown = pages * PAGE_BYTES;
    if (tail !== undefined) tail.bytes += grown;
    else this.free.push({ at: this.top, bytes: grown });
    this.top += grown;
    return this.free.length - 1;
  }
}

function roundUp(x: number, q: number): number {
  return Math.ceil(x / q) * q;
}
