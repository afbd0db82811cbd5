import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import type { DType } from '../dtype.js';
import { GraphBuilder, Value, type Attrs } from '../graph.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { onnxOps } from './catalogue.js';
import { integerMatMulShape, matMulParamShape, quantGranularity } from './quantization.js';

const v = (dtype: DType, shape: Shape | undefined, name = 'v') => new Value(name, { dtype, shape });
const c = (t: Tensor, name = 'c') => Value.ofConstant(name, t);

/** Builds one node and returns its inferred result type. */
function infer(op: string, inputs: (Value | undefined)[], attrs: Attrs = {}) {
  const node = new GraphBuilder(onnxOps).add(op, inputs, { attrs });
  return node.outputs[0]!.type;
}

function macsOf(op: string, inputs: (Value | undefined)[], attrs: Attrs = {}): number | undefined {
  const node = new GraphBuilder(onnxOps).add(op, inputs, { attrs });
  return onnxOps.get(op)!.macs?.(
    inputs.map((x) => x?.info),
    node.outputs.map((o) => o.type),
    node.attrs as never,
  );
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isPimcError(e) ? e.code : 'not a PimcError';
  }
  return undefined;
}

describe('QuantizeLinear inference', () => {
  it('takes the output type from the zero point, output_dtype, or uint8', () => {
    const x = v('float32', ['N', 3]);
    expect(infer('QuantizeLinear', [x, v('float32', [])])).toEqual({ dtype: 'uint8', shape: ['N', 3] });
    expect(infer('QuantizeLinear', [x, v('float32', []), v('int8', [])]).dtype).toBe('int8');
    expect(infer('QuantizeLinear', [x, v('float32', [])], { output_dtype: 4 }).dtype).toBe('uint16');
    expect(infer('QuantizeLinear', [v('float32', undefined), v('float32', [3])]).shape).toBeUndefined();
  });

  it('checks per-axis and blocked scales against the input', () => {
    const x = v('float32', [2, 3, 4]);
    expect(infer('QuantizeLinear', [x, v('float32', [3]), v('uint8', [3])]).shape).toEqual([2, 3, 4]);
    expect(infer('QuantizeLinear', [x, v('float32', [4])], { axis: -1 }).shape).toEqual([2, 3, 4]);
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [4])]))).toBe('shape-mismatch');
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [3])], { axis: 3 }))).toBe('invalid-attribute');
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [3]), v('uint8', [4])]))).toBe('shape-mismatch');
    expect(infer('QuantizeLinear', [x, v('float32', [2, 2, 4])], { block_size: 2 }).shape).toEqual([2, 3, 4]);
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [2, 1, 4])], { block_size: 2 }))).toBe('shape-mismatch');
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [3])], { block_size: -1 }))).toBe('invalid-attribute');
    const raw = new Map([['block_size', { kind: 'int' as const, value: -2 }]]);
    expect(codeOf(() => new GraphBuilder(onnxOps).add('QuantizeLinear', [x, v('float32', [3])], { attrs: raw }))).toBe(
      'invalid-attribute',
    );
    // Symbolic dimensions are not held against the scale.
    expect(infer('QuantizeLinear', [v('float32', ['N', 'C']), v('float32', [3])]).shape).toEqual(['N', 'C']);
  });

  it('refuses types pimc does not quantize to or from', () => {
    const x = v('float32', [4]);
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [])], { output_dtype: 17 }))).toBe('unsupported-dtype');
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [])], { output_dtype: 6 }))).toBe('unsupported-dtype');
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', []), v('uint8', [])], { output_dtype: 3 }))).toBe(
      'invalid-attribute',
    );
    expect(codeOf(() => infer('QuantizeLinear', [x, v('int32', [])]))).toBe('unsupported-dtype');
    expect(codeOf(() => infer('QuantizeLinear', [v('uint8', [4]), v('float32', [])]))).toBe('invalid-input');
    expect(codeOf(() => infer('QuantizeLinear', [x, v('float32', [])], { precision: 16 }))).toBe('unsupported-dtype');
  });
});

