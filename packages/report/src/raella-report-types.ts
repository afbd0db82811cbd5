// Input of the RAELLA report (algorithms.md §3.6 metrics). Everything a run may not produce is
// optional: the ISAAC-like baseline has no adaptive slicing, a run without a labelled test set has
// no accuracy, and so on. Missing values render as "—", never as 0.
import type { Histogram } from './histogram.js';

/** Energy components of the cost model (cost-model.md), in picojoules. */
export const ENERGY_COMPONENTS = ['adc', 'crossbar', 'dac', 'buffers', 'digital', 'other'] as const;
export type EnergyComponent = (typeof ENERGY_COMPONENTS)[number];
export type EnergyBreakdownPj = Partial<Record<EnergyComponent, number>>;

/** Column-sum statistics of one weight slice (RAELLA §3.6). */
export interface ColumnSumStats {
  /** Slice index (0 = MSB) or a name. */
  readonly slice?: number | string;
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  readonly std?: number;
  /** 0.1th percentile. */
  readonly p0_1?: number;
  /** 99.9th percentile. */
  readonly p99_9?: number;
}

/** ADC resolution needed to cover all column sums, and 99.9% of them. */
export interface AdcBitsNeeded {
  readonly full?: number;
  readonly p99_9?: number;
}

export interface RaellaLayerRow {
  readonly layer: string;
  readonly energyPj?: EnergyBreakdownPj;
  readonly adcConversions?: number;
  readonly crossbarCycles?: number;
  readonly macs?: number;
  /** Chosen weight slicing in bits, MSB first, e.g. [4, 2, 2]. */
  readonly weightSlicing?: readonly number[];
  /** Per weight slice, in slice order. */
  readonly columnSumStats?: readonly ColumnSumStats[];
  readonly adcBitsNeeded?: AdcBitsNeeded;
  /** Fraction of conversions that saturate at the configured ADC resolution. */
  readonly saturationRate?: number;
  readonly adcConversionsPerMac?: number;
  /** Fraction of speculative conversions that did not need recovery. */
  readonly speculationSuccessRate?: number;
  /** ADC conversions relative to non-speculative 1-bit input slicing (RAELLA §3.4). */
  readonly adcShare?: number;
  /** ε = RMS(y_PIM − y_exact) / RMS(y_exact) against the integer reference (RAELLA §3.3). */
  readonly outputError?: number;
  /** Set when no slicing met the error budget (RAELLA §3.3 fallback). */
  readonly saturating?: boolean;
}

export interface RaellaTotals {
  readonly energyPj?: EnergyBreakdownPj;
  readonly latencyNs?: number;
  readonly adcConversions?: number;
  /** Top-1 accuracy against labels, a fraction in [0, 1]. */
  readonly top1Accuracy?: number;
  /** Top-1 agreement with the 8-bit reference model, a fraction in [0, 1]. */
  readonly top1Agreement?: number;
}

export interface RaellaConfiguration {
  /** e.g. "isaac", "raella-no-spec-2b", "raella-no-spec", "raella". */
  readonly name: string;
  readonly description?: string;
  /** Whole-model totals; when energy is absent it is summed from the layers (and says so). */
  readonly totals?: RaellaTotals;
  readonly layers?: readonly RaellaLayerRow[];
}

/** One distribution of column sums, e.g. "ISAAC-like (unsigned)" or "Center+Offset". */
export interface ColumnSumDistribution extends Histogram {
  readonly name: string;
  /** Whether the ADC for this encoding is signed (decides the bits-needed formula); default: min < 0. */
  readonly signed?: boolean;
}

export interface ColumnSumHistogram {
  readonly layer: string;
  readonly distributions: readonly ColumnSumDistribution[];
  /** Reference lines, e.g. the limits of a 7-bit signed ADC at −64 and 63. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
}

export interface RaellaReportData {
  readonly model: string;
  readonly title?: string;
  /** Rendered at the top: placeholders, unverified numbers, calibration used. */
  readonly notes?: readonly string[];
  /** The first configuration is the baseline that ratios refer to. */
  readonly configurations: readonly RaellaConfiguration[];
  readonly columnSumHistograms?: readonly ColumnSumHistogram[];
  /** Layers whose histograms are drawn; default: first, middle and last. */
  readonly representativeLayers?: readonly string[];
}
