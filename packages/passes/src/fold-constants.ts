import { PimcError } from '@pimc/support';
import { definePass, isStatic, onnxOps, rebuildGraph, Tensor, Value, withGraph, type Node } from '@pimc/ir';

/**
 * Ops never folded although their operands may be constant: folding them would only move work
 * from run time to compile time without making the graph simpler for later passes.
 */
const NEVER_FOLD = new Set<string>([]);

export const foldConstants = definePass({
  name: 'fold-constants',
  summary: 'Evaluate nodes whose operands are all constant, and Shape of statically shaped values',
  description:
    'Replaces every node whose operands are constants by constants holding its results, computed with the ' +
    'reference semantics. Shape nodes whose operand has a static shape fold too, so Shape → Gather → ' +
    'Concat → Reshape chains collapse to a constant target shape. Weights written as ConstantOfShape or ' +
    'Constant nodes become plain constants that later passes can read. Results keep the names of the ' +
    'values they replace.',
  options: {
    maxElements: {
      type: 'int',
      default: 1 << 28,
      help: 'largest result (in elements) worth materialising as a constant',
      source: '[ours]',
    },
  },
  statistics: { folded: 'nodes replaced by constants', shapes: 'Shape nodes folded from static types' },
  run(model, options, ctx) {
    const evaluate = ctx.evaluate;
    if (evaluate === undefined) {
      throw new PimcError('pass', 'fold-constants needs a constant evaluator (run it through the driver)');
    }
    const graph = rebuildGraph(model.graph, onnxOps, {
      rewrite(node, operands) {
        const shape = foldShape(node, operands);
        if (shape !== undefined) {
          ctx.count('shapes');
          return [shape];
        }
        if (
          NEVER_FOLD.has(node.op) ||
          operands.length === 0 ||
          !operands.every((v) => v === undefined || v.constant !== undefined)
        ) {
          return undefined;
        }
        const outputsKnown = node.outputs.every((v) => v.type.shape !== undefined && isStatic(v.type.shape));
        if (
          outputsKnown &&
          node.outputs.some((v) => (v.type.shape as number[]).reduce((a, b) => a * b, 1) > options.maxElements)
        ) {
          return undefined;
        }
        const results = evaluate(
          node,
          operands.map((v) => v?.constant),
        );
        ctx.count('folded');
        return node.outputs.map((v, i) => Value.ofConstant(v.name, results[i]!));
      },
    });
    return withGraph(model, graph);
  },
});

/** Shape of a value whose static shape is known, as ONNX Shape (opset 15) with start/end. */
function foldShape(node: Node, operands: readonly (Value | undefined)[]): Value | undefined {
  if (node.op !== 'Shape') return undefined;
  const shape = operands[0]?.type.shape;
  if (shape === undefined || !isStatic(shape)) return undefined;
  const rank = shape.length;
  const clamp = (x: number) => Math.min(Math.max(x < 0 ? x + rank : x, 0), rank);
  const start = clamp(Number(node.attrs['start'] ?? 0));
  const end = clamp(Number(node.attrs['end'] ?? rank));
  const dims = shape.slice(start, Math.max(start, end));
  return Value.ofConstant(node.outputs[0]!.name, Tensor.from('int64', [dims.length], dims));
}
