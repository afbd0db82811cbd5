import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModel, loadModel } from '@pimc/frontend-onnx';
import { Tensor, type Model } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { buildOnnxModel, FIXTURES_DIR, type TestModel } from '@pimc/testing';
import { readCalibrationFeeds, type Feeds } from '../calibration.js';
import { bindInputs } from '../run-model.js';
import { readTensorFile } from '../tensor-files.js';
import { captureValues } from './capture-values.js';
import { clusterModel } from './cluster-model.js';
import { rapidnnMetrics } from './rapidnn-metrics.js';

const rng = new Rng(9);
const random = (shape: number[], lo = -1, hi = 1) =>
  new Tensor(
    'float32',
    shape,
    rng.float32Array(
      shape.reduce((a, b) => a * b, 1),
      lo,
      hi,
    ),
  );

/** Conv → BatchNormalization → Relu → Flatten → Gemm: a classifier of 2 classes, 272 weights. */
function convNet(): Model {
  const m: TestModel = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] }],
    outputs: [{ name: 'logits', dtype: 'float32' }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', inputs: ['c', 'gamma', 'beta', 'mean', 'var'], outputs: ['bn'] },
      { op: 'Relu', inputs: ['bn'], outputs: ['r'] },
      { op: 'Flatten', inputs: ['r'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'W2', 'B2'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
    initializers: {
      W1: random([4, 2, 3, 3]),
      B1: random([4]),
      gamma: random([4], 0.5, 1.5),
      beta: random([4]),
      mean: random([4]),
      var: random([4], 0.5, 2),
      W2: random([2, 100]),
      B2: random([2]),
    },
  };
  return importModel(buildOnnxModel(m));
}

/** One neuron y = x · w (Gemm with B [1, K] transposed), as in algorithms.md §2.4. */
function neuron(w: readonly number[]): Model {
  const m: TestModel = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', w.length] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attrs: { transB: 1 } }],
    initializers: { W: Tensor.from('float32', [1, w.length], w) },
  };
  return importModel(buildOnnxModel(m));
}

const feedOf = (batch: number, values?: readonly number[]): Feeds =>
  new Map([['x', values === undefined ? random([batch, 2, 5, 5], 0, 1) : Tensor.from('float32', [batch, 2, 5, 5], values)]]);

describe('captureValues', () => {
  const model = convNet();
  const feeds = [feedOf(3), feedOf(2)];

  it('concatenates every run when the values fit the cap', () => {
    const captured = captureValues(model, feeds, ['x', 'r']);
    expect([...captured.keys()]).toEqual(['x', 'r']);
    expect(Array.from(captured.get('x')!)).toEqual([...feeds[0]!.get('x')!.toNumbers(), ...feeds[1]!.get('x')!.toNumbers()]);
    expect(captured.get('r')!.length).toBe(5 * 4 * 5 * 5);
  });

  it('keeps a seeded uniform sample of cap values beyond it', () => {
    const all = new Set(captureValues(model, feeds, ['x']).get('x'));
    const a = captureValues(model, feeds, ['x'], { cap: 40, seed: 3 }).get('x')!;
    expect(a.length).toBe(40);
    expect([...a].every((v) => all.has(v))).toBe(true);
    expect(captureValues(model, feeds, ['x'], { cap: 40, seed: 3 }).get('x')).toEqual(a);
    // Later runs are sampled too, not only the first values seen.
    const late = new Set(feeds[1]!.get('x')!.toNumbers());
    expect([...a].some((v) => late.has(v))).toBe(true);
  });

  it('refuses a name the model does not have', () => {
    expect(() => captureValues(model, feeds, ['nope'])).toThrow(/'nope'/);
  });
});

