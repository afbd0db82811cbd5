// Copies of constant operands (a model's weights) kept in linear memory across calls, so a
// network's layers stop re-copying megabytes of weights on every inference. Entries are keyed
// by the caller's typed array object: the caller promises the range it hands over never changes
// while that array is alive. Least recently used entries are dropped past a byte budget, and an
// entry whose array was garbage-collected gives its memory back on its own.
import type { LinearHeap } from './heap.js';

interface Entry {
  /** Byte address of the copy. */
  readonly at: number;
  readonly offset: number;
  readonly length: number;
  /** What the copy holds (e.g. 'raw', or a packed layout with its parameters). */
  readonly layout: string;
  readonly bytes: number;
  /** The call (epoch) that last used it: entries of the current call are never evicted. */
  epoch: number;
  /** Deregistration token for the finalizer. */
  readonly token: object;
}

export class ResidentCache {
  private readonly byArray = new WeakMap<ArrayBufferView, Entry>();
  /** Every live entry, least recently used first (Set iteration follows insertion order). */
  private readonly lru = new Set<Entry>();
  private bytes = 0;
  private epoch = 0;
  private readonly finalizer = new FinalizationRegistry<Entry>((entry) => this.drop(entry));

  constructor(
    private readonly heap: LinearHeap,
    /** Budget in bytes; past it, least recently used entries are evicted. */
    public capacity: number,
  ) {}

  /** Bytes held by resident copies. */
  get residentBytes(): number {
    return this.bytes;
  }

  /** Number of resident copies. */
  get size(): number {
    return this.lru.size;
  }

  /**
   * Starts a call: copies made or used from now on stay put until the next `begin`, however far
   * over budget that goes (a call's operands must all be resident at once).
   */
  begin(): void {
    this.epoch++;
  }

  /**
   * Byte address of the resident form `layout` of `array[offset, offset + length)`: `bytes`
   * bytes that `fill(at)` writes from the array the first time (it may use other memory, but
   * must not take resident copies itself).
   */
  address(
    array: ArrayBufferView,
    offset: number,
    length: number,
    layout: string,
    bytes: number,
    fill: (at: number) => void,
  ): number {
    let entry = this.byArray.get(array);
    // An evicted entry stays in the WeakMap until its array is looked up again.
    if (entry !== undefined && !this.lru.has(entry)) entry = undefined;
    if (entry !== undefined && (entry.offset !== offset || entry.length !== length || entry.layout !== layout)) {
      // Another range or form of the same array: keep one per array, the latest.
      this.forget(array, entry);
      entry = undefined;
    }
    if (entry === undefined) {
      this.evictFor(bytes);
      const at = this.heap.alloc(bytes);
      try {
        fill(at);
      } catch (e) {
        this.heap.release(at);
        throw e;
      }
      entry = { at, offset, length, layout, bytes, epoch: this.epoch, token: {} };
      this.byArray.set(array, entry);
      this.finalizer.register(array, entry, entry.token);
      this.bytes += bytes;
    } else {
      this.lru.delete(entry);
    }
    entry.epoch = this.epoch;
    this.lru.add(entry);
    return entry.at;
  }

  /** Evicts least recently used copies (not of the current call) down to the budget. */
  trim(): void {
    this.evictFor(0);
  }

  private forget(array: ArrayBufferView, entry: Entry): void {
    this.byArray.delete(array);
    this.finalizer.unregister(entry.token);
    this.drop(entry);
  }

  /** Frees least recently used copies (not of the current call) until `bytes` more fit. */
  private evictFor(bytes: number): void {
    for (const entry of this.lru) {
      if (this.bytes + bytes <= this.capacity) return;
      if (entry.epoch === this.epoch) continue;
      this.finalizer.unregister(entry.token);
      this.drop(entry);
    }
  }

  /** Releases an entry's memory (its WeakMap key may already be gone). */
  private drop(entry: Entry): void {
    if (!this.lru.delete(entry)) return;
    this.heap.release(entry.at);
    this.bytes -= entry.bytes;
  }
}
