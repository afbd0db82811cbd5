import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTensors, importModel, loadModel, runModel, runPipeline } from '@pimc/driver';
import { parsePipeline, printModel, printPipeline, Tensor, type Model } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { buildOnnxModel, LIGHT_MODELS_DIR, type TestModel } from '@pimc/testing';

const rng = new Rng(42);
const random = (shape: number[], lo = -1, hi = 1) =>
  Tensor.from(
    'float32',
    shape,
    rng.float32Array(
      shape.reduce((a, b) => a * b, 1),
      lo,
      hi,
    ),
  );

/** Runs raw and transformed models on the same seeded input and compares (differential test). */
function expectSameOutputs(before: Model, after: Model, tolerance = { atol: 1e-5, rtol: 1e-4 }): void {
  const feeds = new Map(
    before.graph.inputs.map((v) => [v.name, random((v.type.shape as number[]).map((d) => (typeof d === 'number' ? d : 2)))]),
  );
  const a = runModel(before, feeds);
  const b = runModel(after, feeds);
  expect(b.map((o) => o.name)).toEqual(a.map((o) => o.name));
  a.forEach((o, i) => expect(compareTensors(b[i]!.tensor, o.tensor, tolerance).reason).toBeUndefined());
}

const convBn: TestModel = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 8, 8] }],
  outputs: [{ name: 'y', dtype: 'float32' }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    {
      op: 'BatchNormalization',
      inputs: ['c', 'scale', 'bias', 'mean', 'var'],
      outputs: ['b'],
      attrs: { epsilon: { float: 1e-3 } },
    },
    { op: 'Relu', inputs: ['b'], outputs: ['y'] },
  ],
  initializers: {
    W: random([4, 3, 3, 3]),
    B: random([4]),
    scale: random([4]),
    bias: random([4]),
    mean: random([4]),
    var: random([4], 0.1, 2),
  },
};

