import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs } from '@pimc/ir';
import { runGraph } from '../../run.js';

/** Runs one op on constant operands; `outputs` names that many results (for optional outputs). */
function runAll(op: string, operands: readonly (Tensor | undefined)[], attrs: Attrs = {}, outputs = 1): Tensor[] {
  const builder = new GraphBuilder(onnxOps);
  const inputs = operands.map((t, i) => (t === undefined ? undefined : Value.ofConstant(`in${i}`, t)));
  const names = Array.from({ length: outputs }, (_, i) => `out${i}`);
  const node = builder.add(op, inputs, { name: op, attrs, outputNames: names });
  const graph = { name: 'g', inputs: [], outputs: node.outputs, nodes: builder.nodes };
  const result = runGraph(graph, new Map()).outputs;
  return node.outputs.map((v) => {
    const t = result.get(v.name)!;
    expect(t.shape).toEqual(v.type.shape);
    expect(t.dtype).toBe(v.type.dtype);
    return t;
  });
}
const run = (op: string, operands: readonly (Tensor | undefined)[], attrs: Attrs = {}) => runAll(op, operands, attrs)[0]!;

const f32 = (shape: number[], values: number[]) => Tensor.from('float32', shape, values);
const iota = (shape: number[]) =>
  f32(
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );

describe('MaxPool', () => {
  it('takes window maxima with row- or column-major indices', () => {
    const x = iota([1, 1, 4, 4]);
    const [y, idx] = runAll('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 2);
    expect(y!.toNumbers()).toEqual([5, 7, 13, 15]);
    expect(idx!.dtype).toBe('int64');
    expect(idx!.toNumbers()).toEqual([5, 7, 13, 15]);
    const [, colMajor] = runAll('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 }, 2);
    expect(colMajor!.toNumbers()).toEqual([5, 13, 7, 15]);
  });

  it('offsets indices by image and channel and names the first of equal maxima', () => {
    const x = f32([1, 2, 2, 2], [1, 1, 1, 1, 0, 3, 3, 0]);
    const [y, idx] = runAll('MaxPool', [x], { kernel_shape: [2, 2] }, 2);
    expect(y!.toNumbers()).toEqual([1, 3]);
    expect(idx!.toNumbers()).toEqual([0, 5]);
  });

  it('honours ceil_mode, dilations and padding', () => {
    expect(run('MaxPool', [iota([1, 1, 3, 3])], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }).toNumbers()).toEqual([
      4, 5, 7, 8,
    ]);
    expect(run('MaxPool', [iota([1, 1, 3, 3])], { kernel_shape: [2, 2], strides: [2, 2] }).toNumbers()).toEqual([4]);
    expect(run('MaxPool', [iota([1, 1, 4, 4])], { kernel_shape: [2, 2], dilations: [2, 2] }).toNumbers()).toEqual([
      10, 11, 14, 15,
    ]);
    const neg = f32([1, 1, 1, 3], [-1, -2, -3]);
    expect(run('MaxPool', [neg], { kernel_shape: [1, 2], pads: [0, 1, 0, 1] }).toNumbers()).toEqual([-1, -1, -2, -3]);
    expect(run('MaxPool', [neg], { kernel_shape: [1, 2], auto_pad: 'SAME_LOWER' }).toNumbers()).toEqual([-1, -1, -2]);
  });

  it('pools int8 and uint8 exactly and handles 1-D and 3-D', () => {
    const i8 = run('MaxPool', [Tensor.from('int8', [1, 1, 2, 2], [-5, -3, -8, -128])], { kernel_shape: [2, 2] });
    expect(i8.dtype).toBe('int8');
    expect(i8.toNumbers()).toEqual([-3]);
    expect(
      run('MaxPool', [Tensor.from('uint8', [1, 1, 4], [0, 255, 7, 3])], { kernel_shape: [2], strides: [2] }).toNumbers(),
    ).toEqual([255, 7]);
    expect(run('MaxPool', [iota([1, 1, 2, 2, 2])], { kernel_shape: [2, 2, 2] }).toNumbers()).toEqual([7]);
  });
});

describe('AveragePool', () => {
  it('excludes or includes explicit padding in the divisor', () => {
    const x = iota([1, 1, 3, 3]);
    const attrs = { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] };
    expect(run('AveragePool', [x], attrs).toNumbers()).toEqual([0, 1.5, 4.5, 6]);
    expect(run('AveragePool', [x], { ...attrs, count_include_pad: 1 }).toNumbers()).toEqual([0, 0.75, 2.25, 6]);
  });

  it('never counts the positions ceil_mode adds', () => {
    const x = f32([1, 1, 1, 3], [1, 2, 3]);
    for (const count_include_pad of [0, 1]) {
      expect(
        run('AveragePool', [x], { kernel_shape: [1, 2], strides: [1, 2], ceil_mode: 1, count_include_pad }).toNumbers(),
      ).toEqual([1.5, 3]);
    }
  });

  it('places SAME padding per auto_pad and supports dilations', () => {
    const x = f32([1, 1, 1, 4], [1, 2, 3, 4]);
    expect(run('AveragePool', [x], { kernel_shape: [1, 2], auto_pad: 'SAME_LOWER' }).toNumbers()).toEqual([1, 1.5, 2.5, 3.5]);
    expect(run('AveragePool', [x], { kernel_shape: [1, 2], auto_pad: 'SAME_UPPER' }).toNumbers()).toEqual([1.5, 2.5, 3.5, 4]);
    expect(run('AveragePool', [x], { kernel_shape: [1, 2], dilations: [1, 2] }).toNumbers()).toEqual([2, 3]);
  });
});

describe('global pools', () => {
  it('reduce every spatial position per channel', () => {
    const x = iota([1, 2, 2, 2]);
    const avg = run('GlobalAveragePool', [x]);
    expect(avg.shape).toEqual([1, 2, 1, 1]);
    expect(avg.toNumbers()).toEqual([1.5, 5.5]);
    expect(run('GlobalMaxPool', [x]).toNumbers()).toEqual([3, 7]);
    expect(run('GlobalAveragePool', [iota([2, 1, 3])]).toNumbers()).toEqual([1, 4]);
  });
});

describe('pool shape inference', () => {
  it('keeps symbolic batch and marks symbolic spatial axes unknown', () => {
    const schema = onnxOps.get('MaxPool')!;
    const attrs = {
      auto_pad: 'NOTSET',
      ceil_mode: 0,
      dilations: [],
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
      strides: [2, 2],
      storage_order: 0,
    };
    const [y, idx] = schema.infer([{ dtype: 'float32', shape: ['N', 64, 'H', 112] }], attrs, 2);
    expect(y!.shape).toEqual(['N', 64, '?', 56]);
    expect(idx!.dtype).toBe('int64');
    expect(schema.infer([{ dtype: 'float32', shape: undefined }], attrs, 1)[0]!.shape).toBeUndefined();
  });
});
