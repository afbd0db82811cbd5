import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collectCalibration,
  importModel,
  loadModel,
  QUANTIZE_FLOAT_PIPELINE,
  randomUniformFeeds,
  runModel,
  runPipeline,
  type Feeds,
} from '@pimc/driver';
import { onnxOps, PassManager, printModel, Tensor, type Model, type Node, type TypedArray } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { buildOnnxModel, LIGHT_MODELS_DIR, type TestModel } from '@pimc/testing';
import { quantizeWith } from './quantize.js';
import { allPasses } from './register-all.js';

const rng = new Rng(9);
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

function feedsOf(model: Model, batch: number, lo = 0, hi = 1): Feeds {
  return new Map(
    model.graph.inputs.map((v) => [
      v.name,
      random(
        (v.type.shape as (number | string)[]).map((d) => (typeof d === 'number' ? d : batch)),
        lo,
        hi,
      ),
    ]),
  );
}

interface Quantized {
  readonly float: Model;
  readonly model: Model;
  readonly statistics: Readonly<Record<string, number>>;
  readonly log: string[];
}

/** The float pipeline, calibration on `calibration`, then `quantize{…}` with verification after every pass. */
function quantizeForTest(source: Model, calibration: readonly Feeds[], options = '', histograms = false): Quantized {
  const float = runPipeline(source, QUANTIZE_FLOAT_PIPELINE, { verifyEach: true }).model;
  const table = collectCalibration(float, calibration, { histograms });
  const manager = new PassManager([...allPasses.filter((p) => p.name !== 'quantize'), quantizeWith(table)], onnxOps);
  const log: string[] = [];
  const { model, records } = manager.run(float, `quantize${options}`, { verifyEach: true, log: (m) => log.push(m) });
  return { float, model, statistics: records[0]!.statistics, log };
}

function opsOf(model: Model): string[] {
  return model.graph.nodes.map((n) => n.op);
}

function node(model: Model, op: string, index = 0): Node {
  return model.graph.nodes.filter((n) => n.op === op)[index]!;
}

/** Max |quantized − float| over the outputs, relative to the float outputs' largest magnitude, and their cosine. */
function outputError(q: Quantized, feeds: Feeds): { relative: number; cosine: number } {
  const a = runModel(q.float, feeds);
  const b = runModel(q.model, feeds);
  let [maxErr, maxRef, dot, na, nb] = [0, 0, 0, 0, 0];
  a.forEach((o, i) => {
    const x = o.tensor.data as TypedArray;
    const y = b[i]!.tensor.data as TypedArray;
    expect(b[i]!.name).toBe(o.name);
    for (let k = 0; k < x.length; k++) {
      maxErr = Math.max(maxErr, Math.abs(x[k]! - y[k]!));
      maxRef = Math.max(maxRef, Math.abs(x[k]!));
      dot += x[k]! * y[k]!;
      na += x[k]! * x[k]!;
      nb += y[k]! * y[k]!;
    }
  });
  return { relative: maxErr / maxRef, cosine: dot / Math.sqrt(na * nb) };
}

