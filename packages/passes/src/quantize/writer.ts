import { PimcError } from '@pimc/support';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs, type Graph, type Node } from '@pimc/ir';
import type { NameTable } from './names.js';
import { sameParams, type QuantParams } from './params.js';
import { fixedPointMultiplier } from './fixed-point.js';

/** An integer value of the new graph and how it maps to real numbers. */
export interface QValue {
  readonly value: Value;
  readonly params: QuantParams;
}

/** What the writer counts (a subset of the pass statistics). */
export type WriterStatistic = 'quantizeNodes' | 'dequantizeNodes' | 'requantizeNodes';

/**
 * Builds the quantized graph while the pass walks the float one. Every value of the float graph may
 * have two representatives in the new graph: its plain one (same type: a float op left in float, a
 * graph input, an integer value of the source model) and an integer one (a QValue). Each is created
 * at most once and on demand: a float consumer of a quantized value gets a DequantizeLinear, an
 * integer consumer of a float value a QuantizeLinear, and nothing else is ever inserted.
 */
export class QuantizedGraphWriter {
  readonly builder = new GraphBuilder(onnxOps);
  private readonly plain = new Map<Value, Value>();
  private readonly integer = new Map<Value, QValue>();
  private readonly rescaled = new Map<string, QValue>();
  private readonly constants = new Map<string, Value>();
  private readonly deferred = new Map<Value, Node>();

  constructor(
    graph: Graph,
    /** Float value name → name of its integer representative. */
    private readonly quantizedNames: ReadonlyMap<string, string>,
    private readonly names: NameTable,
    private readonly count: (statistic: WriterStatistic) => void,
  ) {
    for (const node of graph.nodes) this.builder.reserve(node.name);
    for (const v of graph.inputs) this.plain.set(v, v);
  }

  /** `v` in the new graph with its own type, dequantizing its integer form when that is all there is. */
  operand(v: Value): Value {
    if (v.constant !== undefined) return v;
    const plain = this.plain.get(v);
    if (plain !== undefined) return plain;
    const deferred = this.deferred.get(v);
    if (deferred !== undefined) {
      this.deferred.delete(v);
      return this.copy(deferred).outputs[deferred.outputs.indexOf(v)]!;
    }
    const q = this.integer.get(v);
    if (q === undefined) throw new PimcError('internal', `quantize: value '${v.name}' is read before it is written`);
    const { scale, zero } = this.scaleConstants(q.params, q.value.name);
    const dq = this.builder.add1('DequantizeLinear', [q.value, scale, zero], {
      name: this.builder.uniqueName(`${v.name}/DequantizeLinear`),
      outputNames: [v.name],
    });
    this.count('dequantizeNodes');
    this.plain.set(v, dq);
    return dq;
  }

  /** The integer form of `v`, if it has one already. */
  quantized(v: Value): QValue | undefined {
    return this.integer.get(v);
  }

  /**
   * The integer form of `v` with parameters `params`: the existing one when they agree, a
   * PimRequantize of it when they differ, else a QuantizeLinear of its float form.
   */
  quantizeAs(v: Value, params: QuantParams): QValue | undefined {
    const existing = this.integer.get(v);
    if (existing !== undefined) return sameParams(existing.params, params) ? existing : this.requantize(existing, params, v.name);
    if (v.type.dtype !== 'float32') return undefined;
    const name = this.integerName(v);
    const { scale, zero } = this.scaleConstants(params, name);
    const value = this.builder.add1('QuantizeLinear', [this.operand(v), scale, zero], {
      name: this.builder.uniqueName(`${v.name}/QuantizeLinear`),
      outputNames: [name],
    });
    this.count('quantizeNodes');
    const result = { value, params };
    this.integer.set(v, result);
    return result;
  }

  /** `q` rescaled to `params` (cached, so a value is rescaled once per target). */
  requantize(q: QValue, params: QuantParams, hint: string): QValue | undefined {
    if (sameParams(q.params, params)) return q;
    const key = `${q.value.name}|${params.scale}|${params.zeroPoint}|${params.dtype}`;
    const cached = this.rescaled.get(key);
    if (cached !== undefined) return cached;
    const fixed = fixedPointMultiplier(q.params.scale / params.scale);
    if (fixed === undefined) return undefined;
    const value = this.builder.add1('PimRequantize', [q.value], {
      name: this.builder.uniqueName(`${hint}/PimRequantize`),
      attrs: {
        x_zero_point: q.params.zeroPoint,
        multiplier: fixed.mult,
        shift: fixed.shift,
        y_dtype: params.dtype,
        y_zero_point: params.zeroPoint,
        x_scale: q.params.scale,
        y_scale: params.scale,
      },
      outputNames: [this.names.fresh(`${q.value.name}/requantized`)],
    });
    this.count('requantizeNodes');
    const result = { value, params };
    this.rescaled.set(key, result);
    return result;
  }

  /** Records the integer form of a float value of the source graph. */
  setQuantized(v: Value, q: QValue): void {
    this.integer.set(v, q);
  }

  /** Records the plain form of a value of the source graph. */
  setPlain(v: Value, value: Value): void {
    this.plain.set(v, value);
  }

  /** The name the integer form of float value `v` takes. */
  integerName(v: Value): string {
    return this.quantizedNames.get(v.name) ?? this.names.fresh(`${v.name}_q`);
  }

  /** A fresh constant named after `hint`. */
  constant(hint: string, tensor: Tensor): Value {
    return Value.ofConstant(this.names.fresh(hint), tensor);
  }

  /** Adds a node of the new graph (named `name` when free, else a variant). */
  add(op: string, inputs: readonly (Value | undefined)[], name: string, attrs: Attrs, outputNames: readonly string[]): Node {
    return this.builder.add(op, inputs, { name, attrs, outputNames });
  }

  /** Rebuilds a node of the source graph unchanged on the new graph's operands (a float op stays float). */
  copy(node: Node): Node {
    const copied = this.builder.add(
      node.op,
      node.inputs.map((v) => (v === undefined ? undefined : this.operand(v))),
      {
        name: node.name,
        attrs: node.attrs,
        outputNames: node.outputs.map((v) => v.name),
      },
    );
    node.outputs.forEach((v, i) => this.plain.set(v, copied.outputs[i]!));
    return copied;
  }

  /**
   * Copies `node` only if a later node reads its results in float (a DequantizeLinear of constant
   * weights, which quantized layers read as constants and float layers as values).
   */
  defer(node: Node): void {
    for (const v of node.outputs) this.deferred.set(v, node);
  }

  /** Scale and zero-point constants of a parameter set, shared by every Q/DQ node that uses it. */
  private scaleConstants(params: QuantParams, base: string): { scale: Value; zero: Value } {
    const { scale, zeroPoint, dtype } = params;
    const key = `${scale}|${zeroPoint}|${dtype}`;
    let s = this.constants.get(`s:${key}`);
    let z = this.constants.get(`z:${key}`);
    if (s === undefined || z === undefined) {
      s = this.constant(`${base}/scale`, Tensor.scalar('float32', scale));
      z = this.constant(`${base}/zero_point`, Tensor.scalar(dtype, zeroPoint));
      this.constants.set(`s:${key}`, s);
      this.constants.set(`z:${key}`, z);
    }
    return { scale: s, zero: z };
  }
}
