import { GraphBuilder, Value, type Graph, type Node } from './graph.js';
import type { OpCatalogue } from './op-schema.js';

/**
 * Decides what a node becomes while a graph is rebuilt: the values that replace its results (in
 * output order), or `undefined` to keep the node as it is (rebuilt on the new operands).
 */
export type NodeRewrite = (
  node: Node,
  operands: readonly (Value | undefined)[],
  builder: GraphBuilder,
) => readonly Value[] | undefined;

/**
 * Replays a graph through a fresh builder, so every result type is inferred again from the new
 * operands. This one engine serves both the passes (a rewrite per node) and input specialisation
 * (binding `N` to 1 re-derives every shape downstream). Returns the same graph object when no
 * node, input or output changed.
 */
export function rebuildGraph(
  graph: Graph,
  ops: OpCatalogue,
  options: { inputs?: ReadonlyMap<Value, Value>; rewrite?: NodeRewrite } = {},
): Graph {
  const builder = new GraphBuilder(ops);
  const mapped = new Map<Value, Value>(options.inputs ?? []);
  const map = (v: Value | undefined): Value | undefined => (v === undefined ? undefined : (mapped.get(v) ?? v));
  let changed = options.inputs !== undefined && [...options.inputs].some(([a, b]) => a !== b);

  for (const node of graph.nodes) {
    const operands = node.inputs.map(map);
    const replacement = options.rewrite?.(node, operands, builder);
    if (replacement !== undefined) {
      node.outputs.forEach((v, i) => {
        const r = replacement[i];
        if (r !== undefined) mapped.set(v, r);
      });
      changed = true;
      continue;
    }
    const same = operands.every((v, i) => v === node.inputs[i]);
    if (same) {
      // Same operands, same types: keep the node object itself (identity tells callers "unchanged").
      builder.reserve(node.name);
      builder.nodes.push(node);
      continue;
    }
    const rebuilt = builder.add(node.op, operands, {
      name: node.name,
      attrs: node.attrs,
      outputNames: node.outputs.map((v) => v.name),
    });
    rebuilt.outputs.forEach((v, i) => mapped.set(node.outputs[i]!, v));
    changed = true;
  }
  if (!changed) return graph;
  return {
    name: graph.name,
    inputs: graph.inputs.map((v) => map(v)!),
    outputs: graph.outputs.map((v) => map(v)!),
    nodes: builder.nodes,
  };
}

/** Rebinds symbolic input dimensions (`N` → 1) and re-infers every type downstream. */
export function specializeInputs(graph: Graph, ops: OpCatalogue, bindings: ReadonlyMap<string, number>): Graph {
  const inputs = new Map<Value, Value>();
  for (const v of graph.inputs) {
    const shape = v.type.shape?.map((d) => (typeof d === 'string' ? (bindings.get(d) ?? d) : d));
    inputs.set(v, shape === undefined ? v : new Value(v.name, { dtype: v.type.dtype, shape }));
  }
  return rebuildGraph(graph, ops, { inputs });
}
