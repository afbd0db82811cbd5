import type { Graph } from '@pimc/ir';

/** Suffix of the integer value that stands for a float value (`logits` → `logits_q`). */
const QUANTIZED_SUFFIX = '_q';

/** Every value name a graph uses: inputs, results and constants. */
export function valueNamesOf(graph: Graph): Set<string> {
  const names = new Set<string>(graph.inputs.map((v) => v.name));
  for (const node of graph.nodes) {
    for (const v of node.inputs) if (v !== undefined) names.add(v.name);
    for (const v of node.outputs) names.add(v.name);
  }
  for (const v of graph.outputs) names.add(v.name);
  return names;
}

/**
 * The name of the integer value that stands for each float value of `graph` once quantized: the
 * float name plus `_q`, with a counter when that is taken. A pure function of the float graph, so
 * the quantize pass and the driver's error report (which pairs each quantized layer with its float
 * reference) compute the same mapping.
 */
export function quantizedValueNames(graph: Graph): Map<string, string> {
  const taken = valueNamesOf(graph);
  const result = new Map<string, string>();
  const visit = (name: string) => {
    if (result.has(name)) return;
    let candidate = `${name}${QUANTIZED_SUFFIX}`;
    for (let i = 2; taken.has(candidate); i++) candidate = `${name}${QUANTIZED_SUFFIX}${i}`;
    taken.add(candidate);
    result.set(name, candidate);
  };
  for (const v of graph.inputs) visit(v.name);
  for (const node of graph.nodes) for (const v of node.outputs) visit(v.name);
  return result;
}

/** Fresh names for the values a pass adds, clear of every name already in use. */
export class NameTable {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string>) {
    this.taken = new Set(taken);
  }

  fresh(hint: string): string {
    let name = hint;
    for (let i = 2; this.taken.has(name); i++) name = `${hint}_${i}`;
    this.taken.add(name);
    return name;
  }
}
