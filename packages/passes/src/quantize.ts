import { PimcError } from '@pimc/support';
import {
  definePass,
  withGraph,
  type Graph,
  type Node,
  type Pass,
  type PassContext,
  type QuantizedDType,
  type Value,
} from '@pimc/ir';
import type { CalibrationMethod, CalibrationTable } from './quantize/calibration.js';
import { QuantizeContext, type QuantizeSettings, type QuantizeStatistic } from './quantize/context.js';
import { NameTable, quantizedValueNames, valueNamesOf } from './quantize/names.js';
import { COMPUTE_LAYERS, quantizeRules } from './quantize/rules.js';
import { QuantizedGraphWriter } from './quantize/writer.js';

const options = {
  activations: {
    type: 'string',
    default: 'uint8',
    help: 'activation type, asymmetric per tensor: uint8 or int8',
    source: '[ours] (docs/design/quantized-dialect.md; RAELLA evaluates 8-bit activations [artifact])',
  },
  calibration: {
    type: 'string',
    default: 'minmax',
    help: 'range of a value from its calibration statistics: minmax, or percentile',
    source: '[ours]',
  },
  percentile: {
    type: 'float',
    default: 99.99,
    help: 'percentile calibration keeps the [100 − p, p] percentiles of all calibration values of a tensor',
    source: '[ours]',
  },
  weights: {
    type: 'string',
    default: 'per-channel',
    help: 'symmetric int8 weight scales per output channel (per-channel) or one per layer (per-tensor)',
    source: '[ours]; per output channel as algorithms.md §1.2',
  },
} as const;

