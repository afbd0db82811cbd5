import { PimcError } from '@pimc/support';
import {
  definePass,
  onnxOps,
  producersOf,
  rebuildGraph,
  Value,
  withGraph,
  type Graph,
  type GraphBuilder,
  type Pass,
  type PassContext,
} from '@pimc/ir';
import { clusterWeights } from './cluster-weights.js';
import { inputCodebook, type InputCodebook } from './cluster-inputs.js';
import { clusterableLayer, type ClusterableLayer } from './layers.js';
import { clusterSettings, rapidnnClusterOptions, type ClusterSettings } from './options.js';

/** Calibration samples of a value (the float model's activations on calibration inputs), by value name. */
export type ClusterCalibration = ReadonlyMap<string, Float32Array>;

type ClusterStatistic = 'layersClustered' | 'weightsClustered' | 'inputsClustered' | 'zeroCentroidsForced' | 'weightSseMicro';

const statistics: Readonly<Record<ClusterStatistic, string>> = {
  layersClustered: 'Conv, Gemm and MatMul layers whose constant weights were clustered',
  weightsClustered: 'weight values replaced by their cluster value cW[iW]',
  inputsClustered: 'PimCluster nodes inserted (one per layer input value)',
  zeroCentroidsForced: 'input codebooks given an exact 0 centroid (more than zeroFraction of the calibration values were 0)',
  weightSseMicro: 'Σ (w − cW[iW])² over every clustered weight, in units of 1e-6 (rounded)',
};

/**
 * The rapidnn-cluster pass with calibration samples bound in (pass options are scalars, so the
 * samples, which the driver captures by running the float model, come in through this factory).
 */
export function rapidnnClusterWith(calibration: ClusterCalibration | undefined): Pass {
  return definePass({
    name: 'rapidnn-cluster',
    summary: 'RAPIDNN clustering: weights snapped to kW clusters, PimCluster (kU clusters) on every layer input',
    description:
      'algorithms.md §2.2 on the float model. For every Conv, Gemm and MatMul with a float32 constant weight ' +
      '(Conv W, Gemm B, MatMul’s constant operand): 1-D k-means of the weights with kW clusters per layer or per ' +
      'output channel, and the weight replaced by a new constant holding each weight’s nearest centroid cW[iW] ' +
      '(float32; a unit then holds at most kW distinct values, from which the backend recovers cW and iW). For ' +
      'every such layer’s data input value, one PimCluster node shared by all its consumers, its centroids the ' +
      'k-means (kU clusters) of the value’s calibration samples (at most inputSampleCap, drawn uniformly), with an ' +
      'exact 0 centroid forced when more than zeroFraction of the samples are exactly 0. The result is the ' +
      'functional RAPIDNN model: the float executor runs it. k-means++ seeding draws from the pass rng.',
    options: rapidnnClusterOptions,
    statistics,
    run(model, values, ctx) {
      const settings = clusterSettings(values);
      return withGraph(model, clusterGraph(model.graph, calibration, settings, ctx));
    },
  });
}

/** The registered pass: without calibration it fails on the first layer input (use clusterModel in @pimc/driver). */
export const rapidnnCluster = rapidnnClusterWith(undefined);

/** The layers to cluster, in graph order; the others are logged with the reason. */
function findLayers(graph: Graph, ctx: PassContext): ClusterableLayer[] {
  const producers = producersOf(graph);
  const layers: ClusterableLayer[] = [];
  for (const node of graph.nodes) {
    const layer = clusterableLayer(node);
    if (layer === undefined) continue;
    if (typeof layer === 'string') {
      ctx.log(`rapidnn-cluster: ${node.op} ${node.name} stays float: ${layer}`);
    } else if (producers.get(node.inputs[layer.dataIndex]!)?.op === 'PimCluster') {
      ctx.log(`rapidnn-cluster: ${node.op} ${node.name} is clustered already`);
    } else {
      layers.push(layer);
    }
  }
  return layers;
}

