import { PimcError } from '@pimc/support';

/*
 * Bit-slicing notation of algorithms.md §1.4: a slicing σ = [w_1, …, w_n] lists slice widths most
 * significant first; slice i holds bits [e_i − w_i, e_i) with e_1 = the value's bit count. The same
 * notation serves weight slices (cells) and input slices (speculation).
 */

/** Bits of a weight magnitude (sign-magnitude offsets) and of an input code. */
export const WEIGHT_BITS = 8;
export const INPUT_BITS = 8;

/** One slice as a bit range: bits [lo, lo + width). */
export interface BitSlice {
  readonly lo: number;
  readonly width: number;
}

/** Number of ordered compositions of n into parts in [1, maxPart]: f(n) = Σ_{p ≤ maxPart} f(n − p), f(0) = 1. */
export function countCompositions(n: number, maxPart: number): number {
  const f = [1];
  for (let i = 1; i <= n; i++) {
    let total = 0;
    for (let part = 1; part <= Math.min(maxPart, i); part++) total += f[i - part]!;
    f.push(total);
  }
  return f[n]!;
}

/**
 * The candidate weight slicings of raella-slice (§3.3): every ordered composition of `bits` into
 * parts in [1, maxBitsPerCell], most significant slice first, with 2 ≤ |σ| ≤ 8. Listed with the
 * widest leading slices first ([4,4] before [4,3,1] …), an order later tie-breaks fall back on.
 */
export function weightSlicings(maxBitsPerCell = 4, bits = WEIGHT_BITS): number[][] {
  if (!Number.isInteger(maxBitsPerCell) || maxBitsPerCell < 1 || maxBitsPerCell > bits) {
    throw new PimcError('pipeline', `maxBitsPerCell must be an integer in [1, ${bits}], got ${maxBitsPerCell}`);
  }
  const out: number[][] = [];
  const walk = (left: number, prefix: number[]) => {
    if (left === 0) {
      if (prefix.length >= 2 && prefix.length <= 8) out.push([...prefix]);
      return;
    }
    for (let part = Math.min(maxBitsPerCell, left); part >= 1; part--) walk(left - part, [...prefix, part]);
  };
  walk(bits, []);
  return out;
}

/** Shift of each slice (its lowest bit), MSB first: shift_i = e_i − w_i. */
export function sliceShifts(slicing: readonly number[], bits = WEIGHT_BITS): number[] {
  let end = bits;
  return slicing.map((w) => (end -= w));
}

/** The slices of a slicing as bit ranges, MSB first. */
export function bitSlices(slicing: readonly number[], bits = WEIGHT_BITS): BitSlice[] {
  const shifts = sliceShifts(slicing, bits);
  return slicing.map((width, i) => ({ lo: shifts[i]!, width }));
}

/** The value of bits [shift, shift + width) of a non-negative integer. */
export function sliceValue(magnitude: number, shift: number, width: number): number {
  return (magnitude >>> shift) & ((1 << width) - 1);
}

/**
 * Every distinct bit range of width 1..maxWidth inside `bits` bits, grouped by width (all width-1
 * ranges by lo, then width 2, …): 26 for 8 bits and width ≤ 4. Any slicing is a set of these.
 */
export function distinctSlices(maxWidth = 4, bits = WEIGHT_BITS): BitSlice[] {
  const out: BitSlice[] = [];
  for (let width = 1; width <= maxWidth; width++) for (let lo = 0; lo + width <= bits; lo++) out.push({ lo, width });
  return out;
}

/** Index of a bit range in `distinctSlices(maxWidth, bits)`. */
export function distinctSliceIndex(slice: BitSlice, maxWidth = 4, bits = WEIGHT_BITS): number {
  if (slice.width < 1 || slice.width > maxWidth || slice.lo < 0 || slice.lo + slice.width > bits) {
    throw new PimcError('internal', `bit range [${slice.lo}, ${slice.lo + slice.width}) is not a slice of width ≤ ${maxWidth}`);
  }
  let index = 0;
  for (let w = 1; w < slice.width; w++) index += bits - w + 1;
  return index + slice.lo;
}

/** Checks that `slicing` is a list of positive integer widths adding up to `bits`. */
export function checkSlicing(slicing: readonly number[], bits: number, what: string): void {
  const ok =
    slicing.length > 0 && slicing.every((w) => Number.isInteger(w) && w >= 1) && slicing.reduce((a, b) => a + b, 0) === bits;
  if (!ok) {
    throw new PimcError('pipeline', `${what}: slicing [${slicing.join(', ')}] must be positive widths adding up to ${bits}`);
  }
}

/**
 * Parses a slicing option such as '4-2-2' (MSB first; '-' because pipeline text separates options
 * with commas, though '4,2,2' is accepted too) and checks that it covers `bits` bits.
 */
export function parseSlicing(text: string, what: string, bits = WEIGHT_BITS): number[] {
  const parts = text.split(/[-,]/).map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new PimcError('pipeline', `${what}: '${text}' is not a list of slice widths such as 4-2-2`);
  }
  const slicing = parts.map(Number);
  checkSlicing(slicing, bits, what);
  return slicing;
}

/** '4b-2b-2b' style label of a slicing, for logs and reports. */
export function formatSlicing(slicing: readonly number[]): string {
  return slicing.map((w) => `${w}b`).join('-');
}