const statistics: Readonly<Record<QuantizeStatistic, string>> = {
  quantizedLayers: 'Conv, Gemm, MatMul, Add, average pools and per-channel affine maps turned into integer layers',
  floatLayers: 'Conv, Gemm, MatMul, Add, average pools and BatchNormalization left in float (unsupported patterns; see the log)',
  fusedActivations: 'fused activations folded into a layer’s output clamp',
  integerOps: 'MaxPool, Concat, Pad, clamps and layout ops run on integer tensors',
  floatOps: 'other ops left in float (Softmax, …) between DequantizeLinear and QuantizeLinear',
  quantizeNodes: 'QuantizeLinear nodes inserted (float → integer boundaries)',
  dequantizeNodes: 'DequantizeLinear nodes inserted (integer → float boundaries and outputs)',
  requantizeNodes: 'PimRequantize nodes inserted (Concat inputs, QDQ scale changes)',
  qdqValues: 'values whose scale and zero point come from the model’s own QuantizeLinear',
  calibratedValues: 'values whose scale and zero point come from calibration',
};

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PimcError('pipeline', `quantize{${name}}: '${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function settingsOf(o: { activations: string; calibration: string; percentile: number; weights: string }): QuantizeSettings {
  if (!(o.percentile > 50 && o.percentile <= 100)) {
    throw new PimcError('pipeline', `quantize{percentile}: ${o.percentile} is not in (50, 100]`);
  }
  return {
    activations: oneOf<QuantizedDType>(o.activations, ['uint8', 'int8'], 'activations'),
    calibration: oneOf<CalibrationMethod>(o.calibration, ['minmax', 'percentile'], 'calibration'),
    percentile: o.percentile,
    perChannel: oneOf(o.weights, ['per-channel', 'per-tensor'], 'weights') === 'per-channel',
  };
}

/**
 * The quantize pass with calibration statistics bound in. Pass options are scalars, so the
 * statistics (a map from value name to min, max and histogram, which the driver collects by running
 * the float executor on calibration inputs) come in through this factory; the registered `quantize`
 * has none and quantizes only what a QDQ model's own QuantizeLinear nodes describe.
 */
export function quantizeWith(calibration: CalibrationTable | undefined): Pass {
  return definePass({
    name: 'quantize',
    summary: 'Post-training quantization into the integer dialect (PimQConv, PimQGemm, PimQAdd, …)',
    description:
      'Rewrites the float model into pimc’s quantized dialect: QuantizeLinear on float inputs, PimQConv / ' +
      'PimQGemm for Conv, Gemm and MatMul with constant weights (int8 symmetric weights per output channel, ' +
      'int32 bias, 24-bit fixed-point requantization), PimQAdd for residual adds, PimQAvgPool for average ' +
      'pools, a depthwise 1×1 PimQConv for per-channel affine maps (a BatchNormalization that was not folded, ' +
      'Mul or Add by a per-channel constant), integer MaxPool (quantizing a float operand first), Concat ' +
      '(with PimRequantize where scales differ), Pad, clamps and layout ops, ' +
      'and DequantizeLinear before float-only ops and at the outputs. A fused activation (fuse-activations) ' +
      'narrows its layer’s output clamp. Activation scales come from the model’s own QuantizeLinear nodes ' +
      '(QDQ models) or else from calibration statistics (minmax or percentile ranges, widened to include 0). ' +
      'What cannot be quantized stays in float and is counted and logged with the reason.',
    options,
    statistics,
    run(model, values, ctx) {
      const settings = settingsOf(values);
      if (calibration === undefined && !model.graph.nodes.some((n) => n.op === 'QuantizeLinear')) {
        throw new PimcError('pass', 'quantize has no calibration statistics and the model has no QuantizeLinear nodes to read', {
          notes: ['quantize through quantizeModel (@pimc/driver), which runs the float model on calibration inputs'],
        });
      }
      const graph = quantizeGraph(model.graph, calibration, settings, ctx);
      return graph === undefined ? model : withGraph(model, graph);
    },
  });
}

/** The registered pass: without calibration statistics it reads a QDQ model's own scales only. */
export const quantize = quantizeWith(undefined);

/** The quantized graph, or undefined when nothing could be quantized. */
function quantizeGraph(
  graph: Graph,
  table: CalibrationTable | undefined,
  settings: QuantizeSettings,
  ctx: PassContext,
): Graph | undefined {
  const counts = new Map<string, number>();
  const count = (statistic: QuantizeStatistic, amount = 1) => {
    ctx.count(statistic, amount);
    counts.set(statistic, (counts.get(statistic) ?? 0) + amount);
  };
  const quantizedNames = quantizedValueNames(graph);
  const names = new NameTable([...valueNamesOf(graph), ...quantizedNames.values()]);
  const writer = new QuantizedGraphWriter(graph, quantizedNames, names, count);
  const qc = new QuantizeContext(graph, writer, settings, table, { ...ctx, count });
  for (const node of graph.nodes) {
    if (qc.consumed.has(node)) continue;
    const rule = quantizeRules.get(node.op);
    const reason = rule === undefined ? 'no integer form' : rule(node, qc);
    if (reason === undefined) continue;
    if (COMPUTE_LAYERS.has(node.op)) {
      qc.remark(node, reason);
      count('floatLayers');
    } else {
      count('floatOps');
    }
    writer.copy(node);
  }
  const changed = ['quantizedLayers', 'integerOps', 'quantizeNodes'].some((s) => (counts.get(s) ?? 0) > 0);
  if (!changed) return undefined;
  const outputs = graph.outputs.map((v) => keepName(v, writer));
  return { name: graph.name, inputs: graph.inputs, outputs, nodes: live(writer.builder.nodes, outputs) };
}

/** A graph output under its own name (an Identity when its value in the new graph is named otherwise). */
function keepName(v: Value, writer: QuantizedGraphWriter): Value {
  const value = writer.operand(v);
  if (value.name === v.name) return value;
  return writer.add('Identity', [value], writer.builder.uniqueName(`${v.name}/Identity`), {}, [v.name]).outputs[0]!;
}

/** Nodes some output depends on (a refused rule may have left a QuantizeLinear nobody reads). */
function live(nodes: readonly Node[], outputs: readonly Value[]): Node[] {
  const needed = new Set<Value>(outputs);
  const kept: Node[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((v) => needed.has(v))) continue;
    for (const v of node.inputs) if (v !== undefined) needed.add(v);
    kept.push(node);
  }
  return kept.reverse();
}
