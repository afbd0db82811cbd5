export { foldConstants } from './fold-constants.js';
export { eliminateDeadCode } from './eliminate-dead-code.js';
export { removeIdentities } from './remove-identities.js';
export { foldBatchNorm } from './fold-batchnorm.js';
export { foldAffine } from './fold-affine.js';
export { sumToAdd } from './sum-to-add.js';
export { allPasses } from './register-all.js';
export { fuseActivations } from './fuse-activations.js';
export { quantize, quantizeWith } from './quantize.js';
export {
  RangeObserver,
  HistogramObserver,
  HISTOGRAM_BINS,
  calibratedRange,
  quantile,
  type CalibrationMethod,
  type CalibrationTable,
  type ValueStatistics,
} from './quantize/calibration.js';
export { fixedPointMultiplier, sharedShiftMultipliers, fixedPointValue, type FixedPoint } from './quantize/fixed-point.js';
export { quantizedValueNames } from './quantize/names.js';
export * from './rapidnn/cluster/index.js';
export {
  KMEANS_DEFAULT_ITERATIONS,
  assign,
  kmeans1d,
  kmeans1dOptimal,
  kmeans1dOptimalSse,
  midpoint,
  nearestIndex,
  type Kmeans1dInit,
  type Kmeans1dOptimalOptions,
  type Kmeans1dOptimalResult,
  type Kmeans1dOptions,
  type Kmeans1dResult,
} from './rapidnn/kmeans/index.js';
export { raellaEncode, raellaEncodeWith } from './raella/raella-encode.js';
export { raellaSlice, raellaSliceWith } from './raella/raella-slice.js';
export { raellaSpeculate } from './raella/raella-speculate.js';
export { analyzeRaellaLayers, type RaellaAnalysisOptions, type RaellaLayerReport } from './raella/analyze-layers.js';
export type { RaellaCalibration } from './raella/calibration-vectors.js';
export {
  analyzeLayer,
  DEFAULT_ANALYSIS,
  type LayerAnalysis,
  type EncodingAnalysis,
  type SpeculationAnalysis,
  type CenterSummary,
} from './raella/analysis.js';
export type { ColumnSumStats, SumHistogram } from './raella/column-sum-stats.js';
export { selectSlicing, type SlicingChoice, type SliceSelection } from './raella/slice-selection.js';
export { chooseCenter, layerCenters, centerObjective, inputBitProbabilities } from './raella/center.js';
export { weightSlicings, parseSlicing, formatSlicing } from './raella/slicings.js';
export { simulateCrossbarLayer } from './raella/crossbar-model.js';
export type { RaellaLayer, LayerVectors, CenterLayout } from './raella/layer-data.js';