/** A small CNN: Conv → Relu → MaxPool → Flatten → Gemm → Softmax. */
const cnn: TestModel = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 6, 6] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  nodes: [
    { op: 'Conv', name: 'conv', inputs: ['x', 'W1', 'B1'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', name: 'relu', inputs: ['c'], outputs: ['r'] },
    { op: 'MaxPool', name: 'pool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Flatten', name: 'flatten', inputs: ['p'], outputs: ['f'] },
    { op: 'Gemm', name: 'fc', inputs: ['f', 'W2', 'B2'], outputs: ['g'], attrs: { transB: 1 } },
    { op: 'Softmax', name: 'softmax', inputs: ['g'], outputs: ['y'] },
  ],
  initializers: { W1: random([3, 2, 3, 3]), B1: random([3], -0.1, 0.1), W2: random([5, 27]), B2: random([5], -0.1, 0.1) },
};

function expectCode(f: () => unknown, code: string, message?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isPimcError(e) ? e.code : e).toBe(code);
    if (message !== undefined) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a PimcError ${code}`);
}

describe('quantize: a small CNN', () => {
  const model = importModel(buildOnnxModel(cnn));
  const calibration = [feedsOf(model, 32)];

  it('becomes QuantizeLinear, integer layers and DequantizeLinear before the float Softmax', () => {
    const q = quantizeForTest(model, calibration);
    expect(opsOf(q.model)).toEqual([
      'QuantizeLinear',
      'PimQConv',
      'MaxPool',
      'Flatten',
      'PimQGemm',
      'DequantizeLinear',
      'Softmax',
    ]);
    expect(q.statistics).toEqual({
      quantizedLayers: 2,
      floatLayers: 0,
      fusedActivations: 1,
      integerOps: 2,
      floatOps: 1,
      quantizeNodes: 1,
      dequantizeNodes: 1,
      requantizeNodes: 0,
      qdqValues: 0,
      calibratedValues: 3,
    });
    // Check lines, FileCheck style: the IR text the pass owns, values named after their float originals.
    const text = printModel(q.model);
    for (const line of [
      /^ {2}%x_q = QuantizeLinear\(%x, %x_q\/scale, %x_q\/zero_point\) .* : uint8\[N,2,6,6\]/m,
      /^ {2}%r_q = PimQConv\(%x_q, %conv\/W_q, %conv\/B_q\) \{pads=\[1,1,1,1\], strides=\[1,1\], dilations=\[1,1\], group=1, x_zero_point=0, .*activation="relu".* : uint8\[N,3,6,6\] {2}\/\/ conv$/m,
      /^ {2}%p_q = MaxPool\(%r_q\) .* : uint8\[N,3,3,3\] {2}\/\/ pool$/m,
      /^ {2}%f_q = Flatten\(%p_q\) \{axis=1\} : uint8\[N,27\]/m,
      /^ {2}%g_q = PimQGemm\(%f_q, %fc\/W_q, %fc\/B_q\) .*activation="none".* : uint8\[N,5\] {2}\/\/ fc$/m,
      /^ {2}%g = DequantizeLinear\(%g_q, %g_q\/scale, %g_q\/zero_point\) .* : float32\[N,5\]/m,
      /^ {2}%y = Softmax\(%g\) \{axis=-1\} : float32\[N,5\] {2}\/\/ softmax$/m,
    ]) {
      expect(text).toMatch(line);
    }
  });

  it('follows the quantization convention: int8 symmetric per-channel weights, int32 bias, ReLU clamp at the zero point', () => {
    const q = quantizeForTest(model, calibration);
    const conv = node(q.model, 'PimQConv');
    const gemm = node(q.model, 'PimQGemm');
    const w = conv.inputs[1]!.constant!.toNumbers();
    for (let m = 0; m < 3; m++) expect(Math.max(...w.slice(m * 18, (m + 1) * 18).map(Math.abs))).toBe(127);
    const wf = cnn.initializers!['W1']!.toNumbers();
    const scales = conv.attrs['w_scale'] as number[];
    expect(scales[0]).toBe(Math.fround(Math.max(...wf.slice(0, 18).map(Math.abs)) / 127));
    expect(w[5]).toBe(Math.round(wf[5]! / scales[0]!));
    const b = conv.inputs[2]!.constant!;
    expect(b.dtype).toBe('int32');
    expect(b.toNumbers()[1]).toBe(
      Math.round(cnn.initializers!['B1']!.toNumbers()[1]! / ((conv.attrs['x_scale'] as number) * scales[1]!)),
    );
    expect(conv.attrs['y_min']).toBe(conv.attrs['y_zero_point']);
    expect(conv.attrs['y_max']).toBe(255);
    expect(gemm.attrs['x_scale']).toBe(conv.attrs['y_scale']);
    expect(gemm.attrs['x_zero_point']).toBe(conv.attrs['y_zero_point']);
    // Multipliers reproduce s_x·s_w / s_y to 24 bits.
    const mult = conv.attrs['multiplier'] as number[];
    const shift = conv.attrs['shift'] as number[];
    const real = ((conv.attrs['x_scale'] as number) * scales[2]!) / (conv.attrs['y_scale'] as number);
    expect(Math.abs(mult[2]! * 2 ** -shift[2]! - real) / real).toBeLessThan(2 ** -23);
  });

  it('stays within its error budget against the float model, for uint8 and int8 activations', () => {
    // Budget: outputs within 3% of their largest magnitude, cosine ≥ 0.999 (a few 8-bit steps of the
    // last layer), on inputs the calibration never saw.
    const fresh = feedsOf(model, 64);
    for (const options of ['', '{activations=int8}', '{calibration=percentile,percentile=99.9}', '{weights=per-tensor}']) {
      const q = quantizeForTest(model, calibration, options, options.includes('percentile'));
      const { relative, cosine } = outputError(q, fresh);
      expect(relative, options).toBeLessThan(0.03);
      expect(cosine, options).toBeGreaterThan(0.999);
      if (options.includes('int8')) {
        for (const v of q.model.graph.nodes.flatMap((n) => n.outputs)) expect(v.type.dtype).not.toBe('uint8');
      }
    }
  });

  it('narrows ranges with percentile calibration', () => {
    const minmax = quantizeForTest(model, calibration);
    const percentile = quantizeForTest(model, calibration, '{calibration=percentile,percentile=99}', true);
    const scale = (q: Quantized) => node(q.model, 'PimQConv').attrs['y_scale'] as number;
    expect(scale(percentile)).toBeLessThan(scale(minmax));
  });

  it('is deterministic', () => {
    expect(printModel(quantizeForTest(model, calibration).model)).toBe(printModel(quantizeForTest(model, calibration).model));
  });
});

describe('quantize: residual adds and concatenation', () => {
  const model = importModel(
    buildOnnxModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { op: 'Conv', name: 'conv1', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Conv', name: 'conv2', inputs: ['x', 'W2'], outputs: ['c2'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', name: 'relu2', inputs: ['c2'], outputs: ['r2'] },
        { op: 'Add', name: 'add', inputs: ['c1', 'r2'], outputs: ['s'] },
        { op: 'Relu', name: 'relu', inputs: ['s'], outputs: ['r'] },
        { op: 'Concat', name: 'concat', inputs: ['r', 'c1'], outputs: ['y'], attrs: { axis: 1 } },
      ],
      initializers: { W1: random([3, 2, 3, 3]), B1: random([3]), W2: random([3, 2, 3, 3]) },
    }),
  );
  const calibration = [feedsOf(model, 32, -1, 1)];

  it('adds with PimQAdd (fused ReLU) and rescales Concat inputs to the result scale', () => {
    const q = quantizeForTest(model, calibration);
    expect(opsOf(q.model)).toEqual([
      'QuantizeLinear',
      'PimQConv',
      'PimQConv',
      'PimQAdd',
      'PimRequantize',
      'PimRequantize',
      'Concat',
      'DequantizeLinear',
    ]);
    expect(q.statistics).toMatchObject({
      quantizedLayers: 3,
      fusedActivations: 2,
      requantizeNodes: 2,
      integerOps: 1,
      floatLayers: 0,
    });
    const add = node(q.model, 'PimQAdd');
    expect(add.attrs['activation']).toBe('relu');
    expect(add.attrs['y_min']).toBe(add.attrs['y_zero_point']);
    const concat = node(q.model, 'Concat');
    for (const v of concat.inputs) expect(v!.name).toMatch(/\/requantized$/);
    const { relative, cosine } = outputError(q, feedsOf(model, 16, -1, 1));
    expect(relative).toBeLessThan(0.03);
    expect(cosine).toBeGreaterThan(0.999);
  });
});

describe('quantize: what stays in float', () => {
  it('leaves a Conv with computed weights and an Add of a non-per-channel constant in float, between DequantizeLinear and QuantizeLinear', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [
          { name: 'x', dtype: 'float32', shape: [2, 2, 4, 4] },
          { name: 'w', dtype: 'float32', shape: [2, 2, 1, 1] },
        ],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [
          { op: 'Conv', name: 'conv0', inputs: ['x', 'W0'], outputs: ['c0'] },
          { op: 'Conv', name: 'conv1', inputs: ['c0', 'w'], outputs: ['c1'] },
          { op: 'Relu', name: 'relu1', inputs: ['c1'], outputs: ['r1'] },
          { op: 'Conv', name: 'conv2', inputs: ['r1', 'W2'], outputs: ['c2'] },
          { op: 'Add', name: 'bias', inputs: ['c2', 'K'], outputs: ['y'] },
        ],
        // K varies along W: neither fold-affine nor the per-channel affine rule takes it.
        initializers: { W0: random([2, 2, 1, 1]), W2: random([3, 2, 1, 1]), K: random([3, 1, 4]) },
      }),
    );
    const q = quantizeForTest(model, [feedsOf(model, 1)]);
    expect(opsOf(q.model)).toEqual([
      'QuantizeLinear',
      'PimQConv',
      'DequantizeLinear',
      'Conv',
      'PimFusedActivation',
      'QuantizeLinear',
      'PimQConv',
      'DequantizeLinear',
      'Add',
    ]);
    expect(q.statistics).toMatchObject({ quantizedLayers: 2, floatLayers: 2, floatOps: 1, quantizeNodes: 2, dequantizeNodes: 2 });
    expect(q.log).toEqual([
      "quantize: Conv 'conv1' stays in float: its weights are not a float32 constant",
      "quantize: Add 'bias' stays in float: its constant operand is not per channel",
    ]);
    const { relative } = outputError(q, feedsOf(q.float, 1));
    expect(relative).toBeLessThan(0.05);
  });

  it('returns the model unchanged when nothing can be quantized', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }],
      }),
    );
    const float = runPipeline(model, QUANTIZE_FLOAT_PIPELINE).model;
    const manager = new PassManager([quantizeWith(collectCalibration(float, [feedsOf(float, 1)]))], onnxOps);
    const { model: after, records } = manager.run(float, 'quantize');
    expect(after).toBe(float);
    expect(records[0]!.statistics).toMatchObject({ floatOps: 1, quantizedLayers: 0 });
  });
});

describe('quantize: QDQ models keep their own scales', () => {
  const sx = 2 ** -7;
  const sy = Math.fround(0.05);
  const ws = [Math.fround(0.004), Math.fround(0.01)];
  const wq = Tensor.from(
    'int8',
    [2, 2, 3, 3],
    Array.from({ length: 36 }, (_, i) => (i % 18 === 0 ? 127 : i % 18 === 1 ? -127 : rng.int(-127, 127))),
  );
  const bq = Tensor.from('int32', [2], [300, -4000]);
  const qdq: TestModel = {
    opset: 21,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'sx', 'zx'], outputs: ['xq'] },
      { op: 'DequantizeLinear', inputs: ['xq', 'sx', 'zx'], outputs: ['xd'] },
      { op: 'DequantizeLinear', inputs: ['wq', 'ws', 'zw'], outputs: ['wd'], attrs: { axis: 0 } },
      { op: 'DequantizeLinear', inputs: ['bq', 'bs'], outputs: ['bd'], attrs: { axis: 0 } },
      { op: 'Conv', name: 'conv', inputs: ['xd', 'wd', 'bd'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'QuantizeLinear', inputs: ['r', 'sy', 'zy'], outputs: ['rq'] },
      { op: 'DequantizeLinear', inputs: ['rq', 'sy', 'zy'], outputs: ['y'] },
    ],
    initializers: {
      sx: Tensor.scalar('float32', sx),
      zx: Tensor.scalar('uint8', 10),
      wq,
      ws: Tensor.from('float32', [2], ws),
      zw: Tensor.from('int8', [2], [0, 0]),
      bq,
      bs: Tensor.from(
        'float32',
        [2],
        ws.map((s) => Math.fround(sx * s)),
      ),
      sy: Tensor.scalar('float32', sy),
      zy: Tensor.scalar('uint8', 0),
    },
  };
  const model = importModel(buildOnnxModel(qdq));

  it.each([
    ['without calibration, weights still DequantizeLinear nodes', 'fuse-activations,quantize'],
    ['after the float pipeline folded the weights', `${QUANTIZE_FLOAT_PIPELINE},quantize`],
  ])('reads scales, zero points and int8 weights %s', (_what, pipeline) => {
    const { model: q, records } = runPipeline(model, pipeline, { verifyEach: true });
    expect(opsOf(q)).toEqual(['QuantizeLinear', 'PimQConv', 'DequantizeLinear']);
    expect(records.at(-1)!.statistics).toMatchObject({
      qdqValues: 2,
      calibratedValues: 0,
      quantizedLayers: 1,
      fusedActivations: 1,
    });
    const conv = node(q, 'PimQConv');
    expect(conv.attrs).toMatchObject({
      x_zero_point: 10,
      x_scale: sx,
      y_scale: sy,
      y_zero_point: 0,
      y_min: 0,
      activation: 'relu',
    });
    expect(conv.attrs['w_scale']).toEqual(ws);
    expect(conv.inputs[1]!.constant!.toNumbers()).toEqual(wq.toNumbers());
    expect(conv.inputs[2]!.constant!.toNumbers()).toEqual(bq.toNumbers());
    expect(q.graph.outputs.map((v) => v.name)).toEqual(['y']);
    // Against the QDQ model run as float ops: the same integers up to the rounding rule (half up vs
    // half to even, and float32 products), so at most one step of y apart.
    const feeds = feedsOf(model, 8, -0.05, 0.5);
    const expected = runModel(model, feeds)[0]!.tensor.toNumbers();
    const actual = runModel(q, feeds)[0]!.tensor.toNumbers();
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThanOrEqual(sy * 1.0001);
  });
});

describe('quantize: diagnostics', () => {
  const model = importModel(buildOnnxModel(cnn));
  const float = runPipeline(model, QUANTIZE_FLOAT_PIPELINE).model;
  const table = collectCalibration(float, [feedsOf(float, 2)]);
  const withTable = new PassManager([quantizeWith(table)], onnxOps);

  it('refuses a float model without calibration statistics', () => {
    expectCode(() => runPipeline(float, 'quantize'), 'pass', /no calibration statistics/);
  });

  it('names bad option values', () => {
    expectCode(() => withTable.run(float, 'quantize{activations=uint7}'), 'pipeline', /'uint7' is not one of uint8, int8/);
    expectCode(() => withTable.run(float, 'quantize{calibration=entropy}'), 'pipeline', /minmax, percentile/);
    expectCode(() => withTable.run(float, 'quantize{percentile=20}'), 'pipeline', /not in \(50, 100\]/);
    expectCode(() => withTable.run(float, 'quantize{weights=per-row}'), 'pipeline', /per-channel, per-tensor/);
  });

  it('asks for histograms when percentile calibration gets min/max only', () => {
    expectCode(() => withTable.run(float, 'quantize{calibration=percentile}'), 'invalid-input', /needs a histogram of 'x'/);
  });
});

describe('quantize: real architectures', () => {
  it.each(readdirSync(LIGHT_MODELS_DIR).filter((f) => f.endsWith('.onnx')))(
    '%s quantizes with verification after every pass, deterministically, and runs',
    (file) => {
      const model = loadModel(join(LIGHT_MODELS_DIR, file));
      const calibration = randomUniformFeeds(model, { samples: 1 });
      const first = quantizeForTest(model, calibration);
      const second = quantizeForTest(model, calibration);
      expect(printModel(second.model)).toBe(printModel(first.model));
      expect(first.statistics['quantizedLayers']).toBeGreaterThan(0);
      const outputs = runModel(first.model, calibration[0]!);
      expect(outputs.map((o) => o.name)).toEqual(model.graph.outputs.map((v) => v.name));
    },
  );
});
