import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { importModel } from '@pimc/frontend-onnx';
import { Tensor, type DType } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, type TestAttr } from '@pimc/testing';
import { runGraph } from '../run.js';

/**
 * Bit-exact cross-checks of the quantized kernels against onnxruntime on random configurations,
 * every operand a graph input. Requantization in particular must agree element for element: it is
 * done in float32 as onnxruntime does, which differs from a float64 computation near ties.
 */
async function agreeWithOnnxruntime(
  op: string,
  opset: number,
  operands: readonly (readonly [string, Tensor | undefined])[],
  attrs: Readonly<Record<string, TestAttr>>,
  outDtype: DType,
): Promise<number> {
  const present = operands.filter((e): e is readonly [string, Tensor] => e[1] !== undefined);
  const bytes = buildOnnxModel({
    opset,
    inputs: present.map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] })),
    outputs: [{ name: 'y', dtype: outDtype }],
    nodes: [{ op, inputs: operands.map(([name, t]) => (t === undefined ? '' : name)), outputs: ['y'], attrs }],
  });
  const session = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(
    present.map(([name, t]) => [name, new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, [...t.shape])]),
  );
  const expected = (await session.run(feeds)).y!;
  await session.release();
  const actual = runGraph(importModel(bytes).graph, new Map(present.map(([n, t]) => [n, t]))).outputs.get('y')!;
  const context = `${op} ${JSON.stringify(attrs)} on ${present.map(([n, t]) => `${n}:${t.dtype}[${t.shape.join(',')}]`).join(' ')}`;
  expect(actual.shape, context).toEqual(expected.dims.map(Number));
  expect(actual.dtype, context).toBe(outDtype);
  const want = Array.from(expected.data as ArrayLike<number>);
  const got = actual.toNumbers();
  const bad = got.findIndex((v, i) => v !== want[i]);
  if (bad >= 0) throw new Error(`${context}: element ${bad} is ${got[bad]}, onnxruntime says ${want[bad]}`);
  return got.length;
}

const rng = new Rng(2024);
const RANGE: Readonly<Record<string, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};
function ints(dtype: DType, shape: readonly number[], lo = RANGE[dtype]![0], hi = RANGE[dtype]![1]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.from(
    dtype,
    shape,
    Array.from({ length: n }, () => rng.int(lo, hi)),
  );
}
const floats = (shape: readonly number[], values: readonly number[]) => Tensor.from('float32', shape, values);
/** A zero point: random for uint8, 0 for int8 weights (onnxruntime requires symmetric int8 weights). */
const zeroPoint = (dtype: DType, shape: readonly number[], symmetric = false) =>
  symmetric && dtype === 'int8'
    ? Tensor.zeros('int8', shape)
    : ints(dtype, shape, dtype === 'int8' ? -20 : 100, dtype === 'int8' ? 20 : 150);

