import { definePass, onnxOps, rebuildGraph, Tensor, usesOf, Value, withGraph, type Graph, type Node } from '@pimc/ir';

/**
 * Folds inference-mode BatchNormalization into the Conv or Gemm that feeds it:
 *
 *     s = scale / sqrt(var + epsilon)
 *     W'[c, ...] = W[c, ...] * s[c]          B'[c] = (B[c] - mean[c]) * s[c] + bias[c]
 *
 * Exact up to float rounding. It applies only where the producer's result feeds the BatchNorm alone
 * and every parameter is constant; other BatchNorms stay (the executor runs them as they are).
 */
export const foldBatchNorm = definePass({
  name: 'fold-batchnorm',
  summary: 'Fold BatchNormalization into the preceding Conv or Gemm',
  description:
    'For Conv → BatchNormalization (and Gemm → BatchNormalization over its output features) with constant ' +
    'weights and statistics, scales the weights per output channel and adjusts the bias, removing the ' +
    'BatchNormalization. The folded node takes the BatchNormalization result name.',
  options: {},
  statistics: { folded: 'BatchNormalization nodes folded', skipped: 'BatchNormalization nodes left in place' },
  run(model, _options, ctx) {
    const pairs = findFoldable(model.graph);
    const bnCount = model.graph.nodes.filter((n) => n.op === 'BatchNormalization').length;
    ctx.count('skipped', bnCount - pairs.size);
    if (pairs.size === 0) return model;
    const byProducer = new Map([...pairs].map(([bn, producer]) => [producer, bn]));
    const graph = rebuildGraph(model.graph, onnxOps, {
      rewrite(node, operands, builder) {
        const bn = byProducer.get(node);
        if (bn !== undefined) {
          const [weight, bias] = foldParameters(node, bn);
          const inputs =
            node.op === 'Conv'
              ? [operands[0], Value.ofConstant(`${node.name}/W_folded`, weight), Value.ofConstant(`${node.name}/B_folded`, bias)]
              : [operands[0], Value.ofConstant(`${node.name}/B_folded`, weight), Value.ofConstant(`${node.name}/C_folded`, bias)];
          const folded = builder.add(node.op, inputs, {
            name: builder.uniqueName(node.name),
            attrs: node.op === 'Gemm' ? { ...node.attrs, beta: 1 } : node.attrs,
            outputNames: [bn.outputs[0]!.name],
          });
          ctx.count('folded');
          return folded.outputs;
        }
        if (pairs.has(node)) return [operands[0]!];
        return undefined;
      },
    });
    return withGraph(model, graph);
  },
});

/** BatchNorm node → its foldable producer. */
function findFoldable(graph: Graph): Map<Node, Node> {
  const producers = new Map<Value, Node>();
  for (const n of graph.nodes) for (const v of n.outputs) producers.set(v, n);
  const uses = usesOf(graph);
  const outputs = new Set(graph.outputs);
  const pairs = new Map<Node, Node>();
  for (const bn of graph.nodes) {
    if (bn.op !== 'BatchNormalization' || bn.outputs.length > 1) continue;
    const x = bn.inputs[0];
    const producer = x === undefined ? undefined : producers.get(x);
    if (producer === undefined || x === undefined || outputs.has(x) || uses.get(x)?.length !== 1) continue;
    if (!bn.inputs.slice(1).every((v) => v?.constant !== undefined)) continue;
    const weightsConstant = producer.inputs.slice(1).every((v) => v === undefined || v.constant !== undefined);
    if (!weightsConstant || producer.inputs[1]?.constant?.dtype !== 'float32') continue;
    if (producer.op === 'Conv' || (producer.op === 'Gemm' && gemmFoldable(producer))) pairs.set(bn, producer);
  }
  return pairs;
}

/** Gemm's features are its output columns; the bias must broadcast along them only. */
function gemmFoldable(gemm: Node): boolean {
  const c = gemm.inputs[2];
  const n = gemm.outputs[0]!.type.shape?.[1];
  if (typeof n !== 'number' || gemm.outputs[0]!.type.shape?.length !== 2) return false;
  return c === undefined || c.constant!.size === 1 || c.constant!.size === n;
}

function foldParameters(producer: Node, bn: Node): [Tensor, Tensor] {
  const [scale, bnBias, mean, variance] = bn.inputs.slice(1, 5).map((v) => v!.constant!.toNumbers());
  const epsilon = Number(bn.attrs['epsilon'] ?? 1e-5);
  const s = scale!.map((g, c) => g / Math.sqrt(variance![c]! + epsilon));
  const channels = s.length;
  const weight = producer.inputs[1]!.constant!;
  const w = new Float32Array(weight.size);
  const src = weight.data as Float32Array;
  if (producer.op === 'Conv') {
    const per = weight.size / channels;
    for (let c = 0; c < channels; c++) for (let j = 0; j < per; j++) w[c * per + j] = src[c * per + j]! * s[c]!;
  } else {
    // Gemm: B is [K, N], or [N, K] with transB; scale along N, then alpha stays on A·B.
    const transB = Number(producer.attrs['transB'] ?? 0) === 1;
    const [rows, cols] = weight.shape as [number, number];
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) w[r * cols + k] = src[r * cols + k]! * s[transB ? r : k]!;
  }
  const bias = new Float32Array(channels);
  const oldBias = producer.inputs[2]?.constant;
  const beta = producer.op === 'Gemm' ? Number(producer.attrs['beta'] ?? 1) : 1;
  for (let c = 0; c < channels; c++) {
    const b = oldBias === undefined ? 0 : beta * oldBias.toNumbers()[oldBias.size === 1 ? 0 : c]!;
    bias[c] = (b - mean![c]!) * s[c]! + bnBias![c]!;
  }
  return [new Tensor('float32', weight.shape, w), new Tensor('float32', [channels], bias)];
}
