import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import type { DType } from '../dtype.js';
import { GraphBuilder, Value, type Attrs } from '../graph.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { onnxOps } from './catalogue.js';
import { pimOutputQuantization } from './pim.js';

const v = (dtype: DType, shape: Shape | undefined, name = 'v') => new Value(name, { dtype, shape });
const c = (t: Tensor, name = 'c') => Value.ofConstant(name, t);

function build(op: string, inputs: (Value | undefined)[], attrs: Attrs) {
  return new GraphBuilder(onnxOps).add(op, inputs, { attrs });
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isPimcError(e) ? e.code : 'not a PimcError';
  }
  return undefined;
}

const requant = (channels: number): Attrs => ({
  x_zero_point: 3,
  multiplier: new Array<number>(channels).fill(1 << 23),
  shift: new Array<number>(channels).fill(30),
  y_dtype: 'uint8',
  y_zero_point: 0,
  y_min: 0,
  y_max: 255,
  y_scale: 0.1,
  x_scale: 0.02,
  w_scale: new Array<number>(channels).fill(0.01),
});
const convAttrs = (channels: number, extra: Attrs = {}): Attrs => ({
  pads: [1, 1, 1, 1],
  strides: [2, 2],
  dilations: [1, 1],
  ...requant(channels),
  ...extra,
});
const w = (m: number, cg: number) => c(Tensor.zeros('int8', [m, cg, 3, 3]), 'W');

describe('PimQConv', () => {
  it('infers [N, M, ...] with explicit geometry, symbolic batch and spatial sizes', () => {
    const node = build('PimQConv', [v('uint8', ['N', 4, 9, 9]), w(6, 4), c(Tensor.zeros('int32', [6]))], convAttrs(6));
    expect(node.outputs[0]!.type).toEqual({ dtype: 'uint8', shape: ['N', 6, 5, 5] });
    expect(
      build(
        'PimQConv',
        [v('int8', [1, 4, 'H', 9]), w(6, 2)],
        convAttrs(6, { group: 2, x_zero_point: -3, y_dtype: 'int8', y_min: -128, y_max: 127 }),
      ).outputs[0]!.type,
    ).toEqual({
      dtype: 'int8',
      shape: [1, 6, '?', 5],
    });
    expect(build('PimQConv', [v('uint8', undefined), w(6, 4)], convAttrs(6)).outputs[0]!.type.shape).toBeUndefined();
    expect(
      onnxOps.get('PimQConv')!.macs!(
        [v('uint8', [1, 4, 9, 9]).info, w(6, 4).info],
        [{ dtype: 'uint8', shape: [1, 6, 5, 5] }],
        convAttrs(6) as never,
      ),
    ).toBe(150 * 36);
  });

  it('refuses bad operands and attributes with specific codes', () => {
    const x = v('uint8', [1, 4, 9, 9]);
    expect(codeOf(() => build('PimQConv', [v('float32', [1, 4, 9, 9]), w(6, 4)], convAttrs(6)))).toBe('invalid-input');
    expect(codeOf(() => build('PimQConv', [x, c(Tensor.zeros('uint8', [6, 4, 3, 3]))], convAttrs(6)))).toBe('invalid-input');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4), c(Tensor.zeros('int32', [5]))], convAttrs(6)))).toBe('shape-mismatch');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4), c(Tensor.zeros('float32', [6]))], convAttrs(6)))).toBe('invalid-input');
    expect(codeOf(() => build('PimQConv', [x, w(6, 3)], convAttrs(6)))).toBe('shape-mismatch');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(5)))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { multiplier: [2 ** 24] })))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { shift: [64] })))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { y_min: 10, y_max: 5 })))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { y_zero_point: 300 })))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { x_zero_point: -1 })))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { pads: [1, 1] })))).toBe('invalid-attribute');
    expect(codeOf(() => build('PimQConv', [x, w(6, 4)], convAttrs(6, { y_dtype: 'int16' })))).toBe('invalid-attribute');
  });
});