describe('DequantizeLinear inference', () => {
  it('produces the scale type unless output_dtype says otherwise', () => {
    const x = v('int8', [2, 'W']);
    expect(infer('DequantizeLinear', [x, v('float32', [])])).toEqual({ dtype: 'float32', shape: [2, 'W'] });
    expect(infer('DequantizeLinear', [x, v('float16', [2]), v('int8', [2])], { axis: 0 }).dtype).toBe('float16');
    expect(infer('DequantizeLinear', [x, v('float16', [])], { output_dtype: 1 }).dtype).toBe('float32');
  });

  it('checks zero point types, and int32 zero points for zeros', () => {
    expect(codeOf(() => infer('DequantizeLinear', [v('int8', [2]), v('float32', []), v('uint8', [])]))).toBe('invalid-input');
    const x = v('int32', [2]);
    expect(infer('DequantizeLinear', [x, v('float32', []), c(Tensor.scalar('int32', 0))]).dtype).toBe('float32');
    expect(codeOf(() => infer('DequantizeLinear', [x, v('float32', []), c(Tensor.scalar('int32', 3))]))).toBe('invalid-input');
  });
});

describe('integer convolution inference', () => {
  it('computes output shapes, passing symbolic dimensions through', () => {
    const w = v('int8', [8, 3, 3, 3]);
    expect(infer('ConvInteger', [v('uint8', ['N', 3, 32, 32]), w], { pads: [1, 1, 1, 1], strides: [2, 2] })).toEqual({
      dtype: 'int32',
      shape: ['N', 8, 16, 16],
    });
    expect(infer('ConvInteger', [v('uint8', [1, 3, 'H', 10]), w]).shape).toEqual([1, 8, '?', 8]);
    expect(infer('ConvInteger', [v('uint8', [1, 3, 7, 10]), w], { auto_pad: 'SAME_LOWER', strides: [2, 3] }).shape).toEqual([
      1, 8, 4, 4,
    ]);
    expect(infer('ConvInteger', [v('uint8', undefined), w]).shape).toBeUndefined();
  });

  it('refuses inconsistent channels, groups, kernels and zero points', () => {
    const x = v('uint8', [1, 4, 5, 5]);
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [6, 3, 1, 1])]))).toBe('shape-mismatch');
    expect(infer('ConvInteger', [x, v('uint8', [6, 2, 1, 1])], { group: 2 }).shape).toEqual([1, 6, 5, 5]);
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [3, 2, 1, 1])], { group: 2 }))).toBe('shape-mismatch');
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [6, 4, 1, 1])], { kernel_shape: [2, 2] }))).toBe('shape-mismatch');
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [6, 4, 1, 1]), v('uint8', [4])]))).toBe('shape-mismatch');
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [6, 4, 1, 1]), undefined, v('uint8', [5])]))).toBe('shape-mismatch');
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [6, 4, 1, 1]), v('int8', [])]))).toBe('invalid-input');
    expect(codeOf(() => infer('ConvInteger', [x, v('uint8', [6, 4, 6, 6])]))).toBe('shape-mismatch');
  });

  it('types QLinearConv by its output zero point and checks per-channel operands', () => {
    const operands = (wScale: Shape, bias?: Shape) => [
      v('uint8', [1, 2, 4, 4]),
      v('float32', []),
      v('uint8', []),
      v('int8', [4, 2, 3, 3]),
      v('float32', wScale),
      v('int8', wScale),
      v('float32', []),
      v('int8', []),
      bias === undefined ? undefined : v('int32', bias),
    ];
    expect(infer('QLinearConv', operands([4], [4]))).toEqual({ dtype: 'int8', shape: [1, 4, 2, 2] });
    expect(infer('QLinearConv', operands([1])).shape).toEqual([1, 4, 2, 2]);
    expect(codeOf(() => infer('QLinearConv', operands([3])))).toBe('shape-mismatch');
    expect(codeOf(() => infer('QLinearConv', operands([4], [3])))).toBe('shape-mismatch');
    expect(macsOf('QLinearConv', operands([4]))).toBe(4 * 2 * 2 * 2 * 9);
  });
});

