/** Rounds to the nearest integer, exact halves to the even one (the CAM query rounding of the program contract). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends every half up; pull the odd results of exact halves back down.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The largest magnitude of a signed `bits`-bit integer that is representable on both sides. */
export function signedMax(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** [lowest, highest] of a signed `bits`-bit integer. */
export function signedRange(bits: number): readonly [number, number] {
  return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
}
