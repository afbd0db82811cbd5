import { PimcError } from '@pimc/support';
import type { Graph, Model, PassRecord, Tensor } from '@pimc/ir';
import { loadModel } from '@pimc/frontend-onnx';
import { runGraph, type RunOptions } from '@pimc/executor';
import { runPipeline, SIMPLIFY_PIPELINE } from './pipeline.js';

export interface PreparedModel {
  readonly model: Model;
  /** What each pass of the pipeline did. */
  readonly records: readonly PassRecord[];
}

/** Loads an ONNX file and runs a pipeline over it (the simplification pipeline unless told otherwise; '' for none). */
export function prepareModel(path: string, options: { pipeline?: string; verifyEach?: boolean } = {}): PreparedModel {
  const imported = loadModel(path);
  const pipeline = options.pipeline ?? SIMPLIFY_PIPELINE;
  if (pipeline.trim() === '') return { model: imported, records: [] };
  return runPipeline(imported, pipeline, options.verifyEach === undefined ? {} : { verifyEach: options.verifyEach });
}

/** A tensor for a graph input: named (from a TensorProto's name) or taken by position. */
export interface InputTensor {
  readonly name: string;
  readonly tensor: Tensor;
}

/**
 * Matches tensors to graph inputs: by name when every tensor is named after an input (ONNX test
 * sets name their inputs), else by position. Counts must agree either way.
 */
export function bindInputs(graph: Graph, given: readonly InputTensor[]): Map<string, Tensor> {
  const names = graph.inputs.map((v) => v.name);
  if (given.length !== names.length) {
    throw new PimcError(
      'invalid-input',
      `the model takes ${names.length} input(s) (${names.join(', ')}) but ${given.length} were given`,
    );
  }
  const byName = given.every((g) => names.includes(g.name)) && new Set(given.map((g) => g.name)).size === given.length;
  return new Map(given.map((g, i) => [byName ? g.name : names[i]!, g.tensor]));
}

/** Runs a model on inputs and returns its outputs in the graph's output order. */
export function runModel(
  model: Model,
  inputs: ReadonlyMap<string, Tensor>,
  options: RunOptions = {},
): { name: string; tensor: Tensor }[] {
  const { outputs } = runGraph(model.graph, inputs, options);
  return [...outputs].map(([name, tensor]) => ({ name, tensor }));
}
