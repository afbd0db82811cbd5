import { formatShape, onnxOps, specializeInputs, type Dim, type Model, type Node } from '@pimc/ir';

export interface LayerSummary {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly output: string;
  /** Elements of constant operands (weights, biases). */
  readonly parameters: number;
  readonly macs: number;
}

export interface ModelSummary {
  readonly source: string;
  readonly producer: string;
  readonly opsets: Readonly<Record<string, number>>;
  readonly inputs: readonly { name: string; dtype: string; shape: readonly Dim[] | undefined }[];
  readonly outputs: readonly { name: string; dtype: string; shape: readonly Dim[] | undefined }[];
  /** Symbolic dimensions and the size they were bound to for the per-layer figures. */
  readonly bindings: Readonly<Record<string, number>>;
  readonly opCounts: Readonly<Record<string, number>>;
  readonly parameters: number;
  readonly macs: number;
  readonly layers: readonly LayerSummary[];
}

/**
 * Summarises a model: inputs and outputs as declared, then per-layer shapes, parameters and MACs
 * with every symbolic dimension bound to `batch` (1 by default), so the figures are for one sample.
 */
export function inspectModel(model: Model, options: { batch?: number } = {}): ModelSummary {
  const symbols = new Set<string>();
  for (const v of model.graph.inputs) for (const d of v.type.shape ?? []) if (typeof d === 'string') symbols.add(d);
  const bindings = new Map([...symbols].map((s) => [s, options.batch ?? 1]));
  const graph = bindings.size === 0 ? model.graph : specializeInputs(model.graph, onnxOps, bindings);
  const layers = graph.nodes.map(summariseLayer);
  const opCounts: Record<string, number> = {};
  for (const n of graph.nodes) opCounts[n.op] = (opCounts[n.op] ?? 0) + 1;
  const describe = (v: { name: string; type: { dtype: string; shape: readonly Dim[] | undefined } }) => ({
    name: v.name,
    dtype: v.type.dtype,
    shape: v.type.shape,
  });
  // A weight read by two nodes counts once.
  const weights = new Set(
    graph.nodes.flatMap((n) => n.inputs.filter((v) => v?.constant !== undefined && isWeight(n, v.constant.dtype))),
  );
  return {
    source: model.source,
    producer: model.producer,
    opsets: Object.fromEntries([...model.opsets].map(([d, v]) => [d || 'ai.onnx', v])),
    inputs: model.graph.inputs.map(describe),
    outputs: model.graph.outputs.map(describe),
    bindings: Object.fromEntries(bindings),
    opCounts,
    parameters: [...weights].reduce((sum, v) => sum + v!.constant!.size, 0),
    macs: layers.reduce((sum, l) => sum + l.macs, 0),
    layers,
  };
}

/** Constant operands that hold learned values rather than shapes, axes or indices. */
function isWeight(_node: Node, dtype: string): boolean {
  return dtype !== 'int64' && dtype !== 'bool';
}

function summariseLayer(node: Node): LayerSummary {
  const schema = onnxOps.get(node.op);
  const infos = node.inputs.map((v) => v?.info);
  const macs =
    schema?.macs?.(
      infos,
      node.outputs.map((v) => v.type),
      node.attrs as never,
    ) ?? 0;
  return {
    name: node.name,
    op: node.op,
    inputs: node.inputs.map((v) => (v === undefined ? '_' : `${v.type.dtype}${formatShape(v.type.shape)}`)),
    output: node.outputs.map((v) => `${v.type.dtype}${formatShape(v.type.shape)}`).join(', '),
    parameters: node.inputs.reduce(
      (sum, v) => sum + (v?.constant !== undefined && isWeight(node, v.constant.dtype) ? v.constant.size : 0),
      0,
    ),
    macs: Number.isFinite(macs) ? macs : 0,
  };
}
