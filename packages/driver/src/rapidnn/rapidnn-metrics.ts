import { PimcError } from '@pimc/support';
import type { Model, Node, Tensor } from '@pimc/ir';
import { referenceKernels, runGraph } from '@pimc/executor';
import type { WeightGranularity } from '@pimc/passes';
import type { Feeds } from '../calibration.js';
import { argmax, ErrorAccumulator, type ErrorMetrics } from './error-accumulator.js';
import { layerPairs, type LayerPair } from './layer-pairs.js';

/** Table geometry the memory figures assume (algorithms.md §2.2, §2.3 defaults, all [ours]). */
export interface RapidnnMetricsOptions {
  /** Weight granularity the model was clustered with: one product table per layer, or one per output channel. */
  readonly wGranularity?: WeightGranularity;
  /** Bits per stored product (default 16). */
  readonly lutBits?: number;
  /** Activation-CAM entries T per neuron (default 64). */
  readonly activationEntries?: number;
  /** CAM key width in bits (default 16). */
  readonly camKeyBits?: number;
  /** Class labels of the first output, one list per feed (rows in order), for accuracy. */
  readonly labels?: readonly ArrayLike<number>[];
}

/** One clustered layer (algorithms.md §2.2 Metrics). */
export interface RapidnnLayerMetrics {
  readonly layer: string;
  readonly op: string;
  /** The float value the layer reads (its PimCluster input). */
  readonly input: string;
  readonly weights: number;
  /** Product tables: 1 per layer, or one per output channel. */
  readonly tables: number;
  /** Weight clusters per table: the most distinct clustered weights of any table's unit. */
  readonly kW: number;
  /** Input clusters: the PimCluster centroids. */
  readonly kU: number;
  /** mean((w − cW[iW])²). */
  readonly weightMse: number;
  /** ‖W − Ŵ‖_F / ‖W‖_F (0 for an all-zero W that stayed zero). */
  readonly weightRelError: number;
  /** mean((x − cU[iU(x)])²) over the given inputs. */
  readonly inputMse: number;
  /** Float input through the clustered layer (clustered input and weights) vs through the float layer. */
  readonly isolated: ErrorMetrics;
  /** The clustered model's layer output vs the float model's. */
  readonly propagated: ErrorMetrics;
  /** tables · kW · kU · lutBits / 8. */
  readonly lutBytes: number;
  /** kW · kU · lutBits / 8 + T · (camKeyBits + ⌈log2 kU⌉) / 8: one table copy and an activation CAM. */
  readonly bytesPerNeuron: number;
  /** Work per sample (per index of the leading axis): one LUT read per product, in-memory adds per sum, one CAM search per input encode. */
  readonly perSample: { readonly lutReads: number; readonly inMemAdds: number; readonly camSearches: number };
}

export interface RapidnnOutputMetrics extends ErrorMetrics {
  readonly output: string;
  /** For [N, classes] outputs: the share of rows whose arg-max class is the float model's. */
  readonly top1Agreement?: number;
}

export interface RapidnnMetrics {
  readonly layers: readonly RapidnnLayerMetrics[];
  readonly outputs: readonly RapidnnOutputMetrics[];
  /** Rows of the first output over all feeds. */
  readonly samples: number;
  /** Top-1 agreement of the first output with the float model (classification outputs). */
  readonly top1Agreement?: number;
  /** Top-1 accuracy of both models against the labels, when given. */
  readonly accuracy?: { readonly float: number; readonly clustered: number };
  /** All product tables of the model. */
  readonly lutBytes: number;
  /** The largest bytesPerNeuron of any layer. */
  readonly maxBytesPerNeuron: number;
  readonly geometry: {
    readonly wGranularity: WeightGranularity;
    readonly lutBits: number;
    readonly activationEntries: number;
    readonly camKeyBits: number;
  };
}

/**
 * RAPIDNN accuracy metrics of a clustered model against the float model it came from, measured on
 * `feeds` (calibration inputs for the quantization errors, a labelled test set for accuracy).
 */
