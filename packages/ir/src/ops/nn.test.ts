import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import { defaultAttrs, parseAttrs, type RawAttr } from '../attrs.js';
import type { InferInput } from '../op-schema.js';
import { Tensor } from '../tensor.js';
import { Conv, ConvTranspose, convTransposeGeometry, Dropout, Gemm, MaxPool, Resize, resizePlan } from './nn.js';

const f = (shape: InferInput['shape']): InferInput => ({ dtype: 'float32', shape });

function expectCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isPimcError(e) ? e.code : e).toBe(code);
    if (pattern !== undefined) expect(String(e)).toMatch(pattern);
    return;
  }
  throw new Error(`expected a PimcError ${code}`);
}

describe('Conv inference', () => {
  const attrs = { ...defaultAttrs(Conv.attrs, 'Conv'), strides: [2, 2], pads: [3, 3, 3, 3] };

  it('computes static output sizes and multiply-accumulates', () => {
    const [y] = Conv.infer([f([1, 3, 224, 224]), f([64, 3, 7, 7])], attrs, 1);
    expect(y!.shape).toEqual([1, 64, 112, 112]);
    expect(Conv.macs!([f([1, 3, 224, 224]), f([64, 3, 7, 7])], [y!], attrs)).toBe(112 * 112 * 64 * 3 * 49);
  });

  it('passes symbolic batch through and leaves only symbolic spatial axes unknown', () => {
    expect(Conv.infer([f(['N', 3, 'H', 224]), f([64, 3, 7, 7])], attrs, 1)[0]!.shape).toEqual(['N', 64, '?', 112]);
    expect(Conv.infer([f(undefined), f([64, 3, 7, 7])], attrs, 1)[0]!.shape).toBeUndefined();
    expect(Conv.infer([f([1, 3, 8, 8]), f(undefined)], attrs, 1)[0]!.shape).toEqual([1, '?', '?', '?']);
  });

  it('refuses mismatched channels, groups, kernel_shape and bias', () => {
    expectCode(() => Conv.infer([f([1, 4, 8, 8]), f([6, 2, 3, 3])], { ...attrs, group: 3 }, 1), 'shape-mismatch', /4 channels/);
    expectCode(() => Conv.infer([f([1, 4, 8, 8]), f([5, 2, 3, 3])], { ...attrs, group: 2 }, 1), 'shape-mismatch', /divide/);
    expectCode(() => Conv.infer([f([1, 3, 8, 8]), f([4, 3, 3, 3])], { ...attrs, kernel_shape: [5, 5] }, 1), 'shape-mismatch');
    expectCode(() => Conv.infer([f([1, 3, 8, 8]), f([4, 3, 3, 3]), f([3])], attrs, 1), 'shape-mismatch', /bias/);
    expectCode(() => Conv.infer([{ dtype: 'int8', shape: [1, 3, 8, 8] }, f([4, 3, 3, 3])], attrs, 1), 'invalid-input');
    expectCode(
      () => Conv.infer([f([1, 3, 2, 2]), f([4, 3, 5, 5])], defaultAttrs(Conv.attrs, 'Conv'), 1),
      'shape-mismatch',
      /does not fit/,
    );
  });
});

describe('ConvTranspose geometry', () => {
  const base = defaultAttrs(ConvTranspose.attrs, 'ConvTranspose');

  it('derives the output from strides, pads and output_padding', () => {
    const [y] = ConvTranspose.infer(
      [f([1, 4, 5, 5]), f([4, 3, 3, 3])],
      { ...base, strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], group: 2 },
      1,
    );
    expect(y!.shape).toEqual([1, 6, 10, 10]);
    expect(ConvTranspose.macs!([f([1, 4, 5, 5]), f([4, 3, 3, 3])], [y!], base)).toBe(100 * 27);
  });

  it('places SAME and output_shape padding', () => {
    const same = convTransposeGeometry([3], [3], { ...base, strides: [2], auto_pad: 'SAME_UPPER' });
    expect(same.output).toEqual([6]);
    expect(same.padsBegin).toEqual([0]);
    expect(convTransposeGeometry([3], [3], { ...base, strides: [2], auto_pad: 'SAME_LOWER' }).padsBegin).toEqual([1]);
    expect(convTransposeGeometry([3], [3], { ...base, strides: [2], output_shape: [1, 1, 4] }).padsBegin).toEqual([2]);
    expect(convTransposeGeometry([3], [3], { ...base, strides: [2], output_shape: [9] }).padsBegin).toEqual([0]);
  });

  it('refuses an output_padding not smaller than the stride', () => {
    expectCode(() => convTransposeGeometry([3], [3], { ...base, strides: [2], output_padding: [2] }), 'invalid-attribute');
  });
});

