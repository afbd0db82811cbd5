import { PimcError, withLocation } from '@pimc/support';
import { parseAttrs, type AttrSchema, type AttrsOf, type AttrValue, type RawAttr } from './attrs.js';
import type { InferInput, OpCatalogue, OpSchema, TensorType } from './op-schema.js';
import type { Tensor } from './tensor.js';

/**
 * A named SSA value: a graph input, a node result, or a constant (an ONNX initializer). Its type is
 * fixed when it is created, because every node is built through shape inference.
 */
export class Value {
  readonly name: string;
  readonly type: TensorType;
  readonly constant: Tensor | undefined;

  constructor(name: string, type: TensorType, constant?: Tensor) {
    this.name = name;
    this.type = type;
    this.constant = constant;
  }

  static ofConstant(name: string, tensor: Tensor): Value {
    return new Value(name, { dtype: tensor.dtype, shape: tensor.shape }, tensor);
  }

  /** What shape inference of a consumer sees of this value. */
  get info(): InferInput {
    return { dtype: this.type.dtype, shape: this.type.shape, value: this.constant };
  }
}

export type Attrs = Readonly<Record<string, AttrValue | undefined>>;

/** An operation: immutable once built (see `withInputs` for edits). */
export interface Node<A = Attrs> {
  readonly op: string;
  /** ONNX node name; the importer invents one (`Conv_3`) when the model leaves it empty. */
  readonly name: string;
  /** Operands in schema order; `undefined` for an omitted optional operand. */
  readonly inputs: readonly (Value | undefined)[];
  readonly outputs: readonly Value[];
  readonly attrs: A;
}

/** A node whose attributes are typed by its schema. */
export type NodeOf<S extends AttrSchema> = Node<AttrsOf<S>>;

/** The node with other operands, or the node itself when nothing changed. */
export function withInputs(node: Node, inputs: readonly (Value | undefined)[]): Node {
  if (inputs.length === node.inputs.length && inputs.every((v, i) => v === node.inputs[i])) return node;
  return Object.freeze({ ...node, inputs: Object.freeze([...inputs]) });
}

/** A dataflow graph with nodes in topological order. Treated as immutable: passes build new graphs. */
export interface Graph {
  readonly name: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly nodes: readonly Node[];
}

/** A graph plus the model-level facts passes and printers need. */
export interface Model {
  readonly graph: Graph;
  /** Opset per domain ('' is the default ONNX domain), as the source model declared them. */
  readonly opsets: ReadonlyMap<string, number>;
  readonly producer: string;
  /** Where the model came from, for messages. */
  readonly source: string;
}

export function withGraph(model: Model, graph: Graph): Model {
  return graph === model.graph ? model : { ...model, graph };
}

/**
 * Builds nodes through their schemas: attributes parsed and frozen, operand count checked, result
 * types inferred. This is the only way nodes come into being, which is what lets every value carry
 * its type from birth.
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  private readonly usedNames = new Set<string>();
  private counter = 0;

  constructor(readonly ops: OpCatalogue) {}

  /** A node name that is not taken yet, based on `hint`. */
  uniqueName(hint: string): string {
    let name = hint;
    while (this.usedNames.has(name)) name = `${hint}_${++this.counter}`;
    this.usedNames.add(name);
    return name;
  }

  /** Registers a name taken by the source model (values and nodes share no namespace). */
  reserve(name: string): void {
    this.usedNames.add(name);
  }

  /**
   * Adds a node. `outputNames` names its results (generated from the node name when absent).
   * Attributes may be raw (from a frontend) or already typed (from a pass).
   */
  add(
    op: string,
    inputs: readonly (Value | undefined)[],
    options: {
      name?: string;
      attrs?: ReadonlyMap<string, RawAttr> | Attrs;
      outputNames?: readonly string[];
    } = {},
  ): Node {
    const schema = this.ops.get(op);
    const name = options.name ?? this.uniqueName(op);
    if (schema === undefined) {
      throw new PimcError('unsupported-op', `no op ${op} in the IR catalogue`, { location: { node: name, opType: op } });
    }
    return withLocation({ node: name, opType: op }, () => {
      const attrs: Attrs = isRawAttrs(options.attrs)
        ? (parseAttrs(schema.attrs, options.attrs, op) as Attrs)
        : completeAttrs(schema, options.attrs);
      checkArity(schema, inputs);
      const infos = inputs.map((v) => v?.info);
      const count = schema.outputCount?.(attrs as never, infos) ?? countOutputs(schema, options.outputNames);
      const types = schema.infer(infos, attrs as never, count);
      const outputNames = options.outputNames ?? types.map((_, i) => (types.length === 1 ? name : `${name}:${i}`));
      const outputs = types.map((t, i) => new Value(outputNames[i] ?? `${name}:${i}`, t));
      const node: Node = Object.freeze({
        op,
        name,
        inputs: Object.freeze([...inputs]),
        outputs: Object.freeze(outputs),
        attrs,
      });
      this.nodes.push(node);
      return node;
    });
  }

  /** Adds a node with exactly one result and returns that result. */
  add1(op: string, inputs: readonly (Value | undefined)[], options: Parameters<GraphBuilder['add']>[2] = {}): Value {
    const node = this.add(op, inputs, options);
    return node.outputs[0]!;
  }
}

