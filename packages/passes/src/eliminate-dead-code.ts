import { definePass, withGraph, type Node, type Value } from '@pimc/ir';

export const eliminateDeadCode = definePass({
  name: 'eliminate-dead-code',
  summary: 'Remove nodes none of whose results reach a graph output',
  description:
    'Walks the graph backwards from its outputs and drops every node whose results are never read. ' +
    'Constants no longer referenced disappear with the nodes that read them.',
  options: {},
  statistics: { removed: 'nodes removed' },
  run(model, _options, ctx) {
    const live = new Set<Value>(model.graph.outputs);
    const kept: Node[] = [];
    for (let i = model.graph.nodes.length - 1; i >= 0; i--) {
      const node = model.graph.nodes[i]!;
      if (!node.outputs.some((v) => live.has(v))) continue;
      for (const v of node.inputs) if (v !== undefined) live.add(v);
      kept.push(node);
    }
    const removed = model.graph.nodes.length - kept.length;
    if (removed === 0) return model;
    ctx.count('removed', removed);
    return withGraph(model, { ...model.graph, nodes: kept.reverse() });
  },
});
