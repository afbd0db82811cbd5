import { describe, expect, it } from 'vitest';
import { GraphBuilder, Value } from '../graph.js';
import type { Attrs } from '../graph.js';
import type { TensorType } from '../op-schema.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { onnxOps } from './catalogue.js';
import { reshapeShape, resolveSlice, splitSizes } from './shape.js';

/** Shape inference of one node over the given operands. */
function infer(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs = {}, outputs?: number): TensorType[] {
  const builder = new GraphBuilder(onnxOps);
  const names = outputs === undefined ? undefined : Array.from({ length: outputs }, (_, i) => `o${i}`);
  return builder.add(op, inputs, { attrs, outputNames: names }).outputs.map((v) => v.type);
}

const x = (shape: Shape | undefined, dtype: TensorType['dtype'] = 'float32'): Value => new Value('x', { dtype, shape });
const ints = (...v: number[]): Value => Value.ofConstant('c', Tensor.from('int64', [v.length], v));
/** A non-constant int64 vector of known length. */
const dynamicInts = (n: number | undefined): Value =>
  new Value('d', { dtype: 'int64', shape: n === undefined ? undefined : [n] });
const shapeOf = (types: TensorType[]): Shape | undefined => types[0]!.shape;

describe('Reshape inference', () => {
  it('cancels symbols copied by 0 when inferring -1', () => {
    expect(shapeOf(infer('Reshape', [x(['N', 3, 4]), ints(0, -1)]))).toEqual(['N', 12]);
    expect(shapeOf(infer('Reshape', [x(['N', 3, 4]), ints(-1, 4)]))).toEqual(['?', 4]);
    expect(shapeOf(infer('Reshape', [x(['N', 12]), ints(-1, 12)]))).toEqual(['N', 12]);
    expect(shapeOf(infer('Reshape', [x(['N', 'C', 4]), ints(0, 0, 2, -1)]))).toEqual(['N', 'C', 2, 2]);
  });

  it('gives rank only for a non-constant shape, literal dims for an unknown input', () => {
    expect(shapeOf(infer('Reshape', [x([2, 3]), dynamicInts(3)]))).toEqual(['?', '?', '?']);
    expect(shapeOf(infer('Reshape', [x([2, 3]), dynamicInts(undefined)]))).toBeUndefined();
    expect(shapeOf(infer('Reshape', [x(undefined), ints(2, -1, 0)]))).toEqual([2, '?', '?']);
  });

  it('is the helper kernels use', () => {
    expect(reshapeShape([2, 3, 4], [0, 0, -1], false)).toEqual([2, 3, 4]);
    expect(reshapeShape([0, 3], [3, 0], true)).toEqual([3, 0]);
  });
});

