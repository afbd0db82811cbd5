export { rapidnnCluster, rapidnnClusterWith, type ClusterCalibration } from './rapidnn-cluster.js';
export { rapidnnClusterOptions, type ClusterSettings, type KmeansMethod, type WeightGranularity } from './options.js';
export { clusterableLayer, type ClusterableLayer } from './layers.js';
export { subsample } from './cluster-inputs.js';
