import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { GraphBuilder, onnxOps, Tensor, Value, type Model } from '@pimc/ir';
import { decodePimb, encodePimb, type DigitalOp } from '@pimc/isa';
import { Rng } from '@pimc/support';
import { lowerModel, lowerToProgram } from './lower-program.js';
import { compareCodes, runBoth } from './sim-bridge.testing.js';

const rng = new Rng(77);
const isaac = getPreset('isaac');

function modelOf(b: GraphBuilder, x: Value, outputs: Value[]): Model {
  return { graph: { name: 'g', inputs: [x], outputs, nodes: b.nodes }, opsets: new Map([['', 25]]), producer: 't', source: 's' };
}

const scalar = (name: string, dtype: 'float32' | 'uint8', v: number) => Value.ofConstant(name, Tensor.from(dtype, [], [v]));

/** x (float) → QuantizeLinear → depthwise 1×1 PimQConv (4 channels, `strides`) with a ReLU clamp → y (u8). */
function channelwise(strides: number[]): Model {
  const b = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: 'float32', shape: ['N', 4, 5, 5] });
  const q = b.add1('QuantizeLinear', [x, scalar('s', 'float32', 0.05), scalar('z', 'uint8', 100)], { name: 'quant' });
  const w = Value.ofConstant('W', new Tensor('int8', [4, 1, 1, 1], Int8Array.from([127, -127, 64, 0])));
  const bias = Value.ofConstant('B', new Tensor('int32', [4], Int32Array.from([300, -2000, 0, 7])));
  const y = b.add1('PimQConv', [q, w, bias], {
    name: 'bn',
    attrs: {
      pads: [0, 0, 0, 0],
      strides,
      dilations: [1, 1],
      group: 4,
      x_zero_point: 100,
      multiplier: [12000000, 9000000, 16000000, 8388608],
      shift: [29, 28, 30, 24],
      y_dtype: 'uint8',
      y_zero_point: 20,
      y_min: 20,
      y_max: 255,
      activation: 'relu',
      y_scale: 0.1,
      x_scale: 0.05,
      w_scale: [0.01, 0.01, 0.01, 0.01],
    },
  });
  return modelOf(b, x, [y]);
}

const input = (shape: number[]) =>
  new Tensor(
    'float32',
    shape,
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-6, 8)),
  );

describe('a channel-wise PimQConv runs on the digital units', () => {
  it('lowers to one `affine` op and no crossbar, with per-channel attributes', () => {
    const lowered = lowerModel(channelwise([1, 1]), isaac);
    expect(lowered.crossbars).toHaveLength(0);
    expect(lowered.instructions.map((i) => (i.op === 'digital' ? i.kind : i.op))).toEqual(['quantize', 'affine']);
    expect((lowered.instructions[1] as DigitalOp).attrs).toEqual({
      inZeroPoint: 100,
      weight: [127, -127, 64, 0],
      bias: [300, -2000, 0, 7],
      multiplier: [12000000, 9000000, 16000000, 8388608],
      shift: [29, 28, 30, 24],
      outZeroPoint: 20,
      min: 20,
      max: 255,
    });
  });

  it('equals the executor bit for bit (batch 3 on a batch-1 program)', () => {
    const model = channelwise([1, 1]);
    const { expected, run } = runBoth(model, new Map([['x', input([3, 4, 5, 5])]]), isaac);
    const y = expected.get('bn')!;
    expect(compareCodes(y, run.outputs.get('bn')!).mismatches).toBe(0);
    expect(new Set(Array.from(y.data as Uint8Array)).size).toBeGreaterThan(10);
  });

  it('survives the .pimb round trip', () => {
    const program = lowerToProgram(channelwise([1, 1]), isaac);
    expect(decodePimb(encodePimb(program))).toStrictEqual(program);
  });

  it('a strided depthwise 1×1 convolution stays a crossbar layer', () => {
    const lowered = lowerModel(channelwise([2, 2]), isaac);
    expect(lowered.instructions.map((i) => i.op)).toEqual(['digital', 'crossbar-mvm']);
    expect(lowered.crossbars).toHaveLength(4);
  });
});

describe('LRN runs in float on the digital units', () => {
  it('lowers DequantizeLinear → LRN → QuantizeLinear and equals the executor bit for bit', () => {
    const b = new GraphBuilder(onnxOps);
    const x = new Value('x', { dtype: 'float32', shape: ['N', 6, 3, 3] });
    const q = b.add1('QuantizeLinear', [x, scalar('s', 'float32', 0.05), scalar('z', 'uint8', 100)], { name: 'quant' });
    const dq = b.add1('DequantizeLinear', [q, scalar('s2', 'float32', 0.05), scalar('z2', 'uint8', 100)], { name: 'dequant' });
    const lrn = b.add1('LRN', [dq], { name: 'lrn', attrs: { size: 5, alpha: 0.01, beta: 0.75, bias: 1 } });
    const y = b.add1('QuantizeLinear', [lrn, scalar('s3', 'float32', 0.03), scalar('z3', 'uint8', 128)], { name: 'requant' });
    const model = modelOf(b, x, [lrn, y]);
    const lowered = lowerModel(model, isaac);
    const op = lowered.instructions.find((i) => i.name === 'lrn') as DigitalOp;
    expect(op.kind).toBe('lrn');
    expect(op.attrs).toEqual({ size: 5, alpha: 0.01, beta: 0.75, bias: 1 });
    const { expected, run } = runBoth(model, new Map([['x', input([2, 6, 3, 3])]]), isaac);
    expect(Array.from(run.outputs.get('lrn')!.data)).toEqual(Array.from(expected.get('lrn')!.data as Float32Array));
    expect(compareCodes(expected.get('requant')!, run.outputs.get('requant')!).mismatches).toBe(0);
    const program = lowerToProgram(model, isaac);
    expect(decodePimb(encodePimb(program))).toStrictEqual(program);
  });
});
