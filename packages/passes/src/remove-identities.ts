import { definePass, onnxOps, rebuildGraph, withGraph, type Graph, type Value } from '@pimc/ir';

/** Ops that compute nothing at inference time: their first result is their first operand. */
const PASS_THROUGH = new Set(['Identity', 'Dropout']);

export const removeIdentities = definePass({
  name: 'remove-identities',
  summary: 'Bypass Identity nodes and inference-mode Dropout',
  description:
    'Replaces the result of Identity, and of Dropout whose mask reaches no graph output, by the operand. ' +
    'A mask read only by dead nodes (a Cast nobody reads, as exporters write) does not count as used; those ' +
    'readers are removed with it. A ' +
    'node whose result is a graph output stays, so the outputs keep their names.',
  options: {},
  statistics: { removed: 'nodes bypassed' },
  run(model, _options, ctx) {
    const outputs = new Set(model.graph.outputs);
    const live = liveValues(model.graph);
    // Results of bypassed nodes other than the first (Dropout's mask): their dead readers go too.
    const gone = new Set<Value>();
    const graph = rebuildGraph(model.graph, onnxOps, {
      rewrite(node, operands) {
        if (node.inputs.some((v) => v !== undefined && gone.has(v))) {
          for (const v of node.outputs) gone.add(v);
          return [];
        }
        if (!PASS_THROUGH.has(node.op) || operands[0] === undefined) return undefined;
        if (node.outputs.some((v) => outputs.has(v))) return undefined;
        if (node.outputs.slice(1).some((v) => live.has(v))) return undefined;
        ctx.count('removed');
        for (const v of node.outputs.slice(1)) gone.add(v);
        return [operands[0]];
      },
    });
    return withGraph(model, graph);
  },
});

/** Values some graph output depends on (walking back from the outputs, as eliminate-dead-code does). */
function liveValues(graph: Graph): Set<Value> {
  const live = new Set<Value>(graph.outputs);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((v) => live.has(v))) continue;
    for (const v of node.inputs) if (v !== undefined) live.add(v);
  }
  return live;
}