describe('clusterModel and rapidnnMetrics', () => {
  it('folds BatchNorm first, clusters every layer and measures zero error when k covers every value', () => {
    // Two pixel levels and one image: every activation has few distinct values.
    const calibration = [
      feedOf(
        1,
        Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? 0.25 : 0.75)),
      ),
    ];
    const { model, floatModel, records, pipeline } = clusterModel(convNet(), calibration, { kW: 256, kU: 256, verifyEach: true });
    expect(floatModel.graph.nodes.some((n) => n.op === 'BatchNormalization')).toBe(false);
    expect(pipeline).toMatch(/fold-batchnorm.*rapidnn-cluster\{kW=256,kU=256\}$/);
    expect(records.at(-1)!.statistics).toMatchObject({ layersClustered: 2, inputsClustered: 2, weightSseMicro: 0 });
    const metrics = rapidnnMetrics(floatModel, model, calibration);
    expect(metrics.layers.map((l) => [l.layer, l.op])).toEqual(
      floatModel.graph.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm').map((n) => [n.name, n.op]),
    );
    for (const layer of metrics.layers) {
      expect([layer.weightMse, layer.weightRelError, layer.inputMse, layer.isolated.mse, layer.propagated.mse]).toEqual([
        0, 0, 0, 0, 0,
      ]);
      expect(layer.isolated.cosine).toBeCloseTo(1, 12);
    }
    expect(metrics.outputs[0]!.mse).toBe(0);
    expect(metrics.top1Agreement).toBe(1);
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
  });

  it('reports the worked example (algorithms.md §2.4): errors, table bytes and work per sample', () => {
    const feeds = [new Map([['x', Tensor.from('float32', [1, 6], [0.2, 0.75, 0.8, 0.1, 0.7, 0.25])]])];
    const { model, floatModel } = clusterModel(neuron([0.9, -0.4, 0.1, 0.85, -0.35, 0.12]), feeds, { kW: 3, kU: 2 });
    const [layer] = rapidnnMetrics(floatModel, model, feeds).layers;
    expect(layer!.kW).toBe(3);
    expect(layer!.kU).toBe(2);
    expect(layer!.weightMse).toBeCloseTo(0.0027 / 6, 8);
    // x − cU: 0.2 − 0.18333, 0, 0.05, 0.1 − 0.18333, −0.05, 0.25 − 0.18333.
    const inputSquares = (0.2 - 0.55 / 3) ** 2 + 0.05 ** 2 + (0.1 - 0.55 / 3) ** 2 + 0.05 ** 2 + (0.25 - 0.55 / 3) ** 2;
    expect(layer!.inputMse).toBeCloseTo(inputSquares / 6, 7);
    expect(layer!.isolated.maxAbsError).toBeCloseTo(0.031, 3);
    expect(layer!.propagated.maxAbsError).toBeCloseTo(0.031, 3);
    expect(layer!.lutBytes).toBe((3 * 2 * 16) / 8);
    expect(layer!.bytesPerNeuron).toBe((3 * 2 * 16) / 8 + (64 * (16 + 1)) / 8);
    expect(layer!.perSample).toEqual({ lutReads: 6, inMemAdds: 5, camSearches: 6 });
  });

  it('counts one table per output channel with wGranularity outChannel', () => {
    const calibration = [feedOf(2)];
    const { model, floatModel } = clusterModel(convNet(), calibration, { kW: 4, kU: 8, wGranularity: 'outChannel' });
    const metrics = rapidnnMetrics(floatModel, model, calibration, { wGranularity: 'outChannel', lutBits: 10 });
    expect(metrics.layers.map((l) => l.tables)).toEqual([4, 2]);
    expect(metrics.layers.every((l) => l.kW === 4 && l.kU === 8)).toBe(true);
    expect(metrics.lutBytes).toBe(((4 + 2) * 4 * 8 * 10) / 8);
  });

  it('refuses a float model that lacks a clustered layer', () => {
    const calibration = [feedOf(1)];
    const { model } = clusterModel(convNet(), calibration, { kW: 4, kU: 4 });
    let error: unknown;
    try {
      rapidnnMetrics(neuron([1, 2]), model, calibration);
    } catch (e) {
      error = e;
    }
    expect(isPimcError(error, 'invalid-input')).toBe(true);
  });
});

describe('RAPIDNN on mnist-lenet', () => {
  it('agrees with the float model on ≥ 98% of test set 0 at kW = kU = 64', () => {
    const float = loadModel(join(FIXTURES_DIR, 'mnist-lenet', 'model.onnx'));
    const calibration = readCalibrationFeeds(join(FIXTURES_DIR, 'mnist-calibration'), float);
    const { model, floatModel, records } = clusterModel(float, calibration, { kW: 64, kU: 64 });
    expect(records.at(-1)!.statistics).toMatchObject({ layersClustered: 4, inputsClustered: 4 });
    const set = join(FIXTURES_DIR, 'mnist-lenet', 'test_data_set_0');
    const test = bindInputs(floatModel.graph, [readTensorFile(join(set, 'input_0.pb'))]);
    const labels = readTensorFile(join(set, 'labels_0.pb')).tensor.toNumbers();
    const metrics = rapidnnMetrics(floatModel, model, [test], { labels: [labels] });
    console.log(
      `mnist-lenet kW = kU = 64: top-1 agreement ${metrics.top1Agreement}, accuracy float ${metrics.accuracy?.float} ` +
        `clustered ${metrics.accuracy?.clustered}, LUT ${metrics.lutBytes} B, ${metrics.maxBytesPerNeuron} B/neuron`,
    );
    for (const l of metrics.layers) {
      console.log(
        `  ${l.op} ${l.layer}: kW ${l.kW} kU ${l.kU} weight rel ${l.weightRelError.toExponential(2)} ` +
          `input mse ${l.inputMse.toExponential(2)} isolated cos ${l.isolated.cosine.toFixed(5)} propagated cos ${l.propagated.cosine.toFixed(5)}`,
      );
    }
    expect(metrics.samples).toBe(250);
    expect(metrics.top1Agreement).toBeGreaterThanOrEqual(0.98);
    expect(metrics.layers.every((l) => l.kW <= 64 && l.kU <= 64 && l.isolated.cosine > 0.99)).toBe(true);
  });
});
