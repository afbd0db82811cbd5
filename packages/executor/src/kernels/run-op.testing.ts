import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs, type Graph, type TensorType } from '@pimc/ir';
import { runGraph } from '../run.js';

/**
 * Test support (no test runner imported, so it compiles with the package): runs one op on concrete tensors through GraphBuilder (so attributes are parsed and
 * shapes inferred) and the reference executor. Every case runs twice, once with the operands as
 * graph inputs and once as constants (shape inference then sees their values); both runs must give
 * the same results, and every inferred dim that is a number must match the computed one.
 */
export interface RunOpOptions {
  readonly attrs?: Attrs;
  /** Number of results (Split). */
  readonly outputs?: number;
}

export function runOp(op: string, inputs: readonly (Tensor | undefined)[], options: RunOpOptions = {}): Tensor[] {
  const dynamic = runOnce(op, inputs, options, false);
  const folded = runOnce(op, inputs, options, true);
  deepStrictEqual(folded.results.map(describe), dynamic.results.map(describe), `${op}: constant operands changed the results`);
  for (const { types, results } of [dynamic, folded]) {
    results.forEach((t, i) => {
      const type = types[i]!;
      const what = `${op} result ${i}: inferred ${type.dtype}[${type.shape?.join(', ') ?? '?'}], computed ${t.dtype}[${t.shape.join(', ')}]`;
      strictEqual(type.dtype, t.dtype, what);
      if (type.shape !== undefined) {
        strictEqual(type.shape.length, t.rank, what);
        type.shape.forEach((d, k) => {
          if (typeof d === 'number') strictEqual(d, t.shape[k], what);
        });
      }
    });
  }
  // Constant operands must give fully known output shapes.
  folded.types.forEach((type, i) =>
    deepStrictEqual(type.shape, folded.results[i]!.shape, `${op} result ${i}: shape not inferred from constants`),
  );
  return dynamic.results;
}

/** Inferred result types only, for shape-inference tests. */
export function inferOp(op: string, inputs: readonly (Value | undefined)[], options: RunOpOptions = {}): TensorType[] {
  const builder = new GraphBuilder(onnxOps);
  const node = builder.add(op, inputs, { attrs: options.attrs ?? {}, outputNames: outputNames(options) });
  return node.outputs.map((v) => v.type);
}

export const input = (name: string, type: TensorType): Value => new Value(name, type);
export const constant = (name: string, t: Tensor): Value => Value.ofConstant(name, t);

function outputNames(options: RunOpOptions): string[] | undefined {
  return options.outputs === undefined ? undefined : Array.from({ length: options.outputs }, (_, i) => `out${i}`);
}

function runOnce(op: string, inputs: readonly (Tensor | undefined)[], options: RunOpOptions, asConstants: boolean) {
  const builder = new GraphBuilder(onnxOps);
  const graphInputs: Value[] = [];
  const feeds = new Map<string, Tensor>();
  const values = inputs.map((t, i) => {
    if (t === undefined) return undefined;
    if (asConstants) return Value.ofConstant(`in${i}`, t);
    const v = new Value(`in${i}`, { dtype: t.dtype, shape: t.shape });
    graphInputs.push(v);
    feeds.set(v.name, t);
    return v;
  });
  const node = builder.add(op, values, { attrs: options.attrs ?? {}, outputNames: outputNames(options) });
  const graph: Graph = { name: op, inputs: graphInputs, outputs: node.outputs, nodes: builder.nodes };
  const { outputs } = runGraph(graph, feeds);
  return { types: node.outputs.map((v) => v.type), results: node.outputs.map((v) => outputs.get(v.name)!) };
}

function describe(t: Tensor): { dtype: string; shape: readonly number[]; values: number[] } {
  return { dtype: t.dtype, shape: t.shape, values: t.toNumbers() };
}

/** `Tensor.from` shorthand. */
export const T = Tensor.from;
