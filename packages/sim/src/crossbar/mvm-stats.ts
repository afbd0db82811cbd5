/**
 * What the crossbars of a layer did, beyond the event counts (docs/simulator.md, "Crossbar
 * statistics"). Every field is a count over the run's batch, so layers add up field by field.
 */
export interface MvmStats {
  /** ADC conversions whose column sum was computed and converted by the simulated ADC. */
  columnSumsComputed: number;
  /** ADC conversions proven to pass the ADC unchanged (or, speculative, to succeed) and folded into an exact product. */
  columnSumsFolded: number;
  /**
   * Conversions whose code was clipped to the ADC's range and kept in the result: without
   * speculation any conversion, with it the recovery conversions (a clipped speculative code fails
   * and is recomputed; see `failedColumns`).
   */
  saturated: number;
  /** Physical slice products: (input slice × cell) per row and used column of every crossbar cycle. */
  sliceMacs: number;
  /** Crossbar activations: per tile, input vector and pass, one per cycle (11 with speculation [4, 2, 2]). */
  crossbarCycles: number;
  /**
   * The conversions of a non-speculative 1-bit-input baseline: used columns × input bits per
   * tile, input vector and pass. `adcShare` = conversions / this.
   */
  baselineConversions: number;
  /** Speculative conversions: every used column once per speculative slice (0 without speculation). */
  speculativeConversions: number;
  /** Speculative conversions whose code was the ADC's minimum or maximum: the column is recovered. */
  failedColumns: number;
  /** Recovery conversions: one per bit of the slice of each failed column. */
  recoveryConversions: number;
  /** Recovery conversions whose code was clipped (the remaining error of speculation). */
  recoverySaturations: number;
}

export function emptyStats(): MvmStats {
  return {
    columnSumsComputed: 0,
    columnSumsFolded: 0,
    saturated: 0,
    sliceMacs: 0,
    crossbarCycles: 0,
    baselineConversions: 0,
    speculativeConversions: 0,
    failedColumns: 0,
    recoveryConversions: 0,
    recoverySaturations: 0,
  };
}

/** Adds `from` into `into`, field by field. */
export function addStats(into: MvmStats, from: MvmStats): void {
  for (const key of Object.keys(from) as (keyof MvmStats)[]) into[key] += from[key];
}

/** Rates derived from a layer's (or a run's) statistics. */
export interface CrossbarRates {
  /** ADC conversions: computed + folded (every one a conversion in the hardware). */
  readonly conversions: number;
  /** conversions / baselineConversions (algorithms.md §3.4; RAELLA records 0.38–0.56). */
  readonly adcShare: number;
  /** Speculative conversions that succeeded, as a fraction (1 without speculation). */
  readonly speculationSuccessRate: number;
  /** Conversions that clipped, as a fraction of conversions. */
  readonly saturationRate: number;
}

export function crossbarRates(stats: MvmStats): CrossbarRates {
  const conversions = stats.columnSumsComputed + stats.columnSumsFolded;
  const ratio = (a: number, b: number, otherwise: number) => (b === 0 ? otherwise : a / b);
  return {
    conversions,
    adcShare: ratio(conversions, stats.baselineConversions, 0),
    speculationSuccessRate: 1 - ratio(stats.failedColumns, stats.speculativeConversions, 0),
    saturationRate: ratio(stats.saturated, conversions, 0),
  };
}
