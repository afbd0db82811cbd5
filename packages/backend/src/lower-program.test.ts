import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { GraphBuilder, onnxOps, Tensor, Value, type Model } from '@pimc/ir';
import type { DigitalOp } from '@pimc/isa';
import { costReport } from '@pimc/sim';
import { isPimcError, Rng } from '@pimc/support';
import { lowerModel, lowerToProgram } from './lower-program.js';
import { compareCodes, runBoth } from './sim-bridge.testing.js';

const rng = new Rng(31);

function weights(shape: number[]): Value {
  const n = shape.reduce((a, b) => a * b, 1);
  return Value.ofConstant(
    `W${rng.int(0, 1e9)}`,
    new Tensor(
      'int8',
      shape,
      Int8Array.from({ length: n }, () => rng.int(-90, 90)),
    ),
  );
}

function requant(channels: number, zp: number, shift: number) {
  return {
    multiplier: Array.from({ length: channels }, () => rng.int(2 ** 23, 2 ** 24 - 1)),
    shift: [shift],
    y_dtype: 'uint8',
    y_zero_point: zp,
    y_min: 0,
    y_max: 255,
    activation: 'none',
    y_scale: 0.1,
    x_scale: 0.1,
    w_scale: [0.01],
  };
}

/**
 * Every op kind the backend lowers, in one graph: QuantizeLinear → PimQConv → MaxPool → PimQConv →
 * PimQAdd and PimRequantize → Concat → Clip → PimQAvgPool (padded) → Transpose → global
 * PimQAvgPool → Flatten → PimQGemm → DequantizeLinear → Softmax.
 */
