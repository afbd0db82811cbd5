import { describe, expect, it } from 'vitest';
import { LinearHeap, PAGE_BYTES, type GrowableMemory } from './heap.js';

/** A stand-in for WebAssembly.Memory: an ArrayBuffer replaced by a larger one on grow. */
function fakeMemory(pages: number): GrowableMemory & { grows: number } {
  const memory = {
    buffer: new ArrayBuffer(pages * PAGE_BYTES),
    grows: 0,
    grow(delta: number): number {
      const before = memory.buffer.byteLength / PAGE_BYTES;
      memory.buffer = new ArrayBuffer((before + delta) * PAGE_BYTES);
      memory.grows++;
      return before;
    },
  };
  return memory;
}

describe('LinearHeap', () => {
  it('hands out 64-byte aligned, disjoint blocks from the base up', () => {
    const heap = new LinearHeap(fakeMemory(1), 100);
    const a = heap.alloc(10);
    const b = heap.alloc(100);
    const c = heap.alloc(64);
    expect([a, b, c]).toEqual([128, 192, 320]);
    expect(heap.usedBytes).toBe(64 + 128 + 64);
  });

  it('reuses and coalesces released blocks', () => {
    const heap = new LinearHeap(fakeMemory(1), 0);
    const a = heap.alloc(64);
    const b = heap.alloc(64);
    const c = heap.alloc(64);
    heap.alloc(64);
    heap.release(a);
    heap.release(c);
    heap.release(b); // merges a, b and c into one 192-byte hole
    expect(heap.alloc(192)).toBe(a);
    expect(heap.usedBytes).toBe(256);
  });

  it('grows memory for blocks that fit nowhere, extending a free tail', () => {
    const memory = fakeMemory(1);
    const heap = new LinearHeap(memory, 0);
    const a = heap.alloc(PAGE_BYTES - 128);
    const big = heap.alloc(PAGE_BYTES); // 128 free bytes at the top are extended by one page
    expect(big).toBe(a + PAGE_BYTES - 128);
    expect(memory.grows).toBe(1);
    expect(memory.buffer.byteLength).toBe(2 * PAGE_BYTES);
    const more = heap.alloc(3 * PAGE_BYTES + 1);
    expect(more).toBe(big + PAGE_BYTES);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(more + 3 * PAGE_BYTES + 1);
  });

  it('grows memory that ends below its base', () => {
    const memory = fakeMemory(1);
    const heap = new LinearHeap(memory, PAGE_BYTES + 10);
    expect(memory.buffer.byteLength).toBe(2 * PAGE_BYTES);
    expect(heap.alloc(8)).toBe(PAGE_BYTES + 64);
  });

  it('rejects bad sizes and releasing what it did not hand out', () => {
    const heap = new LinearHeap(fakeMemory(1), 0);
    expect(() => heap.alloc(-1)).toThrow(RangeError);
    expect(() => heap.alloc(1.5)).toThrow(RangeError);
    const a = heap.alloc(8);
    heap.release(a);
    expect(() => heap.release(a)).toThrow(/not an allocated block/);
    expect(() => heap.release(12345)).toThrow(/not an allocated block/);
  });
});
