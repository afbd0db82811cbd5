import { definePass, onnxOps, rebuildGraph, withGraph, type Value } from '@pimc/ir';
import { NameTable, valueNamesOf } from './quantize/names.js';

/**
 * Rewrites ONNX Sum as Add: the form every later step knows (fuse-activations fuses a Relu after it,
 * quantize turns it into PimQAdd). Two operands are exactly one Add; more become a left-to-right
 * chain, which rounds after every step (float addition is not associative, so the result may differ
 * in the last bit from a Sum that accumulates otherwise); one operand is the operand itself.
 */
export const sumToAdd = definePass({
  name: 'sum-to-add',
  summary: 'Rewrite Sum as Add (a chain of Adds for more than two operands)',
  description:
    'Replaces Sum(a, b) by Add(a, b), Sum(a, b, c, …) by Add(Add(a, b), c)…, and Sum(a) by a (unless its ' +
    'result is a graph output). Broadcasting is the same multidirectional rule, so two operands give ' +
    'the same result; a longer chain rounds after every addition. Residual networks exported from Caffe2 ' +
    '(ResNet-50, ShuffleNet) write their skip connections as Sum.',
  options: {},
  statistics: { rewritten: 'Sum nodes rewritten' },
  run(model, _options, ctx) {
    const outputs = new Set(model.graph.outputs);
    const names = new NameTable(valueNamesOf(model.graph));
    const graph = rebuildGraph(model.graph, onnxOps, {
      rewrite(node, operands, builder) {
        if (node.op !== 'Sum') return undefined;
        const terms = operands.filter((v): v is Value => v !== undefined);
        const result = node.outputs[0]!;
        if (terms.length === 0 || (terms.length === 1 && outputs.has(result))) return undefined;
        ctx.count('rewritten');
        if (terms.length === 1) return [terms[0]!];
        let acc = terms[0]!;
        for (let i = 1; i < terms.length; i++) {
          const last = i === terms.length - 1;
          acc = builder.add1('Add', [acc, terms[i]!], {
            name: builder.uniqueName(last ? node.name : `${node.name}/add${i}`),
            outputNames: [last ? result.name : names.fresh(`${result.name}/partial${i}`)],
          });
        }
        return [acc];
      },
    });
    return withGraph(model, graph);
  },
});
