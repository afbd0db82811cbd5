import { onnxOps, rebuildGraph, Tensor, Value, type Model } from '@pimc/ir';
import { Rng } from '@pimc/support';

/** Layers whose weight operand is replaced, and which operand holds the weights. */
const WEIGHT_OPERAND: Readonly<Record<string, number>> = { Conv: 1, Gemm: 1, MatMul: 1 };

/**
 * The model with every Conv, Gemm and MatMul float constant weight replaced by seeded random
 * weights: Laplacian, He-scaled (standard deviation √(2 / fan-in)), so activations keep their scale
 * through ReLU networks. For models that carry only their structure (the light models' weights are
 * one constant per tensor): a constant weight makes every column sum alike and says nothing about
 * an encoding. Laplacian because trained weights are heavy-tailed: quantized per output channel to
 * int8, large layers land near σ ≈ 20 LSB, as algorithms.md §7.2 assumes for Tier-0 layers.
 * Never use it for accuracy figures. Run it after fold-constants (weights must be constants).
 */
export function withRandomWeights(model: Model, seed: number): Model {
  const rng = new Rng(seed);
  const replaced = new Map<Value, Value>();
  const graph = rebuildGraph(model.graph, onnxOps, {
    rewrite: (node, operands, b) => {
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
  return { ...model, graph };
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