describe('shape ops with symbolic and unknown shapes', () => {
  it('Flatten multiplies known dims and keeps a lone symbol', () => {
    expect(shapeOf(infer('Flatten', [x(['N', 3, 4])]))).toEqual(['N', 12]);
    expect(shapeOf(infer('Flatten', [x(['N', 3, 4])], { axis: 2 }))).toEqual(['?', 4]);
    expect(shapeOf(infer('Flatten', [x(undefined)]))).toEqual(['?', '?']);
  });

  it('Transpose permutes symbols', () => {
    expect(shapeOf(infer('Transpose', [x(['N', 3, 'W'])], { perm: [2, 0, 1] }))).toEqual(['W', 'N', 3]);
    expect(shapeOf(infer('Transpose', [x(undefined)], { perm: [1, 0] }))).toEqual(['?', '?']);
  });

  it('Squeeze needs known dims only without axes', () => {
    expect(shapeOf(infer('Squeeze', [x(['N', 1, 3]), ints(1)]))).toEqual(['N', 3]);
    expect(shapeOf(infer('Squeeze', [x(['N', 1, 3])]))).toBeUndefined();
    expect(shapeOf(infer('Squeeze', [x([2, 1, 3]), dynamicInts(1)]))).toEqual(['?', '?']);
  });

  it('Unsqueeze with constant, dynamic and missing axes', () => {
    expect(shapeOf(infer('Unsqueeze', [x(['N', 3]), ints(-1, 0)]))).toEqual([1, 'N', 3, 1]);
    expect(shapeOf(infer('Unsqueeze', [x(['N', 3]), dynamicInts(2)]))).toEqual(['?', '?', '?', '?']);
  });

  it('Concat sums known dims and takes a number over a symbol elsewhere', () => {
    expect(shapeOf(infer('Concat', [x(['N', 3]), x([2, 5])], { axis: 1 }))).toEqual([2, 8]);
    expect(shapeOf(infer('Concat', [x(['N', 3]), x(['M', 3])], { axis: 0 }))).toEqual(['?', 3]);
    expect(shapeOf(infer('Concat', [x(['N', 3]), x([2, 'C'])], { axis: 0 }))).toEqual(['?', 3]);
    expect(shapeOf(infer('Concat', [x(undefined), x([2, 5])], { axis: 0 }))).toEqual(['?', '?']);
  });

  it('Split knows its outputs from num_outputs or split', () => {
    const parts = infer('Split', [x(['N', 10])], { axis: 1, num_outputs: 3 });
    expect(parts.map((t) => t.shape)).toEqual([
      ['N', 4],
      ['N', 4],
      ['N', 2],
    ]);
    expect(infer('Split', [x([4]), ints(1, 3)]).map((t) => t.shape)).toEqual([[1], [3]]);
    expect(infer('Split', [x([4]), dynamicInts(2)]).map((t) => t.shape)).toEqual([['?'], ['?']]);
    expect(() => infer('Split', [x([4])])).toThrow(/num_outputs/);
  });

  it('Slice keeps unsliced axes when starts are dynamic', () => {
    expect(shapeOf(infer('Slice', [x(['N', 8]), ints(2), ints(-1), ints(1)]))).toEqual(['N', 5]);
    expect(shapeOf(infer('Slice', [x(['N', 8]), dynamicInts(1), dynamicInts(1), ints(1)]))).toEqual(['N', '?']);
    expect(shapeOf(infer('Slice', [x(['N', 8]), ints(0), ints(1)]))).toEqual(['?', 8]);
  });

  it('Gather splices index dims into data dims', () => {
    expect(shapeOf(infer('Gather', [x(['V', 16]), x(['B', 'S'], 'int64')]))).toEqual(['B', 'S', 16]);
    expect(() => infer('Gather', [x([3]), x([1], 'float32')])).toThrow(/indices cannot be float32/);
  });

  it('Pad adds pads to known dims', () => {
    expect(shapeOf(infer('Pad', [x(['N', 3, 4, 4]), ints(0, 0, 1, 1, 0, 0, 1, 1)]))).toEqual(['N', 3, 6, 6]);
    expect(shapeOf(infer('Pad', [x(['N', 3, 4, 4]), dynamicInts(4), undefined, ints(2, 3)]))).toEqual(['N', 3, '?', '?']);
    expect(shapeOf(infer('Pad', [x([2, 2]), dynamicInts(4)]))).toEqual(['?', '?']);
  });

  it('Shape and ConstantOfShape', () => {
    expect(infer('Shape', [x(['N', 3, 4])], { start: 1 })[0]).toEqual({ dtype: 'int64', shape: [2] });
    expect(infer('Shape', [x(undefined)])[0]).toEqual({ dtype: 'int64', shape: ['?'] });
    expect(infer('ConstantOfShape', [ints(2, 5)])[0]).toEqual({ dtype: 'float32', shape: [2, 5] });
    expect(infer('ConstantOfShape', [dynamicInts(3)], { value: Tensor.from('int64', [1], [1]) })[0]).toEqual({
      dtype: 'int64',
      shape: ['?', '?', '?'],
    });
  });
});

describe('shape helpers', () => {
  it('splitSizes follows the opset-18 remainder rule', () => {
    expect(splitSizes(7, 3, undefined)).toEqual([3, 3, 1]);
    expect(splitSizes(4, 3, undefined)).toEqual([2, 2, 0]);
    expect(splitSizes(6, 3, undefined)).toEqual([2, 2, 2]);
    expect(splitSizes(2, 3, undefined)).toEqual([1, 1, 0]);
    expect(() => splitSizes(5, 4, undefined)).toThrow(/cannot be split/);
  });

  it('resolveSlice clamps like numpy', () => {
    expect(resolveSlice(5, { axis: 0, start: -100, end: 100, step: 1 })).toEqual({ axis: 0, start: 0, step: 1, count: 5 });
    expect(resolveSlice(5, { axis: 0, start: 100, end: -100, step: -1 })).toEqual({ axis: 0, start: 4, step: -1, count: 5 });
    expect(resolveSlice(5, { axis: 0, start: 1, end: 4, step: 2 })).toEqual({ axis: 0, start: 1, step: 2, count: 2 });
    expect(resolveSlice(5, { axis: 0, start: 3, end: 1, step: 1 }).count).toBe(0);
    expect(resolveSlice(0, { axis: 0, start: 0, end: -1, step: -1 }).count).toBe(0);
  });
});
