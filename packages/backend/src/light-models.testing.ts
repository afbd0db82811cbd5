import { join } from 'node:path';
import { runPipeline } from '@pimc/driver';
import { loadModel } from '@pimc/frontend-onnx';
import { onnxOps, rebuildGraph, Tensor, Value, withGraph, type Model, type Node } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { LIGHT_MODELS_DIR } from '@pimc/testing';

/*
 * The ONNX "light" models (../shared/models/light) hold every float initializer as a ConstantOfShape
 * of one value: all weights of a layer equal, activations growing layer after layer. For compiler
 * tests they get seeded random weights of the usual magnitudes instead (He-uniform convolution and
 * fully connected weights, batch-norm statistics near identity), so quantization sees real ranges.
 * Uniform, not normal, draws: VGG-19 has 140 million weights.
 */

/** The model, its constants folded, with seeded random weights in place of the constant ones. */
export function lightModel(name: string, seed = 0): Model {
  const folded = runPipeline(loadModel(join(LIGHT_MODELS_DIR, `light_${name}.onnx`)), 'fold-constants').model;
  return randomizeWeights(folded, seed);
}

/** Replaces the float weights of Conv, Gemm, BatchNormalization and per-channel Mul/Add by random ones. */
export function randomizeWeights(model: Model, seed: number): Model {
  const rng = new Rng(seed);
  const replaced = new Map<Value, Value>();
  const replace = (v: Value | undefined, make: (t: Tensor) => Float32Array) => {
    const t = v?.constant;
    if (v === undefined || t === undefined || t.dtype !== 'float32' || replaced.has(v)) return;
    replaced.set(v, Value.ofConstant(v.name, new Tensor('float32', t.shape, make(t))));
  };
  const uniform = (lo: number, hi: number) => (t: Tensor) => rng.float32Array(t.size, lo, hi);
  // Variance 2 / fanIn, as He initialization: uniform on ±√(6 / fanIn).
  const heUniform = (fanIn: number) => uniform(-Math.sqrt(6 / fanIn), Math.sqrt(6 / fanIn));
  for (const node of model.graph.nodes) randomizeNode(node, replace, uniform, heUniform);
  return withGraph(model, rebuildGraph(model.graph, onnxOps, { inputs: replaced }));
}

type Maker = (t: Tensor) => Float32Array;

function randomizeNode(
  node: Node,
  replace: (v: Value | undefined, make: Maker) => void,
  uniform: (lo: number, hi: number) => Maker,
  heUniform: (fanIn: number) => Maker,
): void {
  const [, w, b] = node.inputs;
  switch (node.op) {
    case 'Conv': {
      const shape = w?.constant?.shape;
      if (shape !== undefined) replace(w, heUniform(shape.slice(1).reduce((p, d) => p * d, 1)));
      replace(b, uniform(-0.1, 0.1));
      return;
    }
    case 'Gemm': {
      const shape = w?.constant?.shape;
      const k = node.attrs['transB'] === 1 ? shape?.[1] : shape?.[0];
      if (k !== undefined) replace(w, heUniform(k));
      replace(b, uniform(-0.1, 0.1));
      return;
    }
    case 'BatchNormalization':
      replace(node.inputs[1], uniform(0.5, 1.5));
      replace(node.inputs[2], uniform(-0.2, 0.2));
      replace(node.inputs[3], uniform(-0.2, 0.2));
      replace(node.inputs[4], uniform(0.5, 1.5));
      return;
    case 'Mul':
      for (const v of node.inputs) replace(v, uniform(0.5, 1.5));
      return;
    case 'Add':
      for (const v of node.inputs) replace(v, uniform(-0.2, 0.2));
      return;
    default:
      return;
  }
}

/** The light models, by the name after `light_`. */
export const LIGHT_MODELS = [
  'bvlc_alexnet',
  'densenet121',
  'inception_v1',
  'inception_v2',
  'resnet50',
  'shufflenet',
  'squeezenet',
  'vgg19',
  'zfnet512',
] as const;