export function rapidnnMetrics(
  floatModel: Model,
  clusteredModel: Model,
  feeds: readonly Feeds[],
  options: RapidnnMetricsOptions = {},
): RapidnnMetrics {
  if (feeds.length === 0) throw new PimcError('invalid-input', 'rapidnnMetrics needs at least one set of inputs');
  if (options.labels !== undefined && options.labels.length !== feeds.length) {
    throw new PimcError('invalid-input', `rapidnnMetrics: ${options.labels.length} label lists for ${feeds.length} feeds`);
  }
  const geometry = {
    wGranularity: options.wGranularity ?? 'layer',
    lutBits: options.lutBits ?? 16,
    activationEntries: options.activationEntries ?? 64,
    camKeyBits: options.camKeyBits ?? 16,
  } as const;
  const pairs = layerPairs(floatModel, clusteredModel);
  const layers = pairs.map((pair) => new LayerMeasure(pair));
  const outputs = clusteredModel.graph.outputs.map(() => ({ error: new ErrorAccumulator(), rows: 0, agree: 0 }));
  const labelled = { rows: 0, float: 0, clustered: 0 };
  const floatNames = new Set(pairs.flatMap((p) => p.float.inputs.concat(p.float.outputs).map((v) => v?.name ?? '')));
  const clusteredNames = new Set(pairs.map((p) => p.clustered.outputs[0]!.name));

  feeds.forEach((feed, f) => {
    const float = run(floatModel, feed, floatNames);
    const clustered = run(clusteredModel, feed, clusteredNames);
    for (const layer of layers) layer.measure(float.values, clustered.values);
    clusteredModel.graph.outputs.forEach((v, o) => {
      const reference = float.outputs.get(v.name)!;
      const actual = clustered.outputs.get(v.name)!;
      const acc = outputs[o]!;
      acc.error.add(actual.data as ArrayLike<number>, reference.data as ArrayLike<number>);
      if (reference.rank !== 2 || reference.shape[1]! < 2) return;
      const [rows, classes] = reference.shape as [number, number];
      const labels = o === 0 ? options.labels?.[f] : undefined;
      for (let r = 0; r < rows; r++) {
        const floatClass = argmax(reference.data as ArrayLike<number>, r * classes, classes);
        const clusteredClass = argmax(actual.data as ArrayLike<number>, r * classes, classes);
        acc.rows++;
        if (floatClass === clusteredClass) acc.agree++;
        if (labels === undefined) continue;
        labelled.rows++;
        if (floatClass === labels[r]) labelled.float++;
        if (clusteredClass === labels[r]) labelled.clustered++;
      }
    });
  });

  const layerMetrics = layers.map((l) => l.result(geometry));
  const outputMetrics: RapidnnOutputMetrics[] = clusteredModel.graph.outputs.map((v, o) => {
    const acc = outputs[o]!;
    return { output: v.name, ...acc.error.result(), ...(acc.rows === 0 ? {} : { top1Agreement: acc.agree / acc.rows }) };
  });
  const first = outputMetrics[0];
  return {
    layers: layerMetrics,
    outputs: outputMetrics,
    samples: outputs[0]?.rows ?? 0,
    ...(first?.top1Agreement === undefined ? {} : { top1Agreement: first.top1Agreement }),
    ...(labelled.rows === 0
      ? {}
      : { accuracy: { float: labelled.float / labelled.rows, clustered: labelled.clustered / labelled.rows } }),
    lutBytes: layerMetrics.reduce((s, l) => s + l.lutBytes, 0),
    maxBytesPerNeuron: layerMetrics.reduce((m, l) => Math.max(m, l.bytesPerNeuron), 0),
    geometry,
  };
}

/** One model run: its outputs in graph order, and the named values. */
function run(model: Model, feed: Feeds, names: ReadonlySet<string>) {
  const values = new Map<string, Tensor>();
  for (const [name, t] of feed) if (names.has(name)) values.set(name, t);
  const result = runGraph(model.graph, feed, {
    onNode: (node, outputs) => node.outputs.forEach((v, i) => names.has(v.name) && values.set(v.name, outputs[i]!)),
  });
  return { outputs: result.outputs, values };
}

function kernelRun(node: Node, inputs: readonly (Tensor | undefined)[]): Tensor {
  const kernel = referenceKernels.get(node.op)!;
  return kernel.run(inputs, node.attrs as never, { node })[0]!;
}

