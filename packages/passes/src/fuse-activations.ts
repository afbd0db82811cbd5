import {
  definePass,
  isFloat,
  onnxOps,
  producersOf,
  rebuildGraph,
  usesOf,
  withGraph,
  type Attrs,
  type Node,
  type Value,
} from '@pimc/ir';

/** Layers whose result an activation may be fused into. */
const FUSABLE_PRODUCERS = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'BatchNormalization']);

/**
 * Records each Relu, and each Clip with constant bounds (ReLU6), that directly follows a Conv, Gemm,
 * MatMul, Add or BatchNormalization (quantized as a per-channel layer) whose result nothing else reads, as a PimFusedActivation: a float clamp with the
 * bounds as attributes. The float model computes exactly what it did (the op is Clip's formula), and
 * the fusion is visible in the IR, so quantize narrows the layer's output clamp and range without
 * re-deriving which activations belong to which layer.
 */
export const fuseActivations = definePass({
  name: 'fuse-activations',
  summary: 'Mark Relu and constant-bound Clip after Conv/Gemm/MatMul/Add/BatchNormalization as fused activations',
  description:
    'Replaces a Relu, or a Clip whose min and max are constants (ReLU6), by PimFusedActivation{activation, ' +
    'min, max} when its operand is the result of a Conv, Gemm, MatMul, Add or BatchNormalization that nothing ' +
    'else reads and ' +
    'that is not a graph output. PimFusedActivation is min(max(x, min), max), exactly what the replaced ' +
    'op computed, so the float model is unchanged; quantize folds it into the layer before it (the ' +
    'layer’s integer output clamp) and quantizes the layer’s result over the activation’s range.',
  options: {},
  statistics: { relu: 'Relu nodes fused', clip: 'Clip nodes fused', skipped: 'Relu and Clip nodes left as they are' },
  run(model, _options, ctx) {
    const graph = model.graph;
    const uses = usesOf(graph);
    const producers = producersOf(graph);
    const outputs = new Set(graph.outputs);
    const fusable = (node: Node): Attrs | undefined => {
      const x = node.inputs[0];
      const producer = x === undefined ? undefined : producers.get(x);
      if (x === undefined || producer === undefined || !FUSABLE_PRODUCERS.has(producer.op)) return undefined;
      if (outputs.has(x) || uses.get(x)?.length !== 1 || !isFloat(x.type.dtype)) return undefined;
      if (node.op === 'Relu') return { activation: 'relu', min: 0 };
      const bound = (v: Value | undefined) => (v === undefined ? undefined : v.constant?.toNumbers()[0]);
      const [min, max] = [node.inputs[1], node.inputs[2]];
      if ((min !== undefined && min.constant?.size !== 1) || (max !== undefined && max.constant?.size !== 1)) return undefined;
      return { activation: 'clip', min: bound(min), max: bound(max) };
    };
    const result = rebuildGraph(graph, onnxOps, {
      rewrite(node, operands, builder) {
        if (node.op !== 'Relu' && node.op !== 'Clip') return undefined;
        const attrs = fusable(node);
        if (attrs === undefined) {
          ctx.count('skipped');
          return undefined;
        }
        ctx.count(node.op === 'Relu' ? 'relu' : 'clip');
        return builder.add('PimFusedActivation', [operands[0]], {
          name: builder.uniqueName(node.name),
          attrs,
          outputNames: [node.outputs[0]!.name],
        }).outputs;
      },
    });
    return withGraph(model, result);
  },
});
