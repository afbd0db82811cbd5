import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import { GraphBuilder, Value, type Attrs } from '../graph.js';
import type { TensorType } from '../op-schema.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { onnxOps } from './catalogue.js';
import { dtypeFromOnnxCode, onnxCodeOfDType } from '../onnx-dtype.js';
import { DTYPES, type DType } from '../dtype.js';

function infer(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs = {}): TensorType {
  return new GraphBuilder(onnxOps).add(op, inputs, { attrs }).outputs[0]!.type;
}

const v = (shape: Shape | undefined, dtype: DType = 'float32'): Value => new Value('v', { dtype, shape });

describe('element-wise inference', () => {
  it('broadcasts symbolic dims', () => {
    expect(infer('Add', [v(['N', 1, 4]), v([3, 1])]).shape).toEqual(['N', 3, 4]);
    expect(infer('Mul', [v(['N', 4]), v(undefined)]).shape).toBeUndefined();
    expect(infer('Sum', [v([2, 1]), v([3]), v([])]).shape).toEqual([2, 3]);
    expect(infer('Where', [v([2, 1], 'bool'), v([3]), v([1])]).shape).toEqual([2, 3]);
  });

  it('gives comparisons a bool result and Pow the base dtype', () => {
    expect(infer('Less', [v([2], 'int32'), v([2], 'int32')])).toEqual({ dtype: 'bool', shape: [2] });
    expect(infer('Pow', [v([2]), v([], 'int64')])).toEqual({ dtype: 'float32', shape: [2] });
  });

  it('checks dtypes per op', () => {
    const refuse = (op: string, inputs: Value[]) => {
      try {
        infer(op, inputs);
        expect.unreachable(`${op} accepted ${inputs.map((i) => i.type.dtype).join(', ')}`);
      } catch (e) {
        expect(isPimcError(e, 'invalid-input')).toBe(true);
      }
    };
    refuse('Sigmoid', [v([1], 'int32')]);
    refuse('Add', [v([1], 'bool'), v([1], 'bool')]);
    refuse('Neg', [v([1], 'uint8')]);
    refuse('Mean', [v([1], 'int64')]);
    refuse('Clip', [v([1]), v([], 'float16')]);
    refuse('Where', [v([1]), v([1]), v([1])]);
    refuse('PRelu', [v([1], 'int8'), v([1], 'int8')]);
  });

  it('Cast maps ONNX codes both ways', () => {
    for (const d of DTYPES) expect(dtypeFromOnnxCode(onnxCodeOfDType(d))).toBe(d);
    expect(infer('Cast', [v(['N'])], { to: 7 })).toEqual({ dtype: 'int64', shape: ['N'] });
    expect(() => dtypeFromOnnxCode(8)).toThrow(/STRING/);
    expect(() => dtypeFromOnnxCode(99)).toThrow(/unknown ONNX data type 99/);
  });

  it('Clip bounds may be constant one-element tensors', () => {
    const bound = Value.ofConstant('lo', Tensor.from('float32', [1], [0]));
    expect(infer('Clip', [v([2, 2]), bound]).shape).toEqual([2, 2]);
  });
});