describe('quantized kernels agree with onnxruntime', () => {
  it('QuantizeLinear: ties, saturation, NaN and infinities, per tensor and per axis', async () => {
    for (const dtype of ['uint8', 'int8', 'uint16', 'int16'] as const) {
      for (const perAxis of [false, true]) {
        const scales = perAxis ? [0.5, 0.37, 2] : [0.125];
        const span = dtype.endsWith('16') ? 40000 : 300;
        const x = Array.from({ length: 24 }, (_, i) => {
          const s = scales[perAxis ? Math.floor(i / 4) % 3 : 0]!;
          // Even elements are exact ties (k + 0.5) * scale; odd ones are random.
          return i % 2 === 0 ? (rng.int(-span, span) + 0.5) * s : rng.uniform(-span, span) * s;
        });
        x.splice(1, 3, NaN, Infinity, -Infinity);
        const shape = perAxis ? [3] : [];
        await agreeWithOnnxruntime(
          'QuantizeLinear',
          21,
          [
            ['x', floats([2, 3, 4], x)],
            ['s', floats(shape, scales)],
            ['z', zeroPoint(dtype, shape)],
          ],
          perAxis ? { axis: -2 } : {},
          dtype,
        );
      }
    }
    await agreeWithOnnxruntime(
      'QuantizeLinear',
      21,
      [
        ['x', floats([2, 5], [1, 2, 3, 4, 5, 10, 20, 30, 40, 50])],
        ['s', floats([2, 3], [1, 2, 4, 10, 20, 40])],
        ['z', Tensor.from('int8', [2, 3], [0, 1, 2, 3, 4, 5])],
      ],
      { axis: 1, block_size: 2 },
      'int8',
    );
  });

  it('DequantizeLinear per axis, int32 without zero point', async () => {
    for (const dtype of ['uint8', 'int8', 'uint16', 'int16', 'int32'] as const) {
      const x = dtype === 'int32' ? ints('int32', [2, 3, 4], -(2 ** 30), 2 ** 30) : ints(dtype, [2, 3, 4]);
      const z = dtype === 'int32' ? undefined : ints(dtype, [3]);
      await agreeWithOnnxruntime(
        'DequantizeLinear',
        21,
        [
          ['x', x],
          ['s', floats([3], [0.1, 0.37, 3])],
          ['z', z],
        ],
        { axis: 1 },
        'float32',
      );
    }
  });

  it('QLinearConv: groups, strides, dilations, padding, per-channel weights, bias', async () => {
    for (let trial = 0; trial < 30; trial++) {
      const xType = rng.int(0, 1) === 0 ? 'uint8' : 'int8';
      const wType = xType === 'int8' || rng.int(0, 1) === 0 ? 'int8' : 'uint8';
      const group = rng.int(1, 2);
      const perGroup = rng.int(1, 3);
      const m = group * rng.int(1, 3);
      const [kh, kw] = [rng.int(1, 3), rng.int(1, 3)];
      const attrs: Record<string, TestAttr> = { group, strides: [rng.int(1, 2), rng.int(1, 2)] };
      if (rng.int(0, 2) === 0) attrs.auto_pad = rng.int(0, 1) === 0 ? 'SAME_UPPER' : 'SAME_LOWER';
      else {
        Object.assign(attrs, {
          pads: [rng.int(0, 1), rng.int(0, 1), rng.int(0, 1), rng.int(0, 1)],
          dilations: [rng.int(1, 2), 1],
        });
      }
      const x = ints(xType, [rng.int(1, 2), perGroup * group, rng.int(2 * kh, 8), rng.int(kw, 8)]);
      const channelShape = rng.int(0, 1) === 0 ? [m] : [1];
      const xScale = rng.uniform(0.002, 0.05);
      const wScales = Array.from({ length: channelShape[0]! }, () => rng.uniform(0.001, 0.02));
      // An output scale that spreads results over the whole range (and past it, to saturate).
      const yScale = (xScale * wScales[0]! * 128 * 128 * Math.sqrt(perGroup * kh * kw)) / 100;
      await agreeWithOnnxruntime(
        'QLinearConv',
        10,
        [
          ['x', x],
          ['xs', floats([], [xScale])],
          ['xz', zeroPoint(xType, [])],
          ['w', ints(wType, [m, perGroup, kh, kw])],
          ['ws', floats(channelShape, wScales)],
          ['wz', zeroPoint(wType, channelShape, true)],
          ['ys', floats([], [yScale])],
          ['yz', zeroPoint(xType, [])],
          ['B', rng.int(0, 1) === 0 ? ints('int32', [m], -5000, 5000) : undefined],
        ],
        attrs,
        xType,
      );
    }
  });

  it('QLinearMatMul: 2-D and batched, per-column b scales', async () => {
    let checked = 0;
    for (let trial = 0; trial < 30; trial++) {
      const aType = rng.int(0, 1) === 0 ? 'uint8' : 'int8';
      const bType = aType === 'int8' || rng.int(0, 1) === 0 ? 'int8' : 'uint8';
      const [m, k, n] = [rng.int(1, 24), rng.int(1, 16), rng.int(1, 24)];
      const batched = rng.int(0, 2) === 0;
      const aShape = batched ? [2, m, k] : [m, k];
      const bShape = batched && rng.int(0, 1) === 0 ? [2, k, n] : [k, n];
      const paramShape = rng.int(0, 1) === 0 ? [...bShape.slice(0, -2), 1, n] : [1];
      const aScale = rng.uniform(0.002, 0.05);
      const bScales = Array.from({ length: paramShape.reduce((p, d) => p * d, 1) }, () => rng.uniform(0.001, 0.02));
      const yScale = (aScale * bScales[0]! * 128 * 128 * Math.sqrt(k)) / rng.uniform(50, 200);
      checked += await agreeWithOnnxruntime(
        'QLinearMatMul',
        10,
        [
          ['a', ints(aType, aShape)],
          ['as', floats([], [aScale])],
          ['az', zeroPoint(aType, [])],
          ['b', ints(bType, bShape)],
          ['bs', floats(paramShape, bScales)],
          ['bz', zeroPoint(bType, paramShape, true)],
          ['ys', floats([], [yScale])],
          ['yz', zeroPoint(aType, [])],
        ],
        {},
        aType,
      );
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('QLinearMatMul near rounding ties, where float32 and float64 requantization differ', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const [aScale, bScale] = [Math.fround(rng.uniform(0.001, 0.05)), Math.fround(rng.uniform(0.001, 0.02))];
      // y_scale = a_scale * b_scale * q for a small integer q puts many accumulators at exact halves.
      const yScale = aScale * bScale * rng.int(2, 7);
      await agreeWithOnnxruntime(
        'QLinearMatMul',
        10,
        [
          ['a', ints('uint8', [32, 16])],
          ['as', floats([], [aScale])],
          ['az', Tensor.scalar('uint8', 128)],
          ['b', ints('uint8', [16, 32])],
          ['bs', floats([], [bScale])],
          ['bz', Tensor.scalar('uint8', 128)],
          ['ys', floats([], [yScale])],
          ['yz', Tensor.scalar('uint8', 128)],
        ],
        {},
        'uint8',
      );
    }
  });

  it('ConvInteger and MatMulInteger with zero points', async () => {
    for (let trial = 0; trial < 10; trial++) {
      await agreeWithOnnxruntime(
        'ConvInteger',
        10,
        [
          ['x', ints('uint8', [1, 2, rng.int(3, 6), rng.int(3, 6)])],
          ['w', ints('uint8', [3, 2, 2, 2])],
          ['xz', ints('uint8', [])],
          ['wz', ints('uint8', [])],
        ],
        { pads: [1, 0, 1, 1], strides: [1, rng.int(1, 2)] },
        'int32',
      );
      const k = rng.int(1, 9);
      await agreeWithOnnxruntime(
        'MatMulInteger',
        10,
        [
          ['a', ints('uint8', [2, 3, k])],
          ['b', ints('int8', [k, 4])],
          ['az', ints('uint8', [])],
          ['bz', ints('int8', [4])],
        ],
        {},
        'int32',
      );
    }
  });
});
