import { describe, expect, it } from 'vitest';
import { importModel, runModel, runPipeline } from '@pimc/driver';
import { Tensor, type Model } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel } from '@pimc/testing';

const rng = new Rng(5);

function sumModel(operands: number, outputIsSum = true): Model {
  const names = Array.from({ length: operands }, (_, i) => `x${i}`);
  return importModel(
    buildOnnxModel({
      inputs: names.map((name, i) => ({ name, dtype: 'float32', shape: i === 1 ? [3, 1] : [2, 3, 4] })),
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [
        { op: 'Sum', name: 'sum', inputs: names, outputs: [outputIsSum ? 'y' : 's'] },
        ...(outputIsSum ? [] : [{ op: 'Relu', inputs: ['s'], outputs: ['y'] }]),
      ],
    }),
  );
}

function feeds(model: Model): Map<string, Tensor> {
  return new Map(
    model.graph.inputs.map((v) => {
      const shape = v.type.shape as number[];
      return [v.name, Tensor.from('float32', shape, rng.float32Array(shape.reduce((a, b) => a * b, 1)))];
    }),
  );
}

describe('sum-to-add', () => {
  it('rewrites a two-operand Sum as one Add with the same result, broadcasting included', () => {
    const model = sumModel(2);
    const { model: after, records } = runPipeline(model, 'sum-to-add', { verifyEach: true });
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Add']);
    expect(after.graph.nodes[0]!.name).toBe('sum');
    expect(after.graph.outputs.map((v) => v.name)).toEqual(['y']);
    expect(records[0]!.statistics).toEqual({ rewritten: 1 });
    const f = feeds(model);
    // Bit for bit: a two-term float32 sum rounds once either way.
    expect(runModel(after, f)[0]!.tensor.data).toEqual(runModel(model, f)[0]!.tensor.data);
  });

  it('rewrites a longer Sum as a left-to-right chain of Adds', () => {
    const model = sumModel(4, false);
    const after = runPipeline(model, 'sum-to-add', { verifyEach: true }).model;
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Add', 'Add', 'Add', 'Relu']);
    const [first, second, third] = after.graph.nodes;
    expect(second!.inputs[0]).toBe(first!.outputs[0]);
    expect(third!.inputs[0]).toBe(second!.outputs[0]);
    expect(third!.outputs[0]!.name).toBe('s');
    const f = feeds(model);
    const expected = runModel(model, f)[0]!.tensor.toNumbers();
    runModel(after, f)[0]!
      .tensor.toNumbers()
      .forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('bypasses a one-operand Sum, unless its result is a graph output', () => {
    const inner = runPipeline(sumModel(1, false), 'sum-to-add', { verifyEach: true }).model;
    expect(inner.graph.nodes.map((n) => n.op)).toEqual(['Relu']);
    const output = runPipeline(sumModel(1), 'sum-to-add', { verifyEach: true });
    expect(output.model.graph.nodes.map((n) => n.op)).toEqual(['Sum']);
    expect(output.records[0]!.statistics).toEqual({ rewritten: 0 });
  });
});
