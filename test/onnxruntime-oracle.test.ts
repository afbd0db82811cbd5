import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compareTensors, importModel, prepareModel, readTensorFile, runModel, runPipeline } from '@pimc/driver';
import { Tensor } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, FIXTURES_DIR, type TestModel, type TestNode } from '@pimc/testing';

/** onnxruntime-node as the oracle for float outputs: same model bytes, same inputs. */
async function runOrt(model: Uint8Array | string, feeds: ReadonlyMap<string, Tensor>): Promise<Tensor[]> {
  const session = await ort.InferenceSession.create(model as Uint8Array);
  try {
    const result = await session.run(
      Object.fromEntries([...feeds].map(([name, t]) => [name, new ort.Tensor('float32', t.data as Float32Array, [...t.shape])])),
    );
    return session.outputNames.map((name) => {
      const t = result[name]!;
      return new Tensor('float32', t.dims as number[], t.data as Float32Array);
    });
  } finally {
    await session.release();
  }
}

const fixtureNames = existsSync(FIXTURES_DIR)
  ? readdirSync(FIXTURES_DIR).filter((n) => existsSync(join(FIXTURES_DIR, n, 'model.onnx')))
  : [];

describe('fixture models agree with onnxruntime', () => {
  it('has the four fixture models', () => {
    expect(fixtureNames.sort()).toEqual(['mnist-dwsep', 'mnist-lenet', 'mnist-mlp', 'mnist-resnet']);
  });

  it.each(fixtureNames)('%s', async (name) => {
    const path = join(FIXTURES_DIR, name, 'model.onnx');
    const { model } = prepareModel(path);
    const input = readTensorFile(join(FIXTURES_DIR, name, 'test_data_set_0', 'input_0.pb')).tensor;
    const feeds = new Map([[model.graph.inputs[0]!.name, input]]);
    const [expected] = await runOrt(path, feeds);
    const [actual] = runModel(model, feeds);
    expect(compareTensors(actual!.tensor, expected!).reason).toBeUndefined();
  });
});

/** A random single-op model: the op, its attributes, and input shapes drawn from a seeded generator. */
interface OpCase {
  readonly title: string;
  readonly model: TestModel;
}

function randomCases(seed: number, count: number): OpCase[] {
  const rng = new Rng(seed);
  const cases: OpCase[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  const weights = (shape: number[]) =>
    Tensor.from(
      'float32',
      shape,
      rng.float32Array(
        shape.reduce((a, b) => a * b, 1),
        -1,
        1,
      ),
    );
  for (let i = 0; i < count; i++) {
    const kind = pick(['Conv', 'ConvDepthwise', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'Softmax', 'Elementwise']);
    const n = rng.int(1, 2);
    const c = rng.int(1, 6);
    const h = rng.int(5, 12);
    const w = rng.int(5, 12);
    let node: TestNode;
    let initializers: Record<string, Tensor> = {};
    let inputShape: number[] = [n, c, h, w];
    switch (kind) {
      case 'Conv':
      case 'ConvDepthwise': {
        const group = kind === 'ConvDepthwise' ? c : 1;
        const m = kind === 'ConvDepthwise' ? c * rng.int(1, 2) : rng.int(1, 8);
        const k = rng.int(1, 3);
        const pads = [rng.int(0, 1), rng.int(0, 1), rng.int(0, 1), rng.int(0, 1)];
        initializers = { W: weights([m, c / group, k, k]), B: weights([m]) };
        node = {
          op: 'Conv',
          inputs: ['x', 'W', 'B'],
          outputs: ['y'],
          attrs: { group, pads, strides: [rng.int(1, 2), rng.int(1, 2)], dilations: [rng.int(1, 2), 1] },
        };
        break;
      }
      case 'Gemm': {
        const k = rng.int(1, 40);
        const m = rng.int(1, 30);
        inputShape = [n * 3, k];
        const transB = rng.int(0, 1);
        initializers = { B: weights(transB === 1 ? [m, k] : [k, m]), C: weights([m]) };
        node = {
          op: 'Gemm',
          inputs: ['x', 'B', 'C'],
          outputs: ['y'],
          attrs: { transB, alpha: { float: rng.uniform(0.5, 2) }, beta: { float: rng.uniform(0.5, 2) } },
        };
        break;
      }
      case 'MatMul': {
        const k = rng.int(1, 40);
        inputShape = [n, rng.int(1, 5), k];
        initializers = { B: weights([k, rng.int(1, 30)]) };
        node = { op: 'MatMul', inputs: ['x', 'B'], outputs: ['y'] };
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const k = rng.int(2, 3);
        node = {
          op: kind,
          inputs: ['x'],
          outputs: ['y'],
          attrs: {
            kernel_shape: [k, k],
            strides: [rng.int(1, 2), rng.int(1, 2)],
            pads: [rng.int(0, 1), rng.int(0, 1), rng.int(0, 1), rng.int(0, 1)],
            ceil_mode: rng.int(0, 1),
          },
        };
        break;
      }
      case 'Softmax':
        node = { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: rng.int(-4, 3) } };
        break;
      default: {
        const op = pick(['Add', 'Mul', 'Sub', 'Div', 'Max', 'Min']);
        initializers = { b: weights(pick([[1], [c, 1, 1], [w], [1, c, 1, w]])) };
        node = { op, inputs: ['x', 'b'], outputs: ['y'] };
      }
    }
    cases.push({
      title: `#${i} ${node.op} ${JSON.stringify(node.attrs ?? {})} x=[${inputShape.join(',')}]`,
      model: {
        opset: 17,
        inputs: [{ name: 'x', dtype: 'float32', shape: inputShape }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [node],
        initializers,
      },
    });
  }
  return cases;
}

describe('random single-op models agree with onnxruntime', () => {
  it.each(randomCases(20261121, 60).map((c) => [c.title, c] as const))('%s', async (_title, c) => {
    const bytes = buildOnnxModel(c.model);
    const model = importModel(bytes);
    const rng = new Rng(7);
    const shape = model.graph.inputs[0]!.type.shape as number[];
    const feeds = new Map([
      [
        'x',
        Tensor.from(
          'float32',
          shape,
          rng.float32Array(
            shape.reduce((a, b) => a * b, 1),
            -2,
            2,
          ),
        ),
      ],
    ]);
    const [expected] = await runOrt(bytes, feeds);
    for (const candidate of [model, runPipeline(model).model]) {
      const [actual] = runModel(candidate, feeds);
      expect(compareTensors(actual!.tensor, expected!).reason).toBeUndefined();
    }
  });
});