function isRawAttrs(a: ReadonlyMap<string, RawAttr> | Attrs | undefined): a is ReadonlyMap<string, RawAttr> {
  return a instanceof Map;
}

/** Fills defaults into typed attributes a pass supplied, and freezes them. */
function completeAttrs(schema: OpSchema, attrs: Attrs | undefined): Attrs {
  const out: Record<string, AttrValue | undefined> = {};
  for (const [name, spec] of Object.entries(schema.attrs)) {
    const given = attrs?.[name];
    if (given === undefined && spec.required) {
      throw new PimcError('invalid-attribute', `${schema.name} needs attribute '${name}'`);
    }
    out[name] = given ?? (spec.default as AttrValue | undefined);
  }
  for (const name of Object.keys(attrs ?? {})) {
    if (!(name in schema.attrs)) throw new PimcError('internal', `${schema.name} has no attribute '${name}'`);
  }
  return Object.freeze(out);
}

function checkArity(schema: OpSchema, inputs: readonly (Value | undefined)[]): void {
  const specs = schema.inputs;
  const variadic = specs.length > 0 && specs[specs.length - 1]!.variadic === true;
  const max = variadic ? Infinity : specs.length;
  const min = specs.filter((s) => !s.optional).length;
  if (inputs.length > max || inputs.length < min) {
    const expected = variadic ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
    throw new PimcError('invalid-input', `${schema.name} takes ${expected} inputs but got ${inputs.length}`);
  }
  specs.forEach((s, i) => {
    if (!s.optional && !s.variadic && inputs[i] === undefined) {
      throw new PimcError('invalid-input', `${schema.name} input ${i} (${s.name}) is required but missing`);
    }
  });
}

function countOutputs(schema: OpSchema, names: readonly string[] | undefined): number {
  const mandatory = schema.outputs.filter((o) => !o.endsWith('?')).length;
  if (names === undefined) return mandatory;
  return Math.max(mandatory, Math.min(names.length, schema.outputs.length));
}

/** Values every node reads, for dead-code and use analyses. */
export function usesOf(graph: Graph): Map<Value, Node[]> {
  const uses = new Map<Value, Node[]>();
  for (const node of graph.nodes) {
    for (const v of node.inputs) {
      if (v === undefined) continue;
      let list = uses.get(v);
      if (list === undefined) uses.set(v, (list = []));
      list.push(node);
    }
  }
  return uses;
}

/** The node producing each non-input, non-constant value. */
export function producersOf(graph: Graph): Map<Value, Node> {
  const producers = new Map<Value, Node>();
  for (const node of graph.nodes) for (const v of node.outputs) producers.set(v, node);
  return producers;
}

/** Typed view of a node's attributes, for code that knows which op it holds. */
export function attrsOf<S extends AttrSchema>(node: Node, schema: OpSchema<S>): AttrsOf<S> {
  if (node.op !== schema.name) throw new PimcError('internal', `attrsOf: node ${node.name} is ${node.op}, not ${schema.name}`);
  return node.attrs as AttrsOf<S>;
}
