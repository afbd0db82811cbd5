import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModel, loadModel, readTensorFile, runModel, runPipeline } from '@pimc/driver';
import { printModel, Tensor, type Model, type TypedArray } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, FIXTURES_DIR, type TestModel } from '@pimc/testing';

const rng = new Rng(3);
const random = (shape: number[], lo = -1, hi = 1) =>
  Tensor.from(
    'float32',
    shape,
    rng.float32Array(
      shape.reduce((a, b) => a * b, 1),
      lo,
      hi,
    ),
  );
const scalar = (v: number) => Tensor.scalar('float32', v);

/** Conv → Relu → MaxPool → Flatten → Gemm → Clip(0, 6); a residual Add → Relu; a Relu that cannot fuse. */
const net: TestModel = {
  inputs: [
    { name: 'x', dtype: 'float32', shape: ['N', 2, 6, 6] },
    { name: 'lo', dtype: 'float32', shape: [] },
  ],
  outputs: [
    { name: 'y', dtype: 'float32' },
    { name: 'z', dtype: 'float32' },
    { name: 'w', dtype: 'float32' },
  ],
  nodes: [
    { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Relu', inputs: ['p1'], outputs: ['r2'] }, // after MaxPool: not a layer, stays
    { op: 'Flatten', inputs: ['r2'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'W2', 'B2'], outputs: ['g'], attrs: { transB: 1 } },
    { op: 'Clip', inputs: ['g', 'zero', 'six'], outputs: ['y'] },
    { op: 'Conv', inputs: ['x', 'W3'], outputs: ['c3'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Add', inputs: ['c3', 'c1'], outputs: ['s'] },
    { op: 'Relu', inputs: ['s'], outputs: ['z'] },
    { op: 'Conv', inputs: ['x', 'W3'], outputs: ['c4'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Clip', inputs: ['c4', 'lo'], outputs: ['w'] }, // bound is not a constant
  ],
  initializers: {
    W1: random([3, 2, 3, 3]),
    B1: random([3]),
    W2: random([4, 27]),
    B2: random([4]),
    W3: random([3, 2, 3, 3]),
    zero: scalar(0),
    six: scalar(6),
  },
};

function feeds(model: Model): Map<string, Tensor> {
  return new Map(
    model.graph.inputs.map((v) => [
      v.name,
      random(
        (v.type.shape as (number | string)[]).map((d) => (typeof d === 'number' ? d : 3)),
        -3,
        3,
      ),
    ]),
  );
}

/** The float model must compute bit for bit what it computed before. */
function expectIdentical(before: Model, after: Model, inputs = feeds(before)): void {
  const a = runModel(before, inputs);
  const b = runModel(after, inputs);
  expect(b.map((o) => o.name)).toEqual(a.map((o) => o.name));
  a.forEach((o, i) => expect(Array.from(b[i]!.tensor.data as TypedArray)).toEqual(Array.from(o.tensor.data as TypedArray)));
}

describe('fuse-activations', () => {
  it('marks Relu and constant-bound Clip after a single-reader layer, and nothing else', () => {
    const model = importModel(buildOnnxModel(net));
    const { model: after, records } = runPipeline(model, 'fuse-activations', { verifyEach: true });
    expect(after.graph.nodes.map((n) => n.op)).toEqual([
      'Conv',
      'Relu', // c1 also feeds the Add
      'MaxPool',
      'Relu',
      'Flatten',
      'Gemm',
      'PimFusedActivation',
      'Conv',
      'Add',
      'PimFusedActivation',
      'Conv',
      'Clip',
    ]);
    const text = printModel(after);
    expect(text).toContain('%y = PimFusedActivation(%g) {activation="clip", min=0, max=6} : float32[N,4]');
    expect(text).toContain('%z = PimFusedActivation(%s) {activation="relu", min=0} : float32[N,3,6,6]');
    expect(records[0]!.statistics).toEqual({ relu: 1, clip: 1, skipped: 3 });
    expectIdentical(model, after);
  });

  it('leaves a layer result that is also a graph output', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
        outputs: [
          { name: 'm', dtype: 'float32' },
          { name: 'r', dtype: 'float32' },
        ],
        nodes: [
          { op: 'MatMul', inputs: ['x', 'B'], outputs: ['m'] },
          { op: 'Relu', inputs: ['m'], outputs: ['r'] },
        ],
        initializers: { B: random([3, 4]) },
      }),
    );
    const { model: after } = runPipeline(model, 'fuse-activations');
    expect(after).toBe(model);
  });

  it('marks a Relu after a BatchNormalization that stayed (quantize makes it a per-channel layer)', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 3, 3] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [
          { op: 'Concat', inputs: ['x', 'x'], outputs: ['c'], attrs: { axis: 1 } },
          { op: 'BatchNormalization', inputs: ['c', 's', 'b', 'm', 'v'], outputs: ['n'] },
          { op: 'Relu', inputs: ['n'], outputs: ['y'] },
        ],
        initializers: { s: random([4]), b: random([4]), m: random([4]), v: random([4], 0.5, 1.5) },
      }),
    );
    const { model: after } = runPipeline(model, 'fuse-activations', { verifyEach: true });
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Concat', 'BatchNormalization', 'PimFusedActivation']);
    expectIdentical(model, after);
  });

  it.each(['mnist-lenet', 'mnist-resnet', 'mnist-dwsep'])('keeps %s exact and deterministic', (name) => {
    const model = loadModel(join(FIXTURES_DIR, name, 'model.onnx'));
    const pipeline = 'fold-constants,remove-identities,fold-batchnorm,eliminate-dead-code';
    const before = runPipeline(model, pipeline).model;
    const first = runPipeline(before, 'fuse-activations', { verifyEach: true });
    const second = runPipeline(before, 'fuse-activations', { verifyEach: true });
    expect(printModel(second.model)).toBe(printModel(first.model));
    expect(first.model.graph.nodes.some((n) => n.op === 'Relu' || n.op === 'Clip')).toBe(false);
    const input = readTensorFile(join(FIXTURES_DIR, name, 'test_data_set_0', 'input_0.pb')).tensor;
    expectIdentical(before, first.model, new Map([['input', input]]));
  });
});
