import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { runGraph } from '@pimc/executor';
import { Tensor, type Model } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { buildOnnxModel, type TestModel, type TestNode } from '@pimc/testing';
import { importModel } from '../import-model.js';

/**
 * The legacy nn rules, checked against onnxruntime running the same old-opset model: one node,
 * float32 inputs, every listed output compared.
 */
async function agreeWithOnnxruntime(model: TestModel, inputs: Readonly<Record<string, Tensor>>): Promise<Model> {
  const bytes = buildOnnxModel(model);
  const session = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(
    Object.entries(inputs).map(([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, [...t.shape])]),
  );
  const expected = await session.run(feeds);
  await session.release();
  const imported = importModel(bytes);
  const actual = runGraph(imported.graph, new Map(Object.entries(inputs))).outputs;
  for (const out of model.outputs) {
    const a = actual.get(out.name)!;
    const e = expected[out.name]!;
    expect(a.shape, out.name).toEqual(e.dims.map(Number));
    const want = Array.from(e.data as ArrayLike<number>, Number);
    a.toNumbers().forEach((v, i) => {
      if (Math.abs(v - want[i]!) > 1e-5 + 1e-4 * Math.abs(want[i]!)) {
        throw new Error(`${out.name}[${i}] = ${v}, onnxruntime says ${want[i]}`);
      }
    });
  }
  return imported;
}

const rng = new Rng(23);
const random = (shape: number[]) =>
  Tensor.from(
    'float32',
    shape,
    rng.float32Array(
      shape.reduce((a, b) => a * b, 1),
      -3,
      3,
    ),
  );

function single(
  opset: number,
  node: TestNode,
  x: Tensor,
  outputs: readonly string[] = ['y'],
  initializers: Record<string, Tensor> = {},
  xShape?: (number | string)[],
): TestModel {
  return {
    opset,
    inputs: [{ name: 'x', dtype: 'float32', shape: xShape ?? [...x.shape] }],
    outputs: outputs.map((name) => ({ name, dtype: name === 'mask' && opset >= 10 ? 'bool' : 'float32' })),
    nodes: [node],
    initializers,
  };
}

describe('legacy Softmax and LogSoftmax (opset < 13)', () => {
  it('coerce to 2-D at the axis', async () => {
    const x = random([2, 3, 4]);
    for (const op of ['Softmax', 'LogSoftmax']) {
      const model = await agreeWithOnnxruntime(single(11, { op, inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }, x), { x });
      expect(model.graph.nodes.map((n) => n.op)).toEqual(['Flatten', op, 'Reshape']);
      await agreeWithOnnxruntime(single(9, { op, inputs: ['x'], outputs: ['y'] }, x), { x });
      await agreeWithOnnxruntime(single(12, { op, inputs: ['x'], outputs: ['y'], attrs: { axis: -2 } }, x), { x });
    }
  });

  it('become one node when the axis is the last', async () => {
    const x = random([2, 5]);
    const model = await agreeWithOnnxruntime(single(7, { op: 'Softmax', inputs: ['x'], outputs: ['y'] }, x), { x });
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Softmax']);
  });

  it('keep a symbolic dim through the reshape, or reshape to the runtime Shape', async () => {
    const x = random([3, 2, 2]);
    const one = await agreeWithOnnxruntime(
      single(11, { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }, x, ['y'], {}, ['N', 2, 2]),
      { x },
    );
    expect(one.graph.nodes.map((n) => n.op)).toEqual(['Flatten', 'Softmax', 'Reshape']);
    expect(one.graph.outputs[0]!.type.shape).toEqual(['N', 2, 2]);
    const two = await agreeWithOnnxruntime(
      single(11, { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }, x, ['y'], {}, ['N', 'C', 2]),
      { x },
    );
    expect(two.graph.nodes.map((n) => n.op)).toEqual(['Flatten', 'Softmax', 'Shape', 'Reshape']);
  });
});

