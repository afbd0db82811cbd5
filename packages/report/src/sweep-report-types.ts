// Input of the RAPIDNN tunable-approximation sweep report (algorithms.md §2.3): one point per
// (kW, kU, camBits, T) grid setting. Accuracies are fractions in [0, 1].

export interface SweepPoint {
  /** Weight clusters per granularity unit. */
  readonly kW?: number;
  /** Input (activation) clusters per layer input. */
  readonly kU?: number;
  /** CAM search key precision in bits. */
  readonly camBits?: number;
  /** Activation-table size. */
  readonly T?: number;
  /** Top-1 accuracy against labels. */
  readonly accuracy?: number;
  /** Top-1 agreement with the float (or 8-bit) reference. */
  readonly top1Agreement?: number;
  /** Accuracy loss vs float (a fraction: 0.003 = 0.3 points); derived from floatAccuracy when absent. */
  readonly accuracyLoss?: number;
  readonly energyPjPerInference?: number;
  readonly latencyNs?: number;
  readonly bytesPerNeuron?: number;
  /** Overrides the default label "kW/kU/camBits/T". */
  readonly label?: string;
}

/** A point drawn for comparison (e.g. the ISAAC-like baseline); not part of the Pareto front. */
export interface SweepReference {
  readonly name: string;
  readonly energyPjPerInference?: number;
  readonly accuracy?: number;
  readonly top1Agreement?: number;
  readonly latencyNs?: number;
}

export interface SweepReportData {
  readonly model: string;
  readonly title?: string;
  /** Rendered at the top: placeholders, unverified numbers, calibration used. */
  readonly notes?: readonly string[];
  /** Float model accuracy, for the loss column. */
  readonly floatAccuracy?: number;
  readonly points: readonly SweepPoint[];
  readonly references?: readonly SweepReference[];
}
