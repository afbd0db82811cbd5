import { PimcError } from '@pimc/support';
import type { Graph, Value } from './graph.js';
import type { OpCatalogue } from './op-schema.js';
import { printNode } from './printer.js';
import { shapesEqual } from './shape.js';

/**
 * Structural checks a pass must preserve: operands defined before use, each value produced once,
 * every op known, and stored result types equal to what shape inference derives now. The pass
 * manager runs this after every pass in tests (`verifyEach`).
 */
export function verifyGraph(graph: Graph, ops: OpCatalogue): void {
  const defined = new Set<Value>(graph.inputs);
  const fail = (message: string, where?: string): never => {
    throw new PimcError('verify', where === undefined ? message : `${message}\n  at: ${where}`);
  };
  for (const node of graph.nodes) {
    const schema = ops.get(node.op) ?? fail(`unknown op ${node.op}`, printNode(node));
    for (const v of node.inputs) {
      if (v !== undefined && v.constant === undefined && !defined.has(v)) {
        fail(`operand %${v.name} is used before it is defined`, printNode(node));
      }
    }
    const inferred = schema.infer(
      node.inputs.map((v) => v?.info),
      node.attrs as never,
      node.outputs.length,
    );
    node.outputs.forEach((v, i) => {
      if (defined.has(v)) fail(`value %${v.name} is defined twice`, printNode(node));
      defined.add(v);
      const t = inferred[i];
      if (t === undefined) return;
      const same =
        t.dtype === v.type.dtype && (t.shape === undefined || v.type.shape === undefined || shapesEqual(t.shape, v.type.shape));
      if (!same) {
        fail(
          `result %${v.name} is typed ${v.type.dtype}${JSON.stringify(v.type.shape)} but infers to ${t.dtype}${JSON.stringify(t.shape)}`,
          printNode(node),
        );
      }
    });
  }
  for (const v of graph.outputs) {
    if (v.constant === undefined && !defined.has(v)) fail(`graph output %${v.name} is never defined`);
  }
}
