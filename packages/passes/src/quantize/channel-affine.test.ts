import { describe, expect, it } from 'vitest';
import { collectCalibration, importModel, QUANTIZE_FLOAT_PIPELINE, runModel, runPipeline, type Feeds } from '@pimc/driver';
import { onnxOps, PassManager, Tensor, type Model, type TypedArray } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, type TestNode } from '@pimc/testing';
import { quantizeWith } from '../quantize.js';
import { allPasses } from '../register-all.js';

const rng = new Rng(23);
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

/** Calibration and evaluation inputs alike, so the error measured is quantization's, not range clipping's. */
const inputs: Feeds = new Map([['x', random([16, 2, 6, 6], 0, 1)]]);

/** x → Conv → MaxPool → `middle` (reading `p`, writing `m`) → Conv → y, quantized with verification. */
function quantized(
  middle: readonly TestNode[],
  extra: Record<string, Tensor> = {},
): { float: Model; model: Model; log: string[] } {
  const model = importModel(
    buildOnnxModel({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 6, 6] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { op: 'Conv', name: 'conv1', inputs: ['x', 'W1'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'MaxPool', name: 'pool', inputs: ['c'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        ...middle,
        { op: 'Conv', name: 'conv2', inputs: ['m', 'W2'], outputs: ['y'] },
      ],
      initializers: { W1: random([4, 2, 3, 3]), W2: random([3, 4, 1, 1]), ...extra },
    }),
  );
  const float = runPipeline(model, QUANTIZE_FLOAT_PIPELINE, { verifyEach: true }).model;
  const table = collectCalibration(float, [inputs]);
  const manager = new PassManager([...allPasses.filter((p) => p.name !== 'quantize'), quantizeWith(table)], onnxOps);
  const log: string[] = [];
  const result = manager.run(float, 'quantize', { verifyEach: true, log: (m) => log.push(m) });
  return { float, model: result.model, log };
}

/** Largest |quantized − float| relative to the float output's largest magnitude. */
function relativeError(float: Model, model: Model): number {
  const a = runModel(float, inputs)[0]!.tensor.data as TypedArray;
  const b = runModel(model, inputs)[0]!.tensor.data as TypedArray;
  let [err, ref] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(a[i]!));
  }
  return err / ref;
}

describe('quantize: per-channel affine maps', () => {
  it('turns a BatchNormalization that stayed (after a pooling) and its Relu into a depthwise 1×1 PimQConv', () => {
    const q = quantized(
      [
        { op: 'BatchNormalization', name: 'bn', inputs: ['p', 's', 'b', 'mu', 'v'], outputs: ['n'] },
        { op: 'Relu', inputs: ['n'], outputs: ['m'] },
      ],
      { s: random([4], 0.5, 1.5), b: random([4]), mu: random([4]), v: random([4], 0.5, 1.5) },
    );
    expect(q.model.graph.nodes.map((n) => n.op)).toEqual([
      'QuantizeLinear',
      'PimQConv',
      'MaxPool',
      'PimQConv',
      'PimQConv',
      'DequantizeLinear',
    ]);
    const bn = q.model.graph.nodes.find((n) => n.name === 'bn')!;
    expect(bn.attrs['group']).toBe(4);
    expect(bn.attrs['activation']).toBe('relu');
    expect(bn.inputs[1]!.constant!.shape).toEqual([4, 1, 1, 1]);
    // One weight per channel, quantized per channel: ±127 (the scales are positive here).
    expect(bn.inputs[1]!.constant!.toNumbers()).toEqual([127, 127, 127, 127]);
    expect(q.log).toEqual([]);
    expect(relativeError(q.float, q.model)).toBeLessThan(0.03);
  });

  it('turns Mul and Add by per-channel constants into depthwise 1×1 PimQConvs', () => {
    const q = quantized(
      [
        { op: 'Mul', name: 'scale', inputs: ['S', 'p'], outputs: ['s'] },
        { op: 'Relu', inputs: ['s'], outputs: ['r'] }, // keeps fold-affine from merging the two
        { op: 'Add', name: 'shift', inputs: ['r', 'T'], outputs: ['m'] },
      ],
      { S: Tensor.from('float32', [4, 1, 1], [0.5, -1, 2, 0]), T: random([1, 4, 1, 1]) },
    );
    const scale = q.model.graph.nodes.find((n) => n.name === 'scale')!;
    const shift = q.model.graph.nodes.find((n) => n.name === 'shift')!;
    expect([scale.op, shift.op]).toEqual(['PimQConv', 'PimQConv']);
    // A zero scale is a channel of zeros; a negative one a negative weight.
    expect(scale.inputs[1]!.constant!.toNumbers()).toEqual([127, -127, 127, 0]);
    expect(shift.inputs[1]!.constant!.toNumbers()).toEqual([127, 127, 127, 127]);
    expect(relativeError(q.float, q.model)).toBeLessThan(0.03);
  });

  it('leaves a Mul of two tensors in float', () => {
    const q = quantized([{ op: 'Mul', name: 'square', inputs: ['p', 'p'], outputs: ['m'] }]);
    expect(q.model.graph.nodes.map((n) => n.op)).toContain('Mul');
    expect(q.log).toEqual([]);
  });
});

describe('quantize: a max pool after a float op', () => {
  it('quantizes the float operand (LRN stays float between DequantizeLinear and QuantizeLinear)', () => {
    const q = quantized([
      { op: 'LRN', inputs: ['p'], outputs: ['l'], attrs: { size: 3 } },
      { op: 'MaxPool', name: 'pool2', inputs: ['l'], outputs: ['m'], attrs: { kernel_shape: [1, 1] } },
    ]);
    expect(q.model.graph.nodes.map((n) => n.op)).toEqual([
      'QuantizeLinear',
      'PimQConv',
      'MaxPool',
      'DequantizeLinear',
      'LRN',
      'QuantizeLinear',
      'MaxPool',
      'PimQConv',
      'DequantizeLinear',
    ]);
    expect(q.model.graph.nodes.find((n) => n.name === 'pool2')!.inputs[0]!.type.dtype).toBe('uint8');
    expect(relativeError(q.float, q.model)).toBeLessThan(0.03);
  });
});
