import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs } from '@pimc/ir';
import { isPimcError } from '@pimc/support';
import { runGraph } from '../../run.js';

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

function expectClose(actual: Tensor, expected: readonly number[], digits = 5): void {
  expect(actual.size).toBe(expected.length);
  actual.toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits));
}

describe('BatchNormalization', () => {
  const x = f32([1, 2, 1, 2], [1, 2, 3, 5]);
  const params = [f32([2], [2, 1]), f32([2], [1, 0]), f32([2], [1, 4]), f32([2], [4, 1])];

  it('normalises per channel with the given statistics', () => {
    // Channel 0: (x − 1) / 2 · 2 + 1; channel 1: (x − 4) / 1 · 1 + 0.
    expectClose(run('BatchNormalization', [x, ...params], { epsilon: 0 }), [1, 2, -1, 1]);
  });

  it('uses and updates batch statistics in training mode', () => {
    const [y, mean, variance] = runAll('BatchNormalization', [x, ...params], { epsilon: 0, training_mode: 1, momentum: 0.5 }, 3);
    // Channel 0 batch stats: mean 1.5, var 0.25; channel 1: mean 4, var 1.
    expectClose(y!, [-1, 3, -1, 1]);
    expectClose(mean!, [1.25, 4]);
    expectClose(variance!, [2.125, 1]);
  });

  it('refuses statistics of the wrong length', () => {
    try {
      run('BatchNormalization', [x, f32([3], [1, 1, 1]), ...params.slice(1)]);
      throw new Error('expected an error');
    } catch (e) {
      expect(isPimcError(e, 'shape-mismatch')).toBe(true);
    }
  });
});

describe('LRN', () => {
  it('normalises across neighbouring channels', () => {
    const y = run('LRN', [f32([1, 3, 1, 1], [1, 2, 3])], { size: 3, alpha: 3, beta: 1, bias: 1 });
    expectClose(y, [1 / 6, 2 / 15, 3 / 14]);
    // An even size reaches one channel further up than down.
    const y2 = run('LRN', [f32([1, 3, 1, 1], [1, 2, 3])], { size: 2, alpha: 2, beta: 1, bias: 1 });
    expectClose(y2, [1 / 6, 2 / 14, 3 / 10]);
  });
});

describe('Softmax and LogSoftmax', () => {
  it('normalise along the last axis by default and any other axis when asked', () => {
    const x = f32([2, 2], [0, Math.log(3), 1000, 1000]);
    expectClose(run('Softmax', [x]), [0.25, 0.75, 0.5, 0.5]);
    expectClose(run('LogSoftmax', [x]), [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)]);
    const cols = run('Softmax', [f32([2, 2], [0, 5, Math.log(3), 5])], { axis: 0 });
    expectClose(cols, [0.25, 0.5, 0.75, 0.5]);
    expectClose(run('Softmax', [f32([1, 2, 1], [1, 1])], { axis: -2 }), [0.5, 0.5]);
  });

  it('refuses an axis outside the rank', () => {
    expect(() => run('Softmax', [f32([2], [1, 2])], { axis: 1 })).toThrow(/axis 1 is out of range/);
  });
});

describe('Dropout', () => {
  it('is the identity with an all-true mask at inference', () => {
    const x = f32([3], [1, -2, 3]);
    const [y, mask] = runAll('Dropout', [x, Tensor.scalar('float32', 0.5)], {}, 2);
    expect(y!.toNumbers()).toEqual([1, -2, 3]);
    expect(mask!.dtype).toBe('bool');
    expect(mask!.toNumbers()).toEqual([1, 1, 1]);
    expect(run('Dropout', [x]).toNumbers()).toEqual([1, -2, 3]);
  });

  it('refuses training mode unless the ratio is zero', () => {
    const x = f32([1], [1]);
    const on = Tensor.scalar('bool', 1);
    expect(() => run('Dropout', [x, Tensor.scalar('float32', 0.5), on])).toThrow(/training mode/);
    expect(run('Dropout', [x, Tensor.scalar('float32', 0), on]).toNumbers()).toEqual([1]);
  });
});