/** Fails before any work when a layer input has no calibration samples, naming the first such input. */
function checkCalibration(layers: readonly ClusterableLayer[], calibration: ClusterCalibration | undefined): ClusterCalibration {
  for (const { node, dataIndex } of layers) {
    const name = node.inputs[dataIndex]!.name;
    const samples = calibration?.get(name);
    if (samples === undefined || samples.length === 0) {
      throw new PimcError(
        'pass',
        `rapidnn-cluster has no calibration samples of '${name}', input ${dataIndex} of ${node.op} ${node.name}`,
        {
          location: { node: node.name, opType: node.op },
          notes: [
            calibration === undefined
              ? 'run it through clusterModel (@pimc/driver), which captures the layer inputs on calibration data'
              : `calibration holds ${calibration.size} value(s); capture every layer input of the model the pass runs on`,
          ],
        },
      );
    }
  }
  return calibration!;
}

function clusterGraph(
  graph: Graph,
  calibration: ClusterCalibration | undefined,
  settings: ClusterSettings,
  ctx: PassContext,
): Graph {
  const layers = findLayers(graph, ctx);
  if (layers.length === 0) return graph;
  const samples = checkCalibration(layers, calibration);
  const names = new UniqueNames(graph);
  const weights = new Map<ClusterableLayer['node'], Value>();
  const codebooks = new Map<Value, InputCodebook>();
  let sse = 0;
  const kmeans = {
    method: settings.method,
    init: settings.kmeansInit,
    restarts: settings.kmeansRestarts,
    iterations: settings.kmeansIters,
    rng: ctx.rng,
  };
  for (const layer of layers) {
    const { node } = layer;
    const w = node.inputs[layer.weightIndex]!;
    const axis = settings.wGranularity === 'layer' ? undefined : layer.channelAxis;
    const clustered = clusterWeights(w.constant!, axis, settings.kW, kmeans, `${node.op} ${node.name}`);
    weights.set(node, Value.ofConstant(names.take(`${w.name}/clustered`), clustered.tensor));
    sse += clustered.sse;
    ctx.count('layersClustered');
    ctx.count('weightsClustered', clustered.tensor.size);
    ctx.log(
      `rapidnn-cluster: ${node.op} ${node.name}: ${clustered.tensor.size} weights, ≤ ${clustered.maxClusters} clusters ` +
        `per ${axis === undefined ? 'layer' : `output channel (${clustered.units})`}, SSE ${clustered.sse.toPrecision(4)}`,
    );
    const x = node.inputs[layer.dataIndex]!;
    if (codebooks.has(x)) continue;
    const codebook = inputCodebook(samples.get(x.name)!, settings, ctx.rng, `rapidnn-cluster: input '${x.name}' of ${node.name}`);
    codebooks.set(x, codebook);
    if (codebook.zeroForced) ctx.count('zeroCentroidsForced');
  }
  ctx.count('weightSseMicro', Math.round(sse * 1e6));

  const clusteredValues = new Map<Value, Value>();
  const clusteredOf = (original: Value, operand: Value, builder: GraphBuilder): Value => {
    let v = clusteredValues.get(original);
    if (v === undefined) {
      v = builder.add1('PimCluster', [operand], {
        name: names.take(`${original.name}/cluster`),
        attrs: { centroids: Array.from(codebooks.get(original)!.centroids) },
        outputNames: [names.take(`${original.name}/clustered`)],
      });
      clusteredValues.set(original, v);
      ctx.count('inputsClustered');
    }
    return v;
  };
  const layerWeightIndex = new Map(layers.map((l) => [l.node, l.weightIndex]));
  return rebuildGraph(graph, onnxOps, {
    rewrite(node, operands, builder) {
      const weightIndex = layerWeightIndex.get(node);
      let changed = weightIndex !== undefined;
      // Every consumer reads the clustered value: on the chip the value exists only as cluster indices.
      const inputs = operands.map((operand, i) => {
        const original = node.inputs[i];
        if (original === undefined || operand === undefined || !codebooks.has(original)) return operand;
        changed = true;
        return clusteredOf(original, operand, builder);
      });
      if (!changed) return undefined;
      if (weightIndex !== undefined) inputs[weightIndex] = weights.get(node);
      return builder.add(node.op, inputs, { name: node.name, attrs: node.attrs, outputNames: node.outputs.map((v) => v.name) })
        .outputs;
    },
  });
}

/** Value and node names not yet used in the graph (PimCluster nodes, their results, new weights). */
class UniqueNames {
  private readonly used = new Set<string>();

  constructor(graph: Graph) {
    for (const v of graph.inputs) this.used.add(v.name);
    for (const node of graph.nodes) {
      this.used.add(node.name);
      for (const v of [...node.inputs, ...node.outputs]) if (v !== undefined) this.used.add(v.name);
    }
  }

  take(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }
}