describe('Gemm and MaxPool inference', () => {
  it('keeps symbolic M and checks C', () => {
    const attrs = defaultAttrs(Gemm.attrs, 'Gemm');
    expect(Gemm.infer([f(['N', 512]), f([512, 10]), f([10])], attrs, 1)[0]!.shape).toEqual(['N', 10]);
    expectCode(() => Gemm.infer([f([2, 3, 4]), f([4, 5])], attrs, 1), 'shape-mismatch', /matrix/);
  });

  it('adds an int64 Indices output when asked', () => {
    const attrs = parseAttrs(
      MaxPool.attrs,
      new Map<string, RawAttr>([
        ['kernel_shape', { kind: 'ints', value: [2, 2] }],
        ['strides', { kind: 'ints', value: [2, 2] }],
      ]),
      'MaxPool',
    );
    const out = MaxPool.infer([f([1, 1, 4, 4])], attrs, 2);
    expect(out.map((t) => t.dtype)).toEqual(['float32', 'int64']);
    expect(out[1]!.shape).toEqual([1, 1, 2, 2]);
  });
});

describe('Resize inference', () => {
  const attrs = defaultAttrs(Resize.attrs, 'Resize');
  const scales = (v: number[]): InferInput => ({
    dtype: 'float32',
    shape: [v.length],
    value: Tensor.from('float32', [v.length], v),
  });
  const sizes = (v: number[]): InferInput => ({ dtype: 'int64', shape: [v.length], value: Tensor.from('int64', [v.length], v) });

  it('floors scaled sizes and takes sizes as given', () => {
    expect(Resize.infer([f([1, 3, 5, 5]), undefined, scales([1, 1, 0.6, 2.5])], attrs, 1)[0]!.shape).toEqual([1, 3, 3, 12]);
    expect(Resize.infer([f([1, 3, 5, 5]), f([0]), f([0]), sizes([1, 3, 7, 2])], attrs, 1)[0]!.shape).toEqual([1, 3, 7, 2]);
    expect(resizePlan([1, 3, 5, 5], undefined, [7, 2], { ...attrs, axes: [2, 3] }).scales).toEqual([1, 1, 7 / 5, 2 / 5]);
  });

  it('keeps a symbolic batch that scale 1 leaves alone', () => {
    expect(Resize.infer([f(['N', 3, 5, 5]), undefined, scales([1, 1, 2, 2])], attrs, 1)[0]!.shape).toEqual(['N', 3, 10, 10]);
    expect(Resize.infer([f(['N', 3, 'H', 5]), undefined, scales([1, 1, 2, 2])], attrs, 1)[0]!.shape).toEqual(['N', 3, '?', 10]);
    expect(Resize.infer([f(['N', 3, 'H', 5]), undefined, undefined, sizes([1, 3, 8, 8])], attrs, 1)[0]!.shape).toEqual([
      1, 3, 8, 8,
    ]);
  });

  it('keeps the rank when scales are computed at run time', () => {
    expect(Resize.infer([f(['N', 3, 5, 5]), undefined, f([4])], attrs, 1)[0]!.shape).toEqual(['?', '?', '?', '?']);
    expect(Resize.infer([f(['N', 3, 5, 5]), undefined, f([2])], { ...attrs, axes: [2, 3] }, 1)[0]!.shape).toEqual([
      'N',
      3,
      '?',
      '?',
    ]);
  });

  it('refuses tf_crop_and_resize, missing scales and wrong lengths', () => {
    expectCode(
      () =>
        Resize.infer(
          [f([1, 1, 2, 2]), undefined, scales([1, 1, 2, 2])],
          { ...attrs, coordinate_transformation_mode: 'tf_crop_and_resize' },
          1,
        ),
      'unsupported-attribute',
    );
    expectCode(() => Resize.infer([f([1, 1, 2, 2])], attrs, 1), 'invalid-input');
    expectCode(() => Resize.infer([f([1, 1, 2, 2]), undefined, scales([2, 2])], attrs, 1), 'shape-mismatch');
  });
});

describe('Dropout inference', () => {
  it('refuses a constant training mode with a non-zero ratio', () => {
    const on: InferInput = { dtype: 'bool', shape: [], value: Tensor.scalar('bool', 1) };
    expectCode(() => Dropout.infer([f([2]), undefined, on], { seed: undefined }, 1), 'unsupported-attribute');
    expect(Dropout.infer([f([2])], { seed: undefined }, 2).map((t) => t.dtype)).toEqual(['float32', 'bool']);
  });
});