describe('integer matrix product inference', () => {
  it('follows numpy.matmul shapes', () => {
    expect(integerMatMulShape([2, 3], [3, 4], 'm')).toEqual([2, 4]);
    expect(integerMatMulShape(['B', 1, 2, 3], [5, 3, 4], 'm')).toEqual(['B', 5, 2, 4]);
    expect(integerMatMulShape([3], [3, 4], 'm')).toEqual([4]);
    expect(integerMatMulShape([2, 3], [3], 'm')).toEqual([2]);
    expect(codeOf(() => integerMatMulShape([2, 3], [4, 4], 'm'))).toBe('shape-mismatch');
  });

  it('aligns per-row and per-column parameters', () => {
    expect(matMulParamShape([], [2, 3], 'row', 'm', 'p')).toEqual([1, 1]);
    expect(matMulParamShape([1], [2, 3], 'row', 'm', 'p')).toEqual([1, 1]);
    expect(matMulParamShape([2], [2, 3], 'row', 'm', 'p')).toEqual([2, 1]);
    expect(matMulParamShape([4], [3, 4], 'column', 'm', 'p')).toEqual([1, 4]);
    expect(matMulParamShape([5, 2, 1], [5, 2, 3], 'row', 'm', 'p')).toEqual([5, 2, 1]);
    expect(matMulParamShape([1, 1, 4], [5, 3, 4], 'column', 'm', 'p')).toEqual([1, 1, 4]);
    expect(codeOf(() => matMulParamShape([3], [2, 3], 'row', 'm', 'p'))).toBe('shape-mismatch');
    expect(codeOf(() => matMulParamShape([2, 3], [2, 3], 'row', 'm', 'p'))).toBe('shape-mismatch');
    expect(codeOf(() => matMulParamShape([4, 2, 1], [5, 2, 3], 'row', 'm', 'p'))).toBe('shape-mismatch');
  });

  it('types MatMulInteger and QLinearMatMul', () => {
    expect(infer('MatMulInteger', [v('uint8', ['N', 3]), v('int8', [3, 4]), v('uint8', ['N'])])).toEqual({
      dtype: 'int32',
      shape: ['N', 4],
    });
    expect(codeOf(() => infer('MatMulInteger', [v('uint8', [2, 3]), v('int8', [3, 4]), undefined, v('int8', [3])]))).toBe(
      'shape-mismatch',
    );
    const q = infer('QLinearMatMul', [
      v('int8', [2, 2, 3]),
      v('float32', [1]),
      v('int8', [1]),
      v('int8', [3, 4]),
      v('float32', [1, 4]),
      v('int8', [1, 4]),
      v('float32', []),
      v('uint8', []),
    ]);
    expect(q).toEqual({ dtype: 'uint8', shape: [2, 2, 4] });
    expect(macsOf('MatMulInteger', [v('uint8', [2, 3]), v('int8', [3, 4])])).toBe(24);
  });
});

describe('quantGranularity', () => {
  it('maps scale indices for each granularity', () => {
    expect(quantGranularity([2, 3], [1], 1, 0, 'q').kind).toBe('per-tensor');
    expect(quantGranularity([2, 3], [3], -1, 0, 'q')).toMatchObject({ kind: 'per-axis', axis: 1, axisStride: 1 });
    expect(quantGranularity([4, 5, 6], [4, 3, 6], 1, 2, 'q')).toEqual({
      kind: 'blocked',
      axis: 1,
      blockSize: 2,
      outerStride: 18,
      axisStride: 6,
      innerStride: 1,
    });
  });
});