describe('legacy BatchNormalization', () => {
  const params = () => ({
    scale: random([3]),
    bias: random([3]),
    mean: random([3]),
    var: Tensor.from('float32', [3], [0.5, 1, 2]),
  });

  it('drops spatial (opset 7) and imports opset 9 as test mode', async () => {
    const x = random([2, 3, 2, 2]);
    const inputs = ['x', 'scale', 'bias', 'mean', 'var'];
    await agreeWithOnnxruntime(
      single(
        7,
        { op: 'BatchNormalization', inputs, outputs: ['y'], attrs: { spatial: 1, epsilon: { float: 1e-3 } } },
        x,
        ['y'],
        params(),
      ),
      { x },
    );
    await agreeWithOnnxruntime(single(9, { op: 'BatchNormalization', inputs, outputs: ['y'] }, x, ['y'], params()), { x });
  });

  it('refuses per-position statistics and the training-only saved outputs', () => {
    const x = random([1, 3, 2, 2]);
    const inputs = ['x', 'scale', 'bias', 'mean', 'var'];
    const fails = (node: TestNode, code: string) => {
      try {
        importModel(buildOnnxModel(single(7, node, x, ['y'], params())));
        throw new Error('expected an error');
      } catch (e) {
        expect(isPimcError(e) ? e.code : e).toBe(code);
      }
    };
    fails({ op: 'BatchNormalization', inputs, outputs: ['y'], attrs: { spatial: 0 } }, 'unsupported-attribute');
    fails({ op: 'BatchNormalization', inputs, outputs: ['y', '', '', 'saved_mean'] }, 'unsupported-attribute');
  });
});

describe('legacy Dropout', () => {
  it('turns the ratio attribute into an input and passes data through', async () => {
    const x = random([2, 3]);
    const model = await agreeWithOnnxruntime(
      single(7, { op: 'Dropout', inputs: ['x'], outputs: ['y'], attrs: { ratio: { float: 0.3 } } }, x),
      { x },
    );
    expect(model.graph.nodes[0]!.inputs[1]!.constant!.toNumbers()[0]).toBeCloseTo(0.3);
    const withMask = single(10, { op: 'Dropout', inputs: ['x'], outputs: ['y', 'mask'] }, x, ['y', 'mask']);
    const imported = importModel(buildOnnxModel(withMask));
    const out = runGraph(imported.graph, new Map([['x', x]])).outputs;
    expect(out.get('mask')!.dtype).toBe('bool');
    expect(out.get('mask')!.toNumbers()).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('casts the opset 7-9 mask to the data type', () => {
    // onnxruntime fills an inference-mode legacy mask with zeros, the ONNX reference (and pimc)
    // with ones ("nothing dropped"), so only the data output is checked against the input here.
    const x = random([2, 2]);
    const model = importModel(
      buildOnnxModel(single(9, { op: 'Dropout', inputs: ['x'], outputs: ['y', 'mask'] }, x, ['y', 'mask'])),
    );
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Dropout', 'Cast']);
    const out = runGraph(model.graph, new Map([['x', x]])).outputs;
    expect(out.get('mask')!.dtype).toBe('float32');
    expect(out.get('mask')!.toNumbers()).toEqual([1, 1, 1, 1]);
    expect(out.get('y')!.toNumbers()).toEqual(x.toNumbers());
  });
});

describe('Upsample and Resize-10', () => {
  it('map to asymmetric Resize (nearest and linear)', async () => {
    const x = random([1, 2, 3, 4]);
    for (const mode of ['nearest', 'linear']) {
      await agreeWithOnnxruntime(
        single(7, { op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { mode, scales: { floats: [1, 1, 2, 3] } } }, x),
        { x },
      );
      const scales = Tensor.from('float32', [4], [1, 1, 2, 1.5]);
      await agreeWithOnnxruntime(
        single(9, { op: 'Upsample', inputs: ['x', 'scales'], outputs: ['y'], attrs: { mode } }, x, ['y'], { scales }),
        { x },
      );
      await agreeWithOnnxruntime(
        single(10, { op: 'Resize', inputs: ['x', 'scales'], outputs: ['y'], attrs: { mode } }, x, ['y'], { scales }),
        { x },
      );
    }
  });

  it('round down-sampled nearest coordinates up, as opset 10 did', async () => {
    const x = random([1, 1, 4, 5]);
    const scales = Tensor.from('float32', [4], [1, 1, 0.5, 0.6]);
    await agreeWithOnnxruntime(
      single(10, { op: 'Resize', inputs: ['x', 'scales'], outputs: ['y'], attrs: { mode: 'nearest' } }, x, ['y'], { scales }),
      { x },
    );
    await agreeWithOnnxruntime(
      single(10, { op: 'Resize', inputs: ['x', 'scales'], outputs: ['y'], attrs: { mode: 'linear' } }, x, ['y'], { scales }),
      { x },
    );
  });

  it('imports Resize 11 with empty roi and scales beside sizes', async () => {
    const x = random([1, 1, 2, 3]);
    const model = single(
      11,
      { op: 'Resize', inputs: ['x', 'roi', 'scales', 'sizes'], outputs: ['y'], attrs: { mode: 'linear' } },
      x,
      ['y'],
      {
        roi: Tensor.from('float32', [0], []),
        scales: Tensor.from('float32', [0], []),
        sizes: Tensor.from('int64', [4], [1, 1, 3, 5]),
      },
    );
    await agreeWithOnnxruntime(model, { x });
  });
});
