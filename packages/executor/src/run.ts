import { PimcError, withLocation } from '@pimc/support';
import { formatShape, type Graph, type Node, type Tensor, type Value } from '@pimc/ir';
import type { KernelRegistry } from './kernel.js';
import { referenceKernels } from './kernels/register-all.js';

export interface RunOptions {
  readonly kernels?: KernelRegistry;
  /** Called after each node with its results (for tracing and per-layer error reports). */
  readonly onNode?: (node: Node, outputs: readonly Tensor[]) => void;
  /** Keep every intermediate value instead of freeing it after its last use. */
  readonly keepIntermediates?: boolean;
}

export interface RunResult {
  /** Graph outputs by name, in the graph's output order. */
  readonly outputs: Map<string, Tensor>;
  /** All values computed (only with `keepIntermediates`). */
  readonly values: Map<Value, Tensor>;
}

/**
 * Runs a graph on concrete inputs. Inputs are checked against the declared types, symbolic
 * dimensions are bound consistently across inputs (every `N` must agree), and each value is dropped
 * after its last use so peak memory follows the live set, not the whole network.
 */
export function runGraph(graph: Graph, inputs: ReadonlyMap<string, Tensor>, options: RunOptions = {}): RunResult {
  const kernels = options.kernels ?? referenceKernels;
  const env = new Map<Value, Tensor>();
  bindInputs(graph, inputs, env);

  const lastUse = new Map<Value, number>();
  graph.nodes.forEach((node, i) => node.inputs.forEach((v) => v !== undefined && lastUse.set(v, i)));
  const isOutput = new Set(graph.outputs);

  graph.nodes.forEach((node, i) => {
    const args = node.inputs.map((v) => (v === undefined ? undefined : read(env, v, node)));
    const kernel = kernels.get(node.op);
    if (kernel === undefined) {
      throw new PimcError('unsupported-op', `the reference executor has no kernel for ${node.op}`, {
        location: { node: node.name, opType: node.op },
      });
    }
    const results = withLocation({ node: node.name, opType: node.op }, () => kernel.run(args, node.attrs as never, { node }));
    if (results.length < node.outputs.length) {
      throw new PimcError('internal', `kernel ${node.op} returned ${results.length} results for ${node.outputs.length} outputs`, {
        location: { node: node.name, opType: node.op },
      });
    }
    node.outputs.forEach((v, k) => env.set(v, results[k]!));
    options.onNode?.(node, results);
    if (options.keepIntermediates !== true) {
      for (const v of node.inputs) {
        if (v !== undefined && v.constant === undefined && lastUse.get(v) === i && !isOutput.has(v)) env.delete(v);
      }
    }
  });

  const outputs = new Map<string, Tensor>();
  for (const v of graph.outputs) outputs.set(v.name, read(env, v, undefined));
  return { outputs, values: options.keepIntermediates === true ? env : new Map() };
}

function read(env: Map<Value, Tensor>, v: Value, node: Node | undefined): Tensor {
  if (v.constant !== undefined) return v.constant;
  const t = env.get(v);
  if (t === undefined) {
    throw new PimcError('internal', `value '${v.name}' is used before it is computed`, {
      location: node === undefined ? {} : { node: node.name, opType: node.op },
    });
  }
  return t;
}

/** Checks and binds the caller's inputs, naming the input and both shapes on a mismatch. */
function bindInputs(graph: Graph, inputs: ReadonlyMap<string, Tensor>, env: Map<Value, Tensor>): void {
  const known = new Set(graph.inputs.map((v) => v.name));
  for (const name of inputs.keys()) {
    if (!known.has(name)) {
      throw new PimcError('invalid-input', `the model has no input '${name}'`, {
        notes: [`inputs: ${[...known].join(', ') || '(none)'}`],
      });
    }
  }
  const symbols = new Map<string, number>();
  for (const v of graph.inputs) {
    const t = inputs.get(v.name);
    if (t === undefined) throw new PimcError('invalid-input', `input '${v.name}' is missing`);
    if (t.dtype !== v.type.dtype) {
      throw new PimcError('invalid-input', `input '${v.name}' should be ${v.type.dtype} but is ${t.dtype}`);
    }
    const declared = v.type.shape;
    if (declared !== undefined) {
      const mismatch = () =>
        new PimcError(
          'invalid-input',
          `input '${v.name}' should have shape ${formatShape(declared)} but has ${formatShape(t.shape)}`,
        );
      if (declared.length !== t.rank) throw mismatch();
      declared.forEach((d, i) => {
        const actual = t.shape[i]!;
        if (typeof d === 'number') {
          if (d !== actual) throw mismatch();
        } else if (d !== '?' && d !== '') {
          const bound = symbols.get(d);
          if (bound === undefined) symbols.set(d, actual);
          else if (bound !== actual) {
            throw new PimcError(
              'invalid-input',
              `input '${v.name}' binds dimension '${d}' to ${actual}, but another input bound it to ${bound}`,
            );
          }
        }
      });
    }
    env.set(v, t);
  }
}
