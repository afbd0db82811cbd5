import type { AttrValue } from './attrs.js';
import type { Graph, Model, Node, Value } from './graph.js';
import { formatShape } from './shape.js';
import { Tensor } from './tensor.js';
import type { TensorType } from './op-schema.js';

/**
 * Text form of a graph, one line per node, for `pimc inspect --ir` and golden IR tests:
 *
 *     graph main(%input: float32[N,1,28,28]) -> (%logits) {
 *       %conv1 = Conv(%input, %w1, %b1) {group=1, kernel_shape=[5,5]} : float32[N,6,24,24]
 *     }
 *
 * Constants are listed first with their type; large ones show no values.
 */
export function printGraph(graph: Graph): string {
  const lines: string[] = [];
  const args = graph.inputs.map((v) => `${ref(v)}: ${formatType(v.type)}`).join(', ');
  lines.push(`graph ${graph.name}(${args}) -> (${graph.outputs.map(ref).join(', ')}) {`);
  const constants = new Set<Value>();
  for (const node of graph.nodes) for (const v of node.inputs) if (v?.constant !== undefined) constants.add(v);
  for (const v of graph.outputs) if (v.constant !== undefined) constants.add(v);
  for (const c of constants) lines.push(`  ${ref(c)} = constant ${formatConstant(c.constant!)}`);
  for (const node of graph.nodes) lines.push(`  ${printNode(node)}`);
  lines.push('}');
  return lines.join('\n');
}

export function printModel(model: Model): string {
  const opsets = [...model.opsets].map(([d, v]) => `${d || 'ai.onnx'}=${v}`).join(', ');
  return `// ${model.source} (opsets ${opsets}${model.producer === '' ? '' : `; from ${model.producer}`})\n${printGraph(model.graph)}`;
}

export function printNode(node: Node): string {
  const results = node.outputs.map(ref).join(', ');
  const operands = node.inputs.map((v) => (v === undefined ? '_' : ref(v))).join(', ');
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatAttr(v!)}`)
    .join(', ');
  const types = node.outputs.map((v) => formatType(v.type)).join(', ');
  const label = node.name === node.outputs[0]?.name ? '' : `  // ${node.name}`;
  return `${results} = ${node.op}(${operands})${attrs === '' ? '' : ` {${attrs}}`} : ${types}${label}`;
}

export function formatType(type: TensorType): string {
  return `${type.dtype}${formatShape(type.shape)}`;
}

function ref(v: Value): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(v.name) ? `%${v.name}` : `%"${v.name}"`;
}

function formatAttr(v: AttrValue): string {
  if (v instanceof Tensor) return formatConstant(v);
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(',')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function formatConstant(t: Tensor): string {
  const type = `${t.dtype}${formatShape(t.shape)}`;
  if (t.size > 8) return type;
  return `${type} {${t.toNumbers().join(', ')}}`;
}
