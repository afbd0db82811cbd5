import { describe, expect, it } from 'vitest';
import { compareTensors, importModel, runModel, runPipeline } from '@pimc/driver';
import { Tensor, type Model } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, type TestModel, type TestNode } from '@pimc/testing';

const rng = new Rng(17);
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

/** x → Conv (or Concat → BatchNormalization) → `links` → Relu → y. */
function chain(producer: 'Conv' | 'BatchNormalization', links: readonly TestNode[], extra: Record<string, Tensor> = {}): Model {
  const head: TestNode[] =
    producer === 'Conv'
      ? [{ op: 'Conv', name: 'conv', inputs: ['x', 'W', 'B'], outputs: ['p'], attrs: { pads: [1, 1, 1, 1] } }]
      : [
          { op: 'Concat', inputs: ['x', 'x'], outputs: ['cat'], attrs: { axis: 1 } },
          { op: 'BatchNormalization', name: 'bn', inputs: ['cat', 'scale', 'bias', 'mean', 'var'], outputs: ['p'] },
        ];
  const last = links.length === 0 ? 'p' : links[links.length - 1]!.outputs[0]!;
  const m: TestModel = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [...head, ...links, { op: 'Relu', inputs: [last], outputs: ['y'] }],
    initializers: {
      W: random([4, 2, 3, 3]),
      B: random([4]),
      scale: random([4], 0.5, 1.5),
      bias: random([4]),
      mean: random([4]),
      var: random([4], 0.5, 1.5),
      ...extra,
    },
  };
  return importModel(buildOnnxModel(m));
}

function expectSameOutputs(before: Model, after: Model): void {
  const x = random([3, 2, 5, 5]);
  const a = runModel(before, new Map([['x', x]]))[0]!.tensor;
  const b = runModel(after, new Map([['x', x]]))[0]!.tensor;
  expect(compareTensors(b, a, { atol: 1e-5, rtol: 1e-5 }).reason).toBeUndefined();
}

const mul = (a: string, b: string, out: string): TestNode => ({ op: 'Mul', inputs: [a, b], outputs: [out] });
const add = (a: string, b: string, out: string): TestNode => ({ op: 'Add', inputs: [a, b], outputs: [out] });

describe('fold-affine', () => {
  it('folds Conv → Mul → Add by per-channel constants (either operand order) into the Conv', () => {
    const model = chain('Conv', [mul('S', 'p', 'm'), add('m', 'T', 'a')], { S: random([4, 1, 1]), T: random([1, 4, 1, 1]) });
    const { model: after, records } = runPipeline(model, 'fold-affine', { verifyEach: true });
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu']);
    expect(after.graph.nodes[0]!.outputs[0]!.name).toBe('a');
    expect(records[0]!.statistics).toEqual({ folded: 2, producers: 1 });
    expectSameOutputs(model, after);
  });

  it('folds a scalar and a chain of several links, and gives a bias-less Conv its bias', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['p'] }, add('p', 'T', 'a'), mul('a', 'K', 'm'), add('m', 'T', 'y')],
        initializers: { W: random([3, 2, 1, 1]), T: random([3, 1, 1]), K: Tensor.scalar('float32', 0.5) },
      }),
    );
    const after = runPipeline(model, 'fold-affine', { verifyEach: true }).model;
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Conv']);
    expect(after.graph.nodes[0]!.inputs[2]!.constant!.shape).toEqual([3]);
    expect(after.graph.outputs.map((v) => v.name)).toEqual(['y']);
    const x = random([1, 2, 4, 4]);
    const expected = runModel(model, new Map([['x', x]]))[0]!.tensor;
    expect(
      compareTensors(runModel(after, new Map([['x', x]]))[0]!.tensor, expected, { atol: 1e-5, rtol: 1e-5 }).reason,
    ).toBeUndefined();
  });

  it('folds BatchNormalization → Mul → Add (a Caffe BatchNorm + Scale) into the BatchNormalization', () => {
    const model = chain('BatchNormalization', [mul('p', 'S', 'm'), add('m', 'T', 'a')], {
      S: random([4, 1, 1]),
      T: random([4, 1, 1]),
    });
    const after = runPipeline(model, 'fold-affine', { verifyEach: true }).model;
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Concat', 'BatchNormalization', 'Relu']);
    expectSameOutputs(model, after);
  });

  it('leaves constants that vary along other axes, tensors that broadcast the result, and shared results', () => {
    const spatial = chain('Conv', [mul('p', 'S', 'm')], { S: random([4, 5, 5]) });
    expect(runPipeline(spatial, 'fold-affine').records[0]!.statistics).toEqual({ folded: 0, producers: 0 });
    const widening = chain('Conv', [add('p', 'T', 'a')], { T: random([2, 4, 1, 1]) });
    expect(runPipeline(widening, 'fold-affine').model.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Add', 'Relu']);
    const shared = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }],
        outputs: [
          { name: 'y', dtype: 'float32' },
          { name: 'p', dtype: 'float32' },
        ],
        nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['p'] }, mul('p', 'S', 'y')],
        initializers: { W: random([3, 2, 1, 1]), S: random([3, 1, 1]) },
      }),
    );
    expect(runPipeline(shared, 'fold-affine').model.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Mul']);
  });

  it('after fold-batchnorm, Conv → BatchNormalization → Mul → Add becomes one Conv', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [
          { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
          { op: 'BatchNormalization', inputs: ['c', 'scale', 'bias', 'mean', 'var'], outputs: ['p'] },
          mul('p', 'S', 'm'),
          add('m', 'T', 'y'),
        ],
        initializers: {
          W: random([4, 2, 1, 1]),
          scale: random([4], 0.5, 1.5),
          bias: random([4]),
          mean: random([4]),
          var: random([4], 0.5, 1.5),
          S: random([4, 1, 1]),
          T: random([4, 1, 1]),
        },
      }),
    );
    const after = runPipeline(model, 'fold-batchnorm,fold-affine', { verifyEach: true }).model;
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Conv']);
    const x = random([1, 2, 4, 4]);
    const expected = runModel(model, new Map([['x', x]]))[0]!.tensor;
    expect(
      compareTensors(runModel(after, new Map([['x', x]]))[0]!.tensor, expected, { atol: 1e-5, rtol: 1e-5 }).reason,
    ).toBeUndefined();
  });
});
