import { definePass, onnxOps, rebuildGraph, withGraph } from '@pimc/ir';

/** Ops that compute nothing at inference time: their first result is their first operand. */
const PASS_THROUGH = new Set(['Identity', 'Dropout']);

export const removeIdentities = definePass({
  name: 'remove-identities',
  summary: 'Bypass Identity nodes and inference-mode Dropout',
  description:
    'Replaces the result of Identity, and of Dropout whose mask is unused, by the operand. A node whose ' +
    'result is a graph output stays, so the outputs keep their names.',
  options: {},
  statistics: { removed: 'nodes bypassed' },
  run(model, _options, ctx) {
    const outputs = new Set(model.graph.outputs);
    const usedMasks = new Set(model.graph.nodes.flatMap((n) => n.inputs));
    const graph = rebuildGraph(model.graph, onnxOps, {
      rewrite(node, operands) {
        if (!PASS_THROUGH.has(node.op) || operands[0] === undefined) return undefined;
        if (node.outputs.some((v) => outputs.has(v))) return undefined;
        if (node.outputs.slice(1).some((v) => usedMasks.has(v))) return undefined;
        ctx.count('removed');
        return [operands[0]];
      },
    });
    return withGraph(model, graph);
  },
});