describe('fold-batchnorm', () => {
  it('folds Conv → BatchNormalization exactly (up to rounding) and removes the BatchNorm', () => {
    const model = importModel(buildOnnxModel(convBn));
    const { model: folded, records } = runPipeline(model, 'fold-batchnorm', { verifyEach: true });
    expect(folded.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu']);
    expect(records[0]!.statistics).toEqual({ folded: 1, skipped: 0 });
    expectSameOutputs(model, folded);
  });

  it('folds Gemm → BatchNormalization with and without transB', () => {
    for (const transB of [0, 1]) {
      const model = importModel(
        buildOnnxModel({
          inputs: [{ name: 'x', dtype: 'float32', shape: [5, 6] }],
          outputs: [{ name: 'y', dtype: 'float32' }],
          nodes: [
            { op: 'Gemm', inputs: ['x', 'W', 'C'], outputs: ['g'], attrs: { transB, beta: { float: 0.5 } } },
            { op: 'BatchNormalization', inputs: ['g', 'scale', 'bias', 'mean', 'var'], outputs: ['y'] },
          ],
          initializers: {
            W: random(transB === 1 ? [4, 6] : [6, 4]),
            C: random([4]),
            scale: random([4]),
            bias: random([4]),
            mean: random([4]),
            var: random([4], 0.1, 2),
          },
        }),
      );
      const folded = runPipeline(model, 'fold-batchnorm', { verifyEach: true }).model;
      expect(folded.graph.nodes.map((n) => n.op)).toEqual(['Gemm']);
      expectSameOutputs(model, folded);
    }
  });

  it('leaves a BatchNorm whose input has other readers', () => {
    const shared: TestModel = {
      ...convBn,
      outputs: [...convBn.outputs, { name: 'c', dtype: 'float32' }],
    };
    const model = importModel(buildOnnxModel(shared));
    const { model: after, records } = runPipeline(model, 'fold-batchnorm');
    expect(after).toBe(model);
    expect(records[0]!.statistics).toEqual({ folded: 0, skipped: 1 });
  });
});

describe('fold-constants', () => {
  it('collapses Shape → Gather → Unsqueeze → Concat → Reshape and ConstantOfShape weights', () => {
    const model = importModel(
      buildOnnxModel({
        opset: 13,
        inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3, 4] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [
          { op: 'Shape', inputs: ['x'], outputs: ['s'] },
          { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
          { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
          { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: 0 } },
          { op: 'Reshape', inputs: ['x', 'target'], outputs: ['flat'] },
          { op: 'ConstantOfShape', inputs: ['wshape'], outputs: ['w'], attrs: { value: Tensor.from('float32', [1], [0.5]) } },
          { op: 'MatMul', inputs: ['flat', 'w'], outputs: ['y'] },
        ],
        initializers: {
          zero: Tensor.scalar('int64', 0),
          axes: Tensor.from('int64', [1], [0]),
          minus1: Tensor.from('int64', [1], [-1]),
          wshape: Tensor.from('int64', [2], [12, 5]),
        },
      }),
    );
    const { model: folded, records } = runPipeline(model, 'fold-constants', { verifyEach: true });
    expect(folded.graph.nodes.map((n) => n.op)).toEqual(['Reshape', 'MatMul']);
    expect(folded.graph.nodes[0]!.inputs[1]!.constant!.toNumbers()).toEqual([2, -1]);
    expect(records[0]!.statistics).toEqual({ folded: 4, shapes: 1 });
    expectSameOutputs(model, folded);
  });
});

describe('remove-identities and eliminate-dead-code', () => {
  it('bypasses Identity and Dropout, keeps output names, and drops dead branches', () => {
    const model = importModel(
      buildOnnxModel({
        inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        nodes: [
          { op: 'Identity', inputs: ['x'], outputs: ['a'] },
          { op: 'Dropout', inputs: ['a'], outputs: ['b'] },
          { op: 'Relu', inputs: ['b'], outputs: ['c'] },
          { op: 'Neg', inputs: ['c'], outputs: ['dead'] },
          { op: 'Identity', inputs: ['c'], outputs: ['y'] },
        ],
      }),
    );
    const { model: after, records } = runPipeline(model, 'remove-identities,eliminate-dead-code', { verifyEach: true });
    expect(after.graph.nodes.map((n) => n.op)).toEqual(['Relu', 'Identity']);
    expect(after.graph.outputs.map((v) => v.name)).toEqual(['y']);
    expect(records.map((r) => r.statistics)).toEqual([{ removed: 2 }, { removed: 1 }]);
    expectSameOutputs(model, after);
  });

  it('bypasses a Dropout whose mask only dead nodes read, and keeps one whose mask is an output', () => {
    const dropout = (maskOutput: boolean) =>
      importModel(
        buildOnnxModel({
          inputs: [{ name: 'x', dtype: 'float32', shape: [4] }],
          outputs: [{ name: 'y', dtype: 'float32' }, ...(maskOutput ? [{ name: 'm', dtype: 'float32' as const }] : [])],
          nodes: [
            { op: 'Dropout', inputs: ['x'], outputs: ['d', 'mask'] },
            // Exporters write a Cast of the mask that nothing reads.
            { op: 'Cast', inputs: ['mask'], outputs: ['m'], attrs: { to: 1 } },
            { op: 'Relu', inputs: ['d'], outputs: ['y'] },
          ],
        }),
      );
    const dead = runPipeline(dropout(false), 'remove-identities,eliminate-dead-code', { verifyEach: true }).model;
    expect(dead.graph.nodes.map((n) => n.op)).toEqual(['Relu']);
    const used = runPipeline(dropout(true), 'remove-identities,eliminate-dead-code', { verifyEach: true }).model;
    expect(used.graph.nodes.map((n) => n.op)).toEqual(['Dropout', 'Cast', 'Relu']);
  });
});

describe('pipelines', () => {
  it('parse and print back identically', () => {
    const text = 'fold-constants{maxElements=100},remove-identities,fold-batchnorm';
    expect(printPipeline(parsePipeline(text))).toBe(text);
  });

  it('name unknown passes and options', () => {
    const model = importModel(buildOnnxModel(convBn));
    const fails = (pipeline: string, pattern: RegExp) => {
      try {
        runPipeline(model, pipeline);
      } catch (e) {
        expect(isPimcError(e, 'pipeline')).toBe(true);
        expect((e as Error).message).toMatch(pattern);
        return;
      }
      throw new Error('expected a pipeline error');
    };
    fails('fold-everything', /unknown pass 'fold-everything'/);
    fails('fold-constants{speed=11}', /no option 'speed'/);
    fails('fold-constants{maxElements=lots}', /'lots' is not a valid int/);
  });

  it.each(readdirSync(LIGHT_MODELS_DIR).filter((f) => f.endsWith('.onnx')))(
    'simplify %s with verification after each pass, deterministically',
    (file) => {
      const model = loadModel(join(LIGHT_MODELS_DIR, file));
      const first = runPipeline(model, undefined, { verifyEach: true }).model;
      const second = runPipeline(model, undefined, { verifyEach: true }).model;
      expect(printModel(second)).toBe(printModel(first));
      expect(first.graph.nodes.some((n) => n.op === 'ConstantOfShape')).toBe(false);
    },
  );
});
