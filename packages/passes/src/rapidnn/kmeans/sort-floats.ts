/**
 * Sorting finite numbers into a fresh ascending Float64Array, the one O(n log n) step of 1-D k-means.
 *
 * Layer weights and activations arrive as float32, so the fast path is an LSD radix sort on the
 * float32 bit patterns mapped to order-preserving uint32 keys: two passes of 16 bits. Measured on
 * this machine (Node 20) for 10^6 Gaussian float32 values: radix ≈ 26–30 ms (three 11-bit passes
 * about the same), `Float64Array#sort` ≈ 105 ms, a value-bucket sort ≈ 60 ms. Values that are not
 * exactly representable in float32 use the native sort. `-0` comes out as `+0`, so equal values
 * are equal bit patterns too.
 */

/** Below this size the radix histograms cost more than the native sort saves. */
const RADIX_MIN_LENGTH = 4096;
const DIGIT_BITS = 16;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;

/**
 * An ascending copy of `values` as float64. The caller has checked that every value is finite
 * (NaN has no place in an order).
 */
export function sortedFloat64(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (n >= RADIX_MIN_LENGTH) {
    const asFloat32 = values instanceof Float32Array ? values : exactFloat32Copy(values);
    if (asFloat32 !== undefined) return radixSortFloat32(asFloat32);
  }
  const out = Float64Array.from(values);
  out.sort();
  for (let i = 0; i < n && out[i] <= 0; i++) out[i] += 0; // -0 + 0 is +0
  return out;
}

/** True when `values` is already in ascending order (lets histogram callers skip the sort). */
export function isAscending(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1] > values[i]) return false;
  return true;
}

/** A float32 copy when every value survives the round trip exactly, otherwise undefined. */
function exactFloat32Copy(values: ArrayLike<number>): Float32Array | undefined {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Math.fround(v) !== v) return undefined;
    out[i] = v;
  }
  return out;
}

/**
 * LSD radix sort of float32 values. The key flips every bit of a negative number (so larger
 * magnitudes sort lower) and only the sign bit of a positive one, which makes unsigned key order
 * equal numeric order.
 */
function radixSortFloat32(values: Float32Array): Float64Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const keys = new Uint32Array(n);
  const scratch = new Uint32Array(n);
  const lowCounts = new Uint32Array(DIGIT_MASK + 1);
  const highCounts = new Uint32Array(DIGIT_MASK + 1);
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    const key = (u & 0x80000000) !== 0 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
    keys[i] = key;
    lowCounts[key & DIGIT_MASK]++;
    highCounts[key >>> DIGIT_BITS]++;
  }
  toStartOffsets(lowCounts);
  toStartOffsets(highCounts);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    scratch[lowCounts[key & DIGIT_MASK]++] = key;
  }
  for (let i = 0; i < n; i++) {
    const key = scratch[i];
    keys[highCounts[key >>> DIGIT_BITS]++] = key;
  }
  // Undo the key mapping in place, then read the words back as float32.
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    keys[i] = (key & 0x80000000) !== 0 ? key & 0x7fffffff : ~key >>> 0;
  }
  const sorted = new Float32Array(keys.buffer, 0, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sorted[i] + 0; // -0 + 0 is +0
  return out;
}

function toStartOffsets(counts: Uint32Array): void {
  let start = 0;
  for (let d = 0; d < counts.length; d++) {
    const c = counts[d];
    counts[d] = start;
    start += c;
  }
}