function everyOp(): Model {
  const b = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: 'float32', shape: ['N', 2, 6, 6] });
  const scalar = (name: string, dtype: 'float32' | 'uint8', v: number) => Value.ofConstant(name, Tensor.from(dtype, [], [v]));
  const q = b.add1('QuantizeLinear', [x, scalar('xs', 'float32', 0.02), scalar('xz', 'uint8', 10)], { name: 'quant' });
  const conv = { pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1], group: 1 };
  const c1 = b.add1('PimQConv', [q, weights([4, 2, 3, 3])], {
    name: 'conv1',
    attrs: { ...conv, x_zero_point: 10, ...requant(4, 5, 33) },
  });
  const mp = b.add1('MaxPool', [c1], { name: 'pool', attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
  const c2 = b.add1('PimQConv', [mp, weights([4, 4, 1, 1])], {
    name: 'conv2',
    attrs: { ...conv, pads: [0, 0, 0, 0], x_zero_point: 5, ...requant(4, 7, 31) },
  });
  const add = b.add1('PimQAdd', [mp, c2], {
    name: 'add',
    attrs: {
      a_zero_point: 5,
      b_zero_point: 7,
      a_multiplier: 9000000,
      b_multiplier: 12000000,
      shift: 24,
      y_dtype: 'uint8',
      y_zero_point: 3,
      y_min: 3,
      y_max: 255,
      activation: 'relu',
      y_scale: 1,
      a_scale: 1,
      b_scale: 1,
    },
  });
  const rq = b.add1('PimRequantize', [c2], {
    name: 'requant',
    attrs: { x_zero_point: 7, multiplier: 10000000, shift: 23, y_dtype: 'uint8', y_zero_point: 3, x_scale: 1, y_scale: 1 },
  });
  const cat = b.add1('Concat', [add, rq], { name: 'cat', attrs: { axis: 1 } });
  const clip = b.add1('Clip', [cat, scalar('lo', 'uint8', 20), scalar('hi', 'uint8', 200)], { name: 'clip' });
  const ap = b.add1('PimQAvgPool', [clip], {
    name: 'avg',
    attrs: { kernel_shape: [2, 2], strides: [1, 1], pads: [1, 1, 0, 0], zero_point: 3, scale: 1 },
  });
  const tr = b.add1('Transpose', [ap], { name: 'tr', attrs: { perm: [0, 1, 3, 2] } });
  const gap = b.add1('PimQAvgPool', [tr], { name: 'gap', attrs: { zero_point: 3, scale: 1 } });
  const fl = b.add1('Flatten', [gap], { name: 'flat' });
  const fc = b.add1('PimQGemm', [fl, weights([5, 8])], { name: 'fc', attrs: { x_zero_point: 3, ...requant(5, 128, 32) } });
  const dq = b.add1('DequantizeLinear', [fc, scalar('ys', 'float32', 0.25), scalar('yz', 'uint8', 128)], { name: 'dequant' });
  const sm = b.add1('Softmax', [dq], { name: 'softmax', attrs: { axis: 1 } });
  return {
    graph: { name: 'every-op', inputs: [x], outputs: [fc, sm], nodes: b.nodes },
    opsets: new Map([['', 25]]),
    producer: 't',
    source: 'every-op',
  };
}

describe('lowerToProgram: every lowered op kind, end to end against the executor', () => {
  const model = everyOp();
  const x = new Tensor(
    'float32',
    [3, 2, 6, 6],
    Float32Array.from({ length: 216 }, () => rng.uniform(-0.2, 5)),
  );

  it('lowers to the expected instruction sequence', () => {
    const lowered = lowerModel(model, getPreset('isaac'));
    expect(lowered.instructions.map((i) => (i.op === 'digital' ? i.kind : i.op))).toEqual([
      'quantize',
      'crossbar-mvm',
      'maxpool',
      'crossbar-mvm',
      'add',
      'requantize',
      'concat',
      'clamp',
      'avgpool',
      'transpose',
      'avgpool',
      'reshape',
      'crossbar-mvm',
      'dequantize',
      'softmax',
    ]);
    const avg = lowered.instructions.find((i) => i.name === 'gap') as DigitalOp;
    expect(avg.attrs).toEqual({
      kernel: [3, 3],
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      zeroPoint: 3,
      countIncludePad: 0,
    });
    const q = lowered.tensors.find((t) => t.name === 'quant')!;
    expect(q).toMatchObject({ type: 'u8', shape: [1, 2, 6, 6], scale: Math.fround(0.02), zeroPoint: 10 });
  });

  it('gives the executor’s integer result exactly and its softmax to float precision (batch 3 on a batch-1 program)', () => {
    const { expected, run, program } = runBoth(model, new Map([['x', x]]), getPreset('isaac'));
    expect(run.crossbar.saturated).toBe(0);
    const fc = compareCodes(expected.get('fc')!, run.outputs.get('fc')!);
    expect(fc.mismatches).toBe(0);
    const want = expected.get('softmax')!.data as Float32Array;
    const got = run.outputs.get('softmax')!.data as Float32Array;
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    // The output tensors vary: the comparison is not vacuous.
    expect(new Set(Array.from(run.outputs.get('fc')!.data)).size).toBeGreaterThan(5);
    const report = costReport(program, run);
    expect(report.perInstruction).toHaveLength(15);
    expect(report.energyPJ.total).toBeGreaterThan(0);
  });
});

describe('lowering errors name the node', () => {
  it('a float op with no digital-unit form', () => {
    const b = new GraphBuilder(onnxOps);
    const x = new Value('x', { dtype: 'float32', shape: [1, 4] });
    const y = b.add1('Sigmoid', [x], { name: 'sig' });
    const model = {
      graph: { name: 'g', inputs: [x], outputs: [y], nodes: b.nodes },
      opsets: new Map([['', 25]]),
      producer: 't',
      source: 's',
    };
    try {
      lowerToProgram(model, getPreset('isaac'));
    } catch (e) {
      expect(isPimcError(e, 'unsupported-op')).toBe(true);
      expect((e as Error).message).toMatch(/node 'sig' \(Sigmoid\): Sigmoid has no crossbar or digital-unit form/);
      return;
    }
    throw new Error('expected an error');
  });

  it('a symbolic dimension other than the batch', () => {
    const b = new GraphBuilder(onnxOps);
    const x = new Value('x', { dtype: 'uint8', shape: ['N', 'K'] });
    const y = b.add1('Flatten', [x], { name: 'f' });
    const model = {
      graph: { name: 'g', inputs: [x], outputs: [y], nodes: b.nodes },
      opsets: new Map([['', 25]]),
      producer: 't',
      source: 's',
    };
    expect(() => lowerToProgram(model, getPreset('isaac'))).toThrow(/symbolic dimension 'K' on axis 1/);
  });
});
