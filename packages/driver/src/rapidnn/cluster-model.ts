import { onnxOps, PassManager, type Model, type PassRecord } from '@pimc/ir';
import { allPasses, clusterableLayer, rapidnnClusterWith, type KmeansMethod, type WeightGranularity } from '@pimc/passes';
import type { Feeds } from '../calibration.js';
import { runPipeline, SIMPLIFY_PIPELINE } from '../pipeline.js';
import { captureValues } from './capture-values.js';

/** rapidnn-cluster's options (algorithms.md §2.2 defaults when absent) and how the driver runs it. */
export interface ClusterModelOptions {
  readonly kW?: number;
  readonly kU?: number;
  readonly wGranularity?: WeightGranularity;
  readonly kmeansInit?: 'kmeans++' | 'grid-dp';
  readonly kmeansRestarts?: number;
  readonly kmeansIters?: number;
  readonly inputSampleCap?: number;
  readonly zeroFraction?: number;
  readonly method?: KmeansMethod;
  /** Seed of the capture sampling and of k-means++ (default 0). */
  readonly seed?: number;
  /** Float pipeline run first (default SIMPLIFY_PIPELINE: constants and BatchNorm folded, identities removed). */
  readonly floatPipeline?: string;
  /** Most calibration values captured per layer input (see captureValues). */
  readonly captureCap?: number;
  readonly verifyEach?: boolean;
  readonly log?: (message: string) => void;
}

export interface ClusteredModel {
  /** The clustered float model: the functional RAPIDNN model (the float executor runs it). */
  readonly model: Model;
  /** The float reference after the float pipeline, which the metrics compare with. */
  readonly floatModel: Model;
  /** The whole pipeline as text, for reports and reproducers. */
  readonly pipeline: string;
  /** What every pass did (float pipeline, then rapidnn-cluster). */
  readonly records: readonly PassRecord[];
}

/** The pipeline step of rapidnn-cluster with every option spelled out. */
export function rapidnnClusterStep(options: ClusterModelOptions = {}): string {
  const values: Record<string, string | number | undefined> = {
    kW: options.kW,
    kU: options.kU,
    wGranularity: options.wGranularity,
    kmeansInit: options.kmeansInit,
    kmeansRestarts: options.kmeansRestarts,
    kmeansIters: options.kmeansIters,
    inputSampleCap: options.inputSampleCap,
    zeroFraction: options.zeroFraction,
    method: options.method,
  };
  const given = Object.entries(values).filter(([, v]) => v !== undefined);
  return given.length === 0 ? 'rapidnn-cluster' : `rapidnn-cluster{${given.map(([k, v]) => `${k}=${v}`).join(',')}}`;
}

/**
 * RAPIDNN clustering of a float model: the float pipeline, then the layer inputs captured on the
 * calibration feeds (drawn from the training split), then the rapidnn-cluster pass with them.
 */
export function clusterModel(model: Model, calibration: readonly Feeds[], options: ClusterModelOptions = {}): ClusteredModel {
  const seed = options.seed ?? 0;
  const run = {
    seed,
    ...(options.verifyEach === undefined ? {} : { verifyEach: options.verifyEach }),
    ...(options.log === undefined ? {} : { log: options.log }),
  };
  const floatPipeline = options.floatPipeline ?? SIMPLIFY_PIPELINE;
  const float = floatPipeline.trim() === '' ? { model, records: [] } : runPipeline(model, floatPipeline, run);
  const inputs = new Set<string>();
  for (const node of float.model.graph.nodes) {
    const layer = clusterableLayer(node);
    if (layer !== undefined && typeof layer !== 'string') inputs.add(node.inputs[layer.dataIndex]!.name);
  }
  const captured = captureValues(float.model, calibration, [...inputs], {
    seed,
    ...(options.captureCap === undefined ? {} : { cap: options.captureCap }),
  });
  const step = rapidnnClusterStep(options);
  const passes = [...allPasses.filter((p) => p.name !== 'rapidnn-cluster'), rapidnnClusterWith(captured)];
  const clustered = new PassManager(passes, onnxOps).run(float.model, step, run);
  return {
    model: clustered.model,
    floatModel: float.model,
    pipeline: floatPipeline.trim() === '' ? step : `${floatPipeline},${step}`,
    records: [...float.records, ...clustered.records],
  };
}
