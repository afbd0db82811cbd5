import type { Chip } from '@pimc/arch';
import { pimOutputQuantization, type Model, type Node } from '@pimc/ir';
import { PIMB_FORMAT_VERSION, type Instruction, type Program, type TensorDesc } from '@pimc/isa';
import { PimcError, withLocation } from '@pimc/support';
import { isChannelwiseConv } from './lower-affine.js';
import { lowerDigital } from './lower-digital.js';
import { lowerMvm, type MvmLoweringOptions, type UnplacedCrossbar } from './lower-mvm.js';
import { placeCrossbars, type PlacementOptions } from './placement.js';
import { TensorTable, type Quantization } from './tensor-table.js';

export interface LowerOptions extends MvmLoweringOptions {
  /** The batch a symbolic leading dimension becomes (default 1); the simulator may run other batch sizes. */
  readonly batch?: number;
  /** Extra provenance for the program's metadata (pipeline text, …). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A lowered model before placement: everything of the program but the crossbars' places. */
export interface LoweredModel {
  readonly tensors: readonly TensorDesc[];
  readonly instructions: readonly Instruction[];
  readonly crossbars: readonly UnplacedCrossbar[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly metadata: Readonly<Record<string, string>>;
}

const CROSSBAR_OPS = new Set(['PimQConv', 'PimQGemm']);

/**
 * Lowers a model in the quantized dialect (docs/design/quantized-dialect.md) for a chip:
 * PimQConv/PimQGemm become crossbar-mvm instructions with their crossbar images (a channel-wise
 * PimQConv, one weight per channel, an `affine` digital op instead), every other node a digital op
 * (docs/lowering.md). Nodes are taken in graph order, which is the execution order.
 */
export function lowerModel(model: Model, chip: Chip, options: LowerOptions = {}): LoweredModel {
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new PimcError('usage', `batch must be a positive integer, got ${batch}`);
  const table = new TensorTable(batch);
  const graph = model.graph;
  const inputs = graph.inputs.map((v) => table.of(v, undefined).id);
  const instructions: Instruction[] = [];
  const crossbars: UnplacedCrossbar[] = [];
  let nextCrossbar = 0;
  for (const node of graph.nodes) {
    withLocation({ node: node.name, opType: node.op }, () => {
      const x = table.existing(node.inputs[0]!, node);
      const y = table.of(node.outputs[0]!, node, resultQuantization(node, x));
      if (CROSSBAR_OPS.has(node.op) && !isChannelwiseConv(node)) {
        const lowered = lowerMvm(node, x, y, chip, options, () => nextCrossbar++);
        instructions.push(lowered.instruction);
        crossbars.push(...lowered.crossbars);
        return;
      }
      const d = lowerDigital(node, x, y);
      instructions.push({
        op: 'digital',
        name: node.name,
        kind: d.kind,
        inputs: d.operands.map((i) => table.existing(node.inputs[i]!, node).id),
        outputs: [y.id],
        attrs: d.attrs,
      });
    });
  }
  const outputs = graph.outputs.map((v) => {
    if (!table.has(v)) throw new PimcError('unsupported-model', `graph output '${v.name}' is not computed by any lowered node`);
    return table.of(v, undefined).id;
  });
  return {
    tensors: table.all(),
    instructions,
    crossbars,
    inputs,
    outputs,
    metadata: { source: model.source, producer: model.producer, batch: String(batch), ...options.metadata },
  };
}

/** The program of a lowered model once its crossbars are placed on the chip. */
export function placeProgram(lowered: LoweredModel, chip: Chip, options: PlacementOptions = {}): Program {
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip,
    tensors: lowered.tensors,
    crossbars: placeCrossbars(lowered.crossbars, chip, options),
    instructions: lowered.instructions,
    inputs: lowered.inputs,
    outputs: lowered.outputs,
    metadata: lowered.metadata,
  };
}

/** Lowering and placement in one step. */
export function lowerToProgram(model: Model, chip: Chip, options: LowerOptions & PlacementOptions = {}): Program {
  return placeProgram(lowerModel(model, chip, options), chip, options);
}

/** Scale and zero point of a node's integer result: the dialect op's own, a QuantizeLinear's, or its input's. */
function resultQuantization(node: Node, x: TensorDesc): Quantization | undefined {
  const out = node.outputs[0]!;
  if (out.type.dtype !== 'uint8' && out.type.dtype !== 'int8') return undefined;
  const q = pimOutputQuantization(node);
  if (q !== undefined) return { scale: q.scale, zeroPoint: q.zeroPoint };
  if (node.op === 'QuantizeLinear') {
    const scale = node.inputs[1]?.constant?.toNumbers()[0];
    const zeroPoint = node.inputs[2]?.constant?.toNumbers()[0] ?? 0;
    return scale === undefined ? undefined : { scale, zeroPoint };
  }
  return x.scale === undefined || x.zeroPoint === undefined ? undefined : { scale: x.scale, zeroPoint: x.zeroPoint };
}
