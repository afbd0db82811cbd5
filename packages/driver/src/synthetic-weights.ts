import { runGraph } from '@pimc/executor';
import { onnxOps, rebuildGraph, Tensor, Value, type Model, type Node } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { firstImages, type Feeds } from './calibration.js';

/*
 * Seeded stand-ins for the parameters of models that carry only their structure (the light models
 * hold one constant, 0.02, per tensor). A constant weight makes every column sum alike and says
 * nothing about an encoding; constant BatchNormalization parameters are worse: each one scales its
 * layer by 0.02/√0.02 ≈ 0.14 and adds a constant, so a few layers down every activation is the
 * same positive number and a crossbar sees dense, saturating inputs no trained network produces.
 * Never use these models for accuracy figures.
 */

/** Layers whose weight operand is replaced, and which operand holds the weights. */
const WEIGHT_OPERAND: Readonly<Record<string, number>> = { Conv: 1, Gemm: 1, MatMul: 1 };

/** BatchNormalization operands: scale γ, bias β, running mean, running variance. */
const BN_SCALE = 1;
const BN_BIAS = 2;
const BN_MEAN = 3;
const BN_VAR = 4;

/**
 * Trained-like BatchNormalization affine parameters [ours]: γ log-normal around 1 (σ_log 0.5:
 * channels of one layer differ in scale, so a per-tensor activation scale leaves most channels'
 * high bits empty), β = γ·N(−0.3, 0.3) (a trained BN shifts most pre-activations below zero:
 * about 62 % of the ReLU outputs are 0, in the range measured on trained CNNs).
 */
const GAMMA_LOG_SIGMA = 0.5;
const BETA_MEAN = -0.3;
const BETA_SIGMA = 0.3;

/** Images the BatchNormalization statistics are measured on (each conv output gives ≥ 49 positions per image). */
const STATISTICS_IMAGES = 8;

/**
 * The model with seeded random parameters:
 * - every Conv, Gemm and MatMul float constant weight: Laplacian, He-scaled (standard deviation
 *   √(2 / fan-in)), so activations keep their scale through ReLU networks. Laplacian because
 *   trained weights are heavy-tailed: quantized per output channel to int8, large layers land near
 *   σ ≈ 20 LSB, as algorithms.md §7.2 assumes for Tier-0 layers;
 * - every BatchNormalization with constant parameters: trained-like γ and β (see GAMMA_LOG_SIGMA),
 *   and running statistics measured on `feeds` (the calibration inputs; data-dependent
 *   initialisation), so each BN output is γ·ẑ + β with ẑ standardized per channel, as in a
 *   trained network. Without feeds the running statistics are mean 0 and variance 1.
 * Run it after fold-constants (parameters must be constants).
 */
export function withRandomWeights(model: Model, seed: number, feeds: readonly Feeds[] = []): Model {
  const rng = new Rng(seed);
  const batchNorms = new Map<string, BatchNormParameters>();
  const replaced = new Map<Value, Value>();
  const randomized = rebuildGraph(model.graph, onnxOps, {
    rewrite: (node, operands, b) => {
      if (node.op === 'BatchNormalization') {
        const params = trainedLikeBatchNorm(node, operands, rng);
        if (params === undefined) return undefined;
        batchNorms.set(node.name, params);
        return b.add(node.op, batchNormOperands(node, operands, params), {
          name: node.name,
          attrs: { ...node.attrs, training_mode: 1, momentum: 0 },
          outputNames: node.outputs.map((o) => o.name),
        }).outputs;
      }
      const at = WEIGHT_OPERAND[node.op];
      const w = at === undefined ? undefined : operands[at];
      const t = w?.constant;
      if (w === undefined || t === undefined || t.dtype !== 'float32' || t.rank < 2) return undefined;
      let fresh = replaced.get(w);
      if (fresh === undefined) {
        fresh = Value.ofConstant(`${w.name}_random`, laplacianHe(t, fanIn(node.op, t), rng));
        replaced.set(w, fresh);
      }
      const inputs = operands.map((v, i) => (i === at ? fresh : v));
      return b.add(node.op, inputs, { name: node.name, attrs: node.attrs, outputNames: node.outputs.map((o) => o.name) }).outputs;
    },
  });
  if (batchNorms.size === 0) return { ...model, graph: randomized };
  const measured = measureBatchStatistics({ ...model, graph: randomized }, feeds, batchNorms);
  // The same graph in inference mode, every BN normalizing with the statistics just measured.
  const graph = rebuildGraph(randomized, onnxOps, {
    rewrite: (node, operands, b) => {
      const drawn = node.op === 'BatchNormalization' ? batchNorms.get(node.name) : undefined;
      if (drawn === undefined) return undefined;
      const params = { ...drawn, ...measured.get(node.name) };
      return b.add(node.op, batchNormOperands(node, operands, params), {
        name: node.name,
        attrs: params.attrs,
        outputNames: node.outputs.map((o) => o.name),
      }).outputs;
    },
  });
  return { ...model, graph };
}

