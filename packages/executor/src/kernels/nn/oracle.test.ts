import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { importModel } from '@pimc/frontend-onnx';
import { Tensor } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, type TestAttr } from '@pimc/testing';
import { runGraph } from '../../run.js';

/**
 * Cross-checks against onnxruntime on configurations the ONNX node tests do not cover: every
 * Resize mode and coordinate transformation, pooling corner cases and transposed convolutions.
 * One single-node model per case, random float32 input, weights as initializers.
 */
async function agreeWithOnnxruntime(
  op: string,
  x: Tensor,
  initializers: Readonly<Record<string, Tensor | undefined>>,
  attrs: Readonly<Record<string, TestAttr>>,
  opset = 19,
): Promise<void> {
  const inits = Object.fromEntries(Object.entries(initializers).filter((e): e is [string, Tensor] => e[1] !== undefined));
  const bytes = buildOnnxModel({
    opset,
    inputs: [{ name: 'x', dtype: 'float32', shape: [...x.shape] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [
      { op, inputs: ['x', ...Object.entries(initializers).map(([k, v]) => (v === undefined ? '' : k))], outputs: ['y'], attrs },
    ],
    initializers: inits,
  });
  const session = await ort.InferenceSession.create(bytes);
  const expected = (
    await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, [...x.shape]) }).catch((e: unknown) => {
      throw new Error(`${op} ${JSON.stringify(attrs)}: ${String(e)}`);
    })
  ).y!;
  await session.release();
  const actual = runGraph(importModel(bytes).graph, new Map([['x', x]])).outputs.get('y')!;
  const context = `${op} ${JSON.stringify(attrs)} on [${x.shape.join(', ')}]`;
  expect(actual.shape, context).toEqual(expected.dims.map(Number));
  const want = expected.data as Float32Array;
  actual.toNumbers().forEach((v, i) => {
    if (Math.abs(v - want[i]!) > 1e-4 + 1e-3 * Math.abs(want[i]!)) {
      throw new Error(`${context}: element ${i} is ${v}, onnxruntime says ${want[i]}`);
    }
  });
}

const rng = new Rng(19);
const random = (shape: number[]) =>
  Tensor.from(
    'float32',
    shape,
    rng.float32Array(
      shape.reduce((a, b) => a * b, 1),
      -2,
      2,
    ),
  );
const floats = (...v: number[]) => Tensor.from('float32', [v.length], v);
const int64s = (...v: number[]) => Tensor.from('int64', [v.length], v);

const TRANSFORMS = [
  'half_pixel',
  'half_pixel_symmetric',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
];

describe('nn kernels agree with onnxruntime', () => {
  it('Resize nearest under every transformation and rounding', async () => {
    const x = random([1, 2, 4, 5]);
    for (const coordinate_transformation_mode of TRANSFORMS) {
      for (const nearest_mode of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
        const attrs = { mode: 'nearest', coordinate_transformation_mode, nearest_mode };
        await agreeWithOnnxruntime('Resize', x, { roi: undefined, scales: floats(1, 1, 1.7, 0.6) }, attrs);
        await agreeWithOnnxruntime('Resize', x, { roi: undefined, scales: undefined, sizes: int64s(1, 2, 7, 3) }, attrs);
      }
    }
  });

  it('Resize linear and cubic, 2-D and 3-D', async () => {
    const x = random([1, 2, 4, 5]);
    for (const coordinate_transformation_mode of TRANSFORMS) {
      for (const [mode, extra] of [
        ['linear', {}],
        ['cubic', {}],
        ['cubic', { cubic_coeff_a: { float: -0.5 }, exclude_outside: 1 }],
      ] as const) {
        const attrs = { mode, coordinate_transformation_mode, ...extra };
        await agreeWithOnnxruntime('Resize', x, { roi: undefined, scales: floats(1, 1, 2.5, 0.6) }, attrs);
        await agreeWithOnnxruntime('Resize', x, { roi: undefined, scales: undefined, sizes: int64s(1, 2, 3, 8) }, attrs);
      }
      await agreeWithOnnxruntime(
        'Resize',
        random([1, 1, 3, 4, 2]),
        { roi: undefined, scales: floats(1, 1, 2, 0.5, 1.5) },
        { mode: 'linear', coordinate_transformation_mode },
      );
    }
  });

  it('pooling with ceil_mode, padding and dilations', async () => {
    const x = random([2, 3, 7, 6]);
    for (const ceil_mode of [0, 1]) {
      for (const [kernel_shape, strides, pads, dilations] of [
        [
          [3, 3],
          [2, 2],
          [1, 1, 1, 1],
          [1, 1],
        ],
        [
          [2, 3],
          [3, 2],
          [0, 1, 1, 0],
          [1, 1],
        ],
        [
          [2, 2],
          [2, 1],
          [1, 0, 0, 1],
          [2, 2],
        ],
      ]) {
        // onnxruntime refuses ceil_mode with these dilations ("padding values must be non-negative").
        if (!(ceil_mode === 1 && dilations![0] === 2)) {
          await agreeWithOnnxruntime(
            'MaxPool',
            x,
            {},
            { kernel_shape: kernel_shape!, strides: strides!, pads: pads!, dilations: dilations!, ceil_mode },
          );
        }
        for (const count_include_pad of [0, 1]) {
          await agreeWithOnnxruntime(
            'AveragePool',
            x,
            {},
            { kernel_shape: kernel_shape!, strides: strides!, pads: pads!, dilations: dilations!, ceil_mode, count_include_pad },
          );
        }
      }
    }
    for (const auto_pad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
      // (Strides chosen so SAME needs no negative padding, which onnxruntime refuses.)
      await agreeWithOnnxruntime('MaxPool', x, {}, { kernel_shape: [3, 2], strides: [2, 2], auto_pad });
      await agreeWithOnnxruntime('AveragePool', x, {}, { kernel_shape: [3, 2], strides: [2, 2], auto_pad });
    }
  });

  it('Conv and ConvTranspose with groups, dilations and auto_pad', async () => {
    const x = random([2, 4, 6, 5]);
    for (const auto_pad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
      await agreeWithOnnxruntime('Conv', x, { w: random([6, 2, 3, 2]), b: random([6]) }, { group: 2, strides: [2, 1], auto_pad });
    }
    await agreeWithOnnxruntime('Conv', x, { w: random([8, 1, 3, 3]) }, { group: 4, dilations: [2, 1], pads: [2, 1, 0, 1] });
    await agreeWithOnnxruntime(
      'ConvTranspose',
      x,
      { w: random([4, 3, 3, 2]), b: random([6]) },
      { group: 2, strides: [2, 3], dilations: [1, 2], pads: [1, 0, 2, 1], output_padding: [1, 0] },
    );
    await agreeWithOnnxruntime('ConvTranspose', x, { w: random([4, 2, 3, 3]) }, { strides: [2, 2], output_shape: [13, 11] });
    await agreeWithOnnxruntime('ConvTranspose', x, { w: random([4, 2, 3, 3]) }, { strides: [2, 2], auto_pad: 'SAME_UPPER' });
    await agreeWithOnnxruntime('ConvTranspose', x, { w: random([4, 2, 3, 3]) }, { strides: [2, 2], auto_pad: 'SAME_LOWER' });
  });
});
