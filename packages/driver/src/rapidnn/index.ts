export { captureValues, DEFAULT_CAPTURE_CAP, type CaptureOptions } from './capture-values.js';
export { clusterModel, rapidnnClusterStep, type ClusterModelOptions, type ClusteredModel } from './cluster-model.js';
export {
  rapidnnMetrics,
  type RapidnnMetrics,
  type RapidnnMetricsOptions,
  type RapidnnLayerMetrics,
  type RapidnnOutputMetrics,
} from './rapidnn-metrics.js';
export type { ErrorMetrics } from './error-accumulator.js';
