import type { GraphBuilder, RawAttr, Tensor, Value } from '@pimc/ir';

/** The newest opset of the default domain whose ops pimc has checked. */
export const MAX_OPSET = 25;
/** The oldest (ONNX IR 3 era models such as the model zoo's opset-7/8/9 CNNs). */
export const MIN_OPSET = 7;

/** An ONNX node as an import rule sees it: operands already resolved to IR values. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Operands; `undefined` where the model left an optional input empty. */
  readonly inputs: readonly (Value | undefined)[];
  /** Result names in ONNX order; '' marks an optional output the model does not use. */
  readonly outputNames: readonly string[];
  readonly attrs: ReadonlyMap<string, RawAttr>;
}

export interface ImportContext {
  readonly builder: GraphBuilder;
  /** The opset the model declares for this node's domain. */
  readonly opset: number;
  /** A new constant value (for attributes that later opsets turned into inputs). */
  constant(tensor: Tensor, nameHint: string): Value;
}

/**
 * How one ONNX op, in a range of opsets, becomes IR. The IR holds the newest semantics of each op;
 * rules for older opsets translate (Clip's min/max attributes become inputs, Softmax's 2-D coercion
 * becomes Flatten + Softmax + Reshape, ...). Ops whose meaning never changed need no rule: they
 * import one-to-one through their IR schema.
 */
export interface ImportRule {
  readonly opType: string;
  /** '' (the default ONNX domain) unless stated. */
  readonly domain?: string;
  /** Inclusive range of opsets this rule handles. */
  readonly opsets: readonly [number, number];
  /** Builds the IR for `node` and returns its results in ONNX output order. */
  import(node: OnnxNode, ctx: ImportContext): readonly (Value | undefined)[];
}

/** The plain translation: the same op, attributes parsed by its schema, same outputs. */
export function importAsIs(node: OnnxNode, ctx: ImportContext, op = node.opType, attrs = node.attrs): readonly Value[] {
  const used = node.outputNames.map((n, i) => (n === '' ? `${node.name}:unused${i}` : n));
  return ctx.builder.add(op, node.inputs, { name: node.name, attrs, outputNames: used }).outputs;
}

/** The node's attributes without the named ones (legacy attributes that carry no meaning any more). */
export function dropAttrs(attrs: ReadonlyMap<string, RawAttr>, names: readonly string[]): ReadonlyMap<string, RawAttr> {
  const out = new Map(attrs);
  for (const n of names) out.delete(n);
  return out;
}