/** The running measurements of one layer. */
class LayerMeasure {
  private readonly input = new ErrorAccumulator();
  private readonly isolated = new ErrorAccumulator();
  private readonly propagated = new ErrorAccumulator();
  private perSample = { lutReads: 0, inMemAdds: 0, camSearches: 0 };

  constructor(private readonly pair: LayerPair) {}

  measure(float: ReadonlyMap<string, Tensor>, clustered: ReadonlyMap<string, Tensor>): void {
    const { pair } = this;
    const get = (map: ReadonlyMap<string, Tensor>, name: string) => {
      const t = map.get(name);
      if (t === undefined) {
        throw new PimcError('internal', `rapidnnMetrics: value '${name}' of ${pair.float.name} was not captured`);
      }
      return t;
    };
    const x = get(float, pair.float.inputs[pair.dataIndex]!.name);
    const outputName = pair.float.outputs[0]!.name;
    const y = get(float, outputName);
    const xq = kernelRun(pair.cluster, [x]);
    this.input.add(xq.data as Float32Array, x.data as Float32Array);
    // The float layer's other operands (bias, or a computed operand) with the clustered data and weight.
    const operands = pair.clustered.inputs.map((v, i) => {
      if (i === pair.dataIndex) return xq;
      if (v === undefined) return undefined;
      return v.constant ?? get(float, pair.float.inputs[i]!.name);
    });
    this.isolated.add(kernelRun(pair.clustered, operands).data as Float32Array, y.data as Float32Array);
    this.propagated.add(get(clustered, outputName).data as Float32Array, y.data as Float32Array);
    const depth = pair.floatWeight.size / pair.floatWeight.shape[pair.channelAxis]!;
    const outputsPerSample = y.size / (y.shape[0] ?? 1);
    const hasBias = pair.clustered.inputs.length > 2 && pair.clustered.inputs[2] !== undefined;
    this.perSample = {
      lutReads: outputsPerSample * depth,
      inMemAdds: outputsPerSample * (depth - 1 + (hasBias ? 1 : 0)),
      camSearches: x.size / (x.shape[0] ?? 1),
    };
  }

  result(geometry: RapidnnMetrics['geometry']): RapidnnLayerMetrics {
    const { pair } = this;
    const w = pair.floatWeight.data as Float32Array;
    const q = pair.clusteredWeight.data as Float32Array;
    let squares = 0;
    let norm = 0;
    for (let i = 0; i < w.length; i++) {
      squares += (w[i]! - q[i]!) ** 2;
      norm += w[i]! ** 2;
    }
    const axis = geometry.wGranularity === 'layer' ? undefined : pair.channelAxis;
    const tables = axis === undefined ? 1 : pair.clusteredWeight.shape[axis]!;
    const kW = maxDistinctPerUnit(pair.clusteredWeight, axis);
    const kU = (pair.cluster.attrs['centroids'] as readonly number[]).length;
    const table = (kW * kU * geometry.lutBits) / 8;
    const cam = (geometry.activationEntries * (geometry.camKeyBits + Math.ceil(Math.log2(kU)))) / 8;
    return {
      layer: pair.clustered.name,
      op: pair.clustered.op,
      input: pair.cluster.inputs[0]!.name,
      weights: w.length,
      tables,
      kW,
      kU,
      weightMse: w.length === 0 ? 0 : squares / w.length,
      weightRelError: norm === 0 ? (squares === 0 ? 0 : Infinity) : Math.sqrt(squares / norm),
      inputMse: this.input.result().mse,
      isolated: this.isolated.result(),
      propagated: this.propagated.result(),
      lutBytes: tables * table,
      bytesPerNeuron: table + cam,
      perSample: this.perSample,
    };
  }
}

/** The most distinct values of any slice of `t` along `axis` (the whole tensor when undefined). */
function maxDistinctPerUnit(t: Tensor, axis: number | undefined): number {
  const data = t.data as Float32Array;
  if (axis === undefined) return new Set(data).size;
  const units = t.shape[axis]!;
  const inner = t.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const sets = Array.from({ length: units }, () => new Set<number>());
  for (let i = 0; i < data.length; i++) sets[Math.floor(i / inner) % units]!.add(data[i]!);
  return sets.reduce((m, s) => Math.max(m, s.size), 0);
}