interface BatchNormParameters {
  /** The node's own attributes (the measuring run overrides training_mode and momentum). */
  readonly attrs: Node['attrs'];
  readonly scale: Float32Array;
  readonly bias: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

/** γ and β drawn as trained ones look; mean 0 and variance 1 until measured. Undefined: parameters not constant. */
function trainedLikeBatchNorm(node: Node, operands: readonly (Value | undefined)[], rng: Rng): BatchNormParameters | undefined {
  if ((node.attrs as { training_mode?: number }).training_mode === 1) return undefined;
  const params = [BN_SCALE, BN_BIAS, BN_MEAN, BN_VAR].map((i) => operands[i]?.constant);
  if (params.some((t) => t === undefined || t.dtype !== 'float32' || t.rank !== 1)) return undefined;
  const channels = params[0]!.size;
  if (params.some((t) => t!.size !== channels)) return undefined;
  const scale = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = Math.exp(rng.normal(0, GAMMA_LOG_SIGMA));
    bias[c] = scale[c]! * rng.normal(BETA_MEAN, BETA_SIGMA);
  }
  return { attrs: node.attrs, scale, bias, mean: new Float32Array(channels), variance: new Float32Array(channels).fill(1) };
}

function batchNormOperands(node: Node, operands: readonly (Value | undefined)[], p: BatchNormParameters): (Value | undefined)[] {
  const constant = (suffix: string, data: Float32Array) =>
    Value.ofConstant(`${node.name}_${suffix}_random`, new Tensor('float32', [data.length], data));
  return operands.map((v, i) => {
    switch (i) {
      case BN_SCALE:
        return constant('scale', p.scale);
      case BN_BIAS:
        return constant('bias', p.bias);
      case BN_MEAN:
        return constant('mean', p.mean);
      case BN_VAR:
        return constant('var', p.variance);
      default:
        return v;
    }
  });
}

/**
 * Runs the training-mode graph (every BN normalizing with its batch's own statistics, momentum 0,
 * so the running statistics it returns are the batch's) on up to STATISTICS_IMAGES images per feed:
 * each BN's statistics, averaged over feeds, by node name (none without feeds). One run sees every
 * layer downstream of already-normalized ones, as the inference graph will.
 */
function measureBatchStatistics(
  model: Model,
  feeds: readonly Feeds[],
  batchNorms: ReadonlyMap<string, BatchNormParameters>,
): Map<string, { mean: Float32Array; variance: Float32Array }> {
  const sums = new Map<string, { mean: Float64Array; variance: Float64Array }>();
  for (const feed of feeds) {
    runGraph(model.graph, firstImages(feed, STATISTICS_IMAGES), {
      onNode: (node, results) => {
        if (!batchNorms.has(node.name) || results.length < 3) return;
        const [mean, variance] = [results[1]!.data as Float32Array, results[2]!.data as Float32Array];
        let sum = sums.get(node.name);
        if (sum === undefined) {
          sum = { mean: new Float64Array(mean.length), variance: new Float64Array(mean.length) };
          sums.set(node.name, sum);
        }
        for (let c = 0; c < mean.length; c++) {
          sum.mean[c] = sum.mean[c]! + mean[c]! / feeds.length;
          sum.variance[c] = sum.variance[c]! + variance[c]! / feeds.length;
        }
      },
    });
  }
  return new Map(
    [...sums].map(([name, sum]) => [name, { mean: Float32Array.from(sum.mean), variance: Float32Array.from(sum.variance) }]),
  );
}

/** Inputs per output: Conv W [M, C/g, …] → C/g·R·S; Gemm/MatMul [K, N] (or [N, K]) → the smaller side is a guess, so K = first dim for MatMul and the larger for Gemm. */
function fanIn(op: string, w: Tensor): number {
  if (op === 'Conv') return w.shape.slice(1).reduce((p, d) => p * d, 1);
  return op === 'MatMul' ? w.shape[0]! : Math.max(w.shape[0]!, w.shape[1]!);
}

function laplacianHe(like: Tensor, fanIn: number, rng: Rng): Tensor {
  // Laplace(0, b) has standard deviation b·√2.
  const b = Math.sqrt(2 / Math.max(fanIn, 1)) / Math.SQRT2;
  const data = new Float32Array(like.size);
  for (let i = 0; i < data.length; i++) {
    const u = rng.next() - 0.5;
    data[i] = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return new Tensor('float32', like.shape, data);
}
