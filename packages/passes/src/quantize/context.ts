import {
  integerRange,
  type Graph,
  type Node,
  type PassContext,
  type QuantizedDType,
  type Tensor,
  type Value,
  producersOf,
  usesOf,
} from '@pimc/ir';
import { calibratedRange, type CalibrationMethod, type CalibrationTable } from './calibration.js';
import { activationParams, quantizeValue, type QuantParams } from './params.js';
import { qdqParams } from './qdq.js';
import type { QValue, QuantizedGraphWriter, WriterStatistic } from './writer.js';

/** The quantize pass's options, validated. */
export interface QuantizeSettings {
  readonly activations: QuantizedDType;
  readonly calibration: CalibrationMethod;
  readonly percentile: number;
  readonly perChannel: boolean;
}

export type QuantizeStatistic =
  | WriterStatistic
  | 'quantizedLayers'
  | 'floatLayers'
  | 'fusedActivations'
  | 'integerOps'
  | 'floatOps'
  | 'qdqValues'
  | 'calibratedValues';

/**
 * What the quantization rules share while the pass walks the float graph: the graph's use lists,
 * the writer of the new graph, the source of each value's quantization parameters (a QDQ pair's,
 * else the calibrated range's) and the statistics.
 */
export class QuantizeContext {
  readonly uses: Map<Value, Node[]>;
  readonly producers: Map<Value, Node>;
  readonly graphOutputs: ReadonlySet<Value>;
  private readonly graphInputs: ReadonlySet<Value>;
  /** Activations folded into the layer before them: the walk skips them. */
  readonly consumed = new Set<Node>();
  private readonly params = new Map<Value, QuantParams | null>();

  constructor(
    graph: Graph,
    readonly writer: QuantizedGraphWriter,
    readonly settings: QuantizeSettings,
    private readonly table: CalibrationTable | undefined,
    private readonly pass: PassContext,
  ) {
    this.uses = usesOf(graph);
    this.producers = producersOf(graph);
    this.graphOutputs = new Set(graph.outputs);
    this.graphInputs = new Set(graph.inputs);
  }

  isGraphInput(v: Value): boolean {
    return this.graphInputs.has(v);
  }

  count(statistic: QuantizeStatistic, amount = 1): void {
    this.pass.count(statistic, amount);
  }

  /** Why a layer stays in float, for the log. */
  remark(node: Node, reason: string): void {
    this.pass.log(`quantize: ${node.op} '${node.name}' stays in float: ${reason}`);
  }

  /**
   * The parameters float value `v` is quantized with: those of a QuantizeLinear that reads it (a QDQ
   * model's own choice), else those of its calibrated range; undefined when neither exists.
   */
  paramsFor(v: Value): QuantParams | undefined {
    const cached = this.params.get(v);
    if (cached !== undefined) return cached ?? undefined;
    let p: QuantParams | undefined;
    for (const u of this.uses.get(v) ?? []) {
      if (u.op === 'QuantizeLinear' && u.inputs[0] === v) p ??= qdqParams(u);
    }
    if (p !== undefined) this.count('qdqValues');
    const stats = this.table?.get(v.name);
    if (p === undefined && stats !== undefined && v.type.dtype === 'float32') {
      const { lo, hi } = calibratedRange(stats, this.settings.calibration, this.settings.percentile, v.name);
      p = activationParams(lo, hi, this.settings.activations);
      this.count('calibratedValues');
    }
    this.params.set(v, p ?? null);
    return p;
  }

  /** The parameters an operand has or would get, without creating anything. */
  operandParams(v: Value): QuantParams | undefined {
    if (v.constant !== undefined) return undefined;
    return this.writer.quantized(v)?.params ?? this.paramsFor(v);
  }

  /** The integer form of an operand, quantizing it if needed (check `operandParams` first). */
  integerOperand(v: Value): QValue | undefined {
    const existing = this.writer.quantized(v);
    if (existing !== undefined) return existing;
    const p = this.paramsFor(v);
    return p === undefined ? undefined : this.writer.quantizeAs(v, p);
  }

  /** The PimFusedActivation right after `node`, when `node`'s result feeds nothing else. */
  fusedActivation(node: Node): Node | undefined {
    const y = node.outputs[0];
    if (y === undefined || this.graphOutputs.has(y)) return undefined;
    const readers = this.uses.get(y) ?? [];
    return readers.length === 1 && readers[0]!.op === 'PimFusedActivation' ? readers[0] : undefined;
  }

  /**
   * A float constant operand: an initializer, or a DequantizeLinear of constants (a QDQ model's
   * weights, when constants were not folded before), evaluated with the reference semantics.
   */
  constantFloat(v: Value | undefined): Tensor | undefined {
    if (v === undefined) return undefined;
    const t = v.constant ?? this.evaluateDequantize(v);
    return t?.dtype === 'float32' ? t : undefined;
  }

  private evaluateDequantize(v: Value): Tensor | undefined {
    const producer = this.producers.get(v);
    if (producer?.op !== 'DequantizeLinear' || this.pass.evaluate === undefined) return undefined;
    if (!producer.inputs.every((i) => i === undefined || i.constant !== undefined)) return undefined;
    return this.pass.evaluate(
      producer,
      producer.inputs.map((i) => i?.constant),
    )[0];
  }
}

/**
 * Output clamp bounds of a layer: the dtype's range, narrowed by a fused activation to the integers
 * its bounds quantize to (quantization is monotonic, so clamping before or after it agrees). Clip
 * with min above max gives max everywhere, as ONNX says.
 */
export function clampBounds(p: QuantParams, activation: Node | undefined): [number, number] {
  let [lo, hi] = integerRange(p.dtype);
  const min = activation?.attrs['min'] as number | undefined;
  const max = activation?.attrs['max'] as number | undefined;
  if (min !== undefined) lo = Math.max(lo, quantizeValue(min, p));
  if (max !== undefined) hi = Math.min(hi, quantizeValue(max, p));
  return [Math.min(lo, hi), hi];
}