describe('PimQGemm, PimQAdd, PimRequantize, PimQAvgPool, PimFusedActivation', () => {
  it('infer their result types', () => {
    const gemm = build(
      'PimQGemm',
      [v('uint8', ['N', 8]), c(Tensor.zeros('int8', [3, 8])), c(Tensor.zeros('int32', [3]))],
      requant(3),
    );
    expect(gemm.outputs[0]!.type).toEqual({ dtype: 'uint8', shape: ['N', 3] });
    const add = build('PimQAdd', [v('int8', ['N', 4, 1]), v('int8', [3])], {
      a_zero_point: 0,
      b_zero_point: -2,
      a_multiplier: 1 << 23,
      b_multiplier: 5,
      shift: 24,
      y_dtype: 'int8',
      y_zero_point: -128,
      y_min: -128,
      y_max: 127,
      y_scale: 1,
      a_scale: 1,
      b_scale: 1,
    });
    expect(add.outputs[0]!.type).toEqual({ dtype: 'int8', shape: ['N', 4, 3] });
    const rq = build('PimRequantize', [v('uint8', [2, 2])], {
      x_zero_point: 1,
      multiplier: 3,
      shift: 2,
      y_dtype: 'int8',
      y_zero_point: 0,
      x_scale: 1,
      y_scale: 1,
    });
    expect(rq.outputs[0]!.type).toEqual({ dtype: 'int8', shape: [2, 2] });
    const pool = (attrs: Attrs, shape: Shape) =>
      build('PimQAvgPool', [v('uint8', shape)], { zero_point: 0, scale: 1, ...attrs }).outputs[0]!.type.shape;
    expect(pool({}, ['N', 8, 7, 7])).toEqual(['N', 8, 1, 1]);
    expect(pool({ kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, [1, 8, 8, 8])).toEqual([1, 8, 4, 4]);
    expect(pool({ kernel_shape: [2, 2], strides: [2, 2] }, [1, 8, 'H', 8])).toEqual([1, 8, '?', '?']);
    const act = build('PimFusedActivation', [v('float32', ['N', 3])], { activation: 'clip', min: 0, max: 6 });
    expect(act.outputs[0]!.type).toEqual({ dtype: 'float32', shape: ['N', 3] });
  });

  it('refuse what the dialect does not define', () => {
    const gemmW = c(Tensor.zeros('int8', [3, 8]));
    expect(codeOf(() => build('PimQGemm', [v('uint8', [2, 7]), gemmW], requant(3)))).toBe('shape-mismatch');
    expect(codeOf(() => build('PimQGemm', [v('uint8', [2, 2, 8]), gemmW], requant(3)))).toBe('shape-mismatch');
    const addAttrs = {
      a_zero_point: 0,
      b_zero_point: 0,
      a_multiplier: 1,
      b_multiplier: 1,
      shift: 0,
      y_dtype: 'uint8',
      y_zero_point: 0,
      y_min: 0,
      y_max: 255,
      y_scale: 1,
      a_scale: 1,
      b_scale: 1,
    };
    expect(codeOf(() => build('PimQAdd', [v('uint8', [2]), v('int8', [2])], addAttrs))).toBe('invalid-input');
    expect(codeOf(() => build('PimQAdd', [v('uint8', [2]), v('uint8', [3])], addAttrs))).toBe('shape-mismatch');
    expect(codeOf(() => build('PimQAdd', [v('uint8', [2]), v('uint8', [2])], { ...addAttrs, b_multiplier: -1 }))).toBe(
      'invalid-attribute',
    );
    expect(codeOf(() => build('PimQAvgPool', [v('uint8', [1, 2, 4, 4])], { zero_point: 0, scale: 1, kernel_shape: [2] }))).toBe(
      'invalid-attribute',
    );
    expect(codeOf(() => build('PimFusedActivation', [v('uint8', [2])], {}))).toBe('invalid-input');
    expect(codeOf(() => build('PimFusedActivation', [v('float32', [2])], { activation: 'relu', min: 1 }))).toBe(
      'invalid-attribute',
    );
  });

  it('name the quantization of their results for reports', () => {
    const gemm = build('PimQGemm', [v('int8', [2, 8]), c(Tensor.zeros('int8', [3, 8]))], {
      ...requant(3),
      x_zero_point: 0,
      y_dtype: 'int8',
      y_min: -128,
      y_max: 127,
      y_zero_point: -5,
    });
    expect(pimOutputQuantization(gemm)).toEqual({ scale: 0.1, zeroPoint: -5, dtype: 'int8' });
    const pool = build('PimQAvgPool', [v('uint8', [1, 2, 4, 4])], { zero_point: 7, scale: 0.5 });
    expect(pimOutputQuantization(pool)).toEqual({ scale: 0.5, zeroPoint: 7, dtype: 'uint8' });
    expect(pimOutputQuantization(build('Relu', [v('float32', [2])], {}))).toBeUndefined();
  });
});
