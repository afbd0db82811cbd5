import { describe, expect, it } from 'vitest';
import { runGraph } from '@pimc/executor';
import { importModel } from '@pimc/frontend-onnx';
import { Tensor, type Model } from '@pimc/ir';
import { buildOnnxModel, type TestModel } from '@pimc/testing';
import { randomUniformFeeds } from './calibration.js';
import { withRandomWeights } from './synthetic-weights.js';

const constant = (shape: number[], value: number) =>
  new Tensor('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));

/** A structure-only model as the light models are: every parameter the constant 0.02. */
function structureOnly(): Model {
  const channels = 6;
  const m: TestModel = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 12, 12] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', inputs: ['c1', 's1', 'b1', 'm1', 'v1'], outputs: ['n1'] },
      { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['r1', 'W2'], outputs: ['c2'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', inputs: ['c2', 's2', 'b2', 'm2', 'v2'], outputs: ['y'] },
    ],
    initializers: {
      W1: constant([channels, 3, 3, 3], 0.02),
      W2: constant([channels, channels, 3, 3], 0.02),
      ...Object.fromEntries(['s', 'b', 'm', 'v'].flatMap((p) => [1, 2].map((i) => [`${p}${i}`, constant([channels], 0.02)]))),
    },
  };
  return importModel(buildOnnxModel(m));
}

/** Per-channel mean and standard deviation of an NCHW tensor. */
function channelMoments(t: Tensor): { mean: number[]; std: number[] } {
  const [n, c] = [t.shape[0]!, t.shape[1]!];
  const plane = t.size / (n * c);
  const data = t.data as Float32Array;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let [sum, sq] = [0, 0];
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < plane; i++) {
        const x = data[(b * c + ch) * plane + i]!;
        sum += x;
        sq += x * x;
      }
    }
    const mu = sum / (n * plane);
    mean.push(mu);
    std.push(Math.sqrt(sq / (n * plane) - mu * mu));
  }
  return { mean, std };
}

const paramsOf = (model: Model, op: string) =>
  model.graph.nodes.filter((n) => n.op === op).map((n) => n.inputs.slice(1).map((v) => v?.constant?.data as Float32Array));

describe('withRandomWeights', () => {
  const model = structureOnly();
  const feeds = randomUniformFeeds(model, { samples: 8, seed: 3 });

  it('replaces the constant weights by varied ones and keeps the graph', () => {
    const random = withRandomWeights(model, 1, feeds);
    expect(random.graph.nodes.map((n) => n.op)).toEqual(model.graph.nodes.map((n) => n.op));
    for (const [w] of paramsOf(random, 'Conv')) expect(new Set(w).size).toBe(w!.length);
    for (const [scale, bias] of paramsOf(random, 'BatchNormalization')) {
      expect(new Set(scale).size).toBe(scale!.length);
      expect(Math.min(...scale!)).toBeGreaterThan(0);
      expect(new Set(bias).size).toBe(bias!.length);
    }
  });

  it('measures BatchNormalization statistics on the feeds: every BN output is γ·ẑ + β on them', () => {
    const random = withRandomWeights(model, 1, feeds);
    for (const node of random.graph.nodes.filter((n) => n.op === 'BatchNormalization')) {
      expect(node.attrs['training_mode']).toBe(0);
    }
    const y = runGraph(random.graph, feeds[0]!).outputs.get('y')!;
    const { mean, std } = channelMoments(y);
    const [scale, bias] = paramsOf(random, 'BatchNormalization')[1]!;
    mean.forEach((mu, c) => expect(mu).toBeCloseTo(bias![c]!, 3));
    std.forEach((s, c) => expect(s).toBeCloseTo(scale![c]!, 3));
  });

  it('makes ReLU outputs sparse, as a trained network’s are (the constant model’s are dense)', () => {
    const zeros = (m: Model) => {
      const run = runGraph(m.graph, feeds[0]!, { keepIntermediates: true });
      const r1 = [...run.values].find(([v]) => v.name === 'r1')![1].data as Float32Array;
      return r1.filter((x) => x === 0).length / r1.length;
    };
    expect(zeros(model)).toBe(0);
    const share = zeros(withRandomWeights(model, 1, feeds));
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.8);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const weights = (seed: number) => paramsOf(withRandomWeights(model, seed, feeds), 'Conv')[0]![0]!;
    expect(weights(5)).toEqual(weights(5));
    expect(weights(5)).not.toEqual(weights(6));
  });

  it('without feeds, normalizes with mean 0 and variance 1', () => {
    const random = withRandomWeights(model, 1);
    for (const [, , mean, variance] of paramsOf(random, 'BatchNormalization')) {
      expect([...mean!].every((x) => x === 0)).toBe(true);
      expect([...variance!].every((x) => x === 1)).toBe(true);
    }
  });
});
