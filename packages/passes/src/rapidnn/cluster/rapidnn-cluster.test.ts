import { describe, expect, it } from 'vitest';
import { runGraph, type RunOptions } from '@pimc/executor';
import { importModel } from '@pimc/frontend-onnx';
import { onnxOps, PassManager, printModel, Tensor, type Model, type Node, type PassRecord } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { buildOnnxModel, type TestModel } from '@pimc/testing';
import { rapidnnCluster, rapidnnClusterWith, type ClusterCalibration } from './index.js';

/*
 * rapidnn-cluster against the definitions of algorithms.md §2.2: the worked example of §2.4,
 * exactness when k covers every distinct value, the invariants (ascending codebooks, at most k
 * values per unit, "replace w by cW[iW] and x by cU[iU(x)], then compute exactly"), zero forcing,
 * per-output-channel weights and determinism.
 */

function cluster(
  model: Model,
  calibration: ClusterCalibration | undefined,
  options: Record<string, string | number> = {},
  seed = 0,
): { model: Model; record: PassRecord; log: string[] } {
  const log: string[] = [];
  const text = Object.entries(options).map(([k, v]) => `${k}=${v}`);
  const pipeline = text.length === 0 ? 'rapidnn-cluster' : `rapidnn-cluster{${text.join(',')}}`;
  const manager = new PassManager([rapidnnClusterWith(calibration)], onnxOps);
  const result = manager.run(model, pipeline, { seed, verifyEach: true, log: (m) => log.push(m) });
  return { model: result.model, record: result.records[0]!, log };
}

const nodesOf = (model: Model, op: string): Node[] => model.graph.nodes.filter((n) => n.op === op);
const centroidsOf = (node: Node): number[] => [...(node.attrs['centroids'] as readonly number[])];
const weightOf = (model: Model, op: string, index = 1): Tensor => nodesOf(model, op)[0]!.inputs[index]!.constant!;
const runModel = (model: Model, feeds: Map<string, Tensor>, options: RunOptions = {}) => [
  ...runGraph(model.graph, feeds, options).outputs.values(),
];
const output = (model: Model, feeds: Map<string, Tensor>): number[] => runModel(model, feeds)[0]!.toNumbers();

/** One neuron y = x · w (Gemm with B [1, K] transposed), as in algorithms.md §2.4. */
function neuron(w: readonly number[]): Model {
  const m: TestModel = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', w.length] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], outputs: ['y'], attrs: { transB: 1 } }],
    initializers: { W: Tensor.from('float32', [1, w.length], w) },
  };
  return importModel(buildOnnxModel(m));
}

function nearest(x: number, sorted: readonly number[]): number {
  let best = 0;
  for (let j = 1; j < sorted.length; j++) if (Math.abs(x - sorted[j]!) < Math.abs(x - sorted[best]!)) best = j;
  return sorted[best]!;
}

const distinctSorted = (values: Iterable<number>) => [...new Set(values)].sort((a, b) => a - b);

describe('rapidnn-cluster: the worked example (algorithms.md §2.4)', () => {
  const w = [0.9, -0.4, 0.1, 0.85, -0.35, 0.12];
  const x = [0.2, 0.75, 0.8, 0.1, 0.7, 0.25];
  const feeds = new Map([['x', Tensor.from('float32', [1, 6], x)]]);
  const calibration = new Map([['x', Float32Array.from(x)]]);

  it.each(['lloyd', 'optimal'])('reproduces cW, cU and the −0.1390 dot product (%s)', (method) => {
    const float = neuron(w);
    expect(output(float, feeds)[0]).toBeCloseTo(-0.17, 6);
    const { model, record } = cluster(float, calibration, { kW: 3, kU: 2, method });
    const clusteredW = weightOf(model, 'Gemm').toNumbers();
    [0.875, -0.375, 0.11, 0.875, -0.375, 0.11].forEach((v, i) => expect(clusteredW[i]).toBeCloseTo(v, 6));
    const [pim] = nodesOf(model, 'PimCluster');
    expect(pim!.inputs[0]!.name).toBe('x');
    const cU = centroidsOf(pim!);
    expect(cU).toHaveLength(2);
    expect(cU[0]).toBeCloseTo(0.18333, 4);
    expect(cU[1]).toBeCloseTo(0.75, 6);
    expect(output(model, feeds)[0]).toBeCloseTo(-0.139, 4);
    expect(record.statistics).toMatchObject({
      layersClustered: 1,
      weightsClustered: 6,
      inputsClustered: 1,
      zeroCentroidsForced: 0,
    });
    // SSE of the example: 2·0.025² + 2·0.025² + 2·0.01² = 0.0027.
    expect(record.statistics['weightSseMicro']).toBeCloseTo(2700, -1);
  });
});

/** Conv(3×3) → Relu → MaxPool → Flatten → Gemm, weights and inputs drawn from small value sets. */
function smallNet(rng: Rng, levels: readonly number[]): { model: Model; feeds: Map<string, Tensor> } {
  const pick = (n: number) => Array.from({ length: n }, () => levels[rng.int(0, levels.length - 1)]!);
  const m: TestModel = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 6, 6] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Flatten', inputs: ['p1'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'W2', 'B2'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    initializers: {
      W1: Tensor.from('float32', [3, 2, 3, 3], pick(54)),
      B1: Tensor.from('float32', [3], [0.5, -0.25, 0]),
      W2: Tensor.from('float32', [4, 27], pick(108)),
      B2: Tensor.from('float32', [4], [0, 1, 2, 3]),
    },
  };
  const feeds = new Map([['x', Tensor.from('float32', [2, 2, 6, 6], pick(144))]]);
  return { model: importModel(buildOnnxModel(m)), feeds };
}

/** Every value of every node result of a model run, by value name (the calibration the driver would capture). */
function captureAll(model: Model, feeds: Map<string, Tensor>): Map<string, Float32Array> {
  const captured = new Map<string, Float32Array>();
  for (const [name, t] of feeds) captured.set(name, t.data as Float32Array);
  runModel(model, feeds, {
    onNode: (node, outputs) => node.outputs.forEach((v, i) => captured.set(v.name, outputs[i]!.data as Float32Array)),
  });
  return captured;
}

describe('rapidnn-cluster: exactness and invariants', () => {
  it('leaves the model exact when k covers every distinct weight and calibration value', () => {
    const { model: float, feeds } = smallNet(new Rng(1), [-1, -0.5, 0.25, 0.75, 1.5]);
    const { model, record } = cluster(float, captureAll(float, feeds), { kW: 256, kU: 256 });
    expect(record.statistics['layersClustered']).toBe(2);
    expect(record.statistics['inputsClustered']).toBe(2);
    expect(record.statistics['weightSseMicro']).toBe(0);
    expect(weightOf(model, 'Conv').toNumbers()).toEqual(weightOf(float, 'Conv').toNumbers());
    expect(weightOf(model, 'Gemm').toNumbers()).toEqual(weightOf(float, 'Gemm').toNumbers());
    expect(output(model, feeds)).toEqual(output(float, feeds));
  });

  it('equals "w → cW[iW], x → cU[iU(x)], then compute exactly" with ascending codebooks of at most k values', () => {
    const rng = new Rng(2);
    const [K, M, N] = [40, 5, 30];
    const weights = rng.float32Array(M * K, -1, 1);
    const m: TestModel = {
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', K] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
      initializers: { W: Tensor.from('float32', [K, M], weights) },
    };
    const float = importModel(buildOnnxModel(m));
    const xs = Float32Array.from({ length: N * K }, () => rng.normal());
    const feeds = new Map([['x', new Tensor('float32', [N, K], xs)]]);
    const [kW, kU] = [7, 5];
    const { model } = cluster(float, new Map([['x', xs]]), { kW, kU });

    const cW = distinctSorted(weightOf(model, 'MatMul').toNumbers());
    const cU = centroidsOf(nodesOf(model, 'PimCluster')[0]!);
    for (const codebook of [cW, cU]) {
      expect(codebook.every((c, j) => j === 0 || codebook[j - 1]! < c)).toBe(true);
    }
    expect(cW.length).toBeLessThanOrEqual(kW);
    expect(cU).toHaveLength(kU);
    // Each weight is its nearest cluster value: index iW < kW into the ascending cW.
    const iW = Array.from(weights, (v) => cW.indexOf(nearest(v, cW)));
    expect(iW.every((i) => i >= 0 && i < kW)).toBe(true);
    expect(weightOf(model, 'MatMul').toNumbers()).toEqual(iW.map((i) => cW[i]!));

    const actual = output(model, feeds);
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < M; j++) {
        let exact = 0;
        for (let k = 0; k < K; k++) exact += nearest(xs[n * K + k]!, cU) * cW[iW[k * M + j]!]!;
        expect(actual[n * M + j]).toBeCloseTo(exact, 5);
      }
    }
  });

  it('shares one PimCluster among the consumers of a value and keeps graph outputs float', () => {
    const rng = new Rng(4);
    const m: TestModel = {
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 8] }],
      outputs: [
        { name: 'y', dtype: 'float32' },
        { name: 'z', dtype: 'float32' },
        { name: 'x2', dtype: 'float32' },
      ],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['x2'] },
        { op: 'Gemm', inputs: ['x2', 'A'], outputs: ['y'], attrs: { transB: 1 } },
        { op: 'MatMul', inputs: ['x2', 'B'], outputs: ['z'] },
      ],
      initializers: {
        A: new Tensor('float32', [3, 8], rng.float32Array(24)),
        B: new Tensor('float32', [8, 3], rng.float32Array(24)),
      },
    };
    const float = importModel(buildOnnxModel(m));
    const { model, record } = cluster(float, new Map([['x2', rng.float32Array(400, 0, 1)]]), { kW: 4, kU: 4 });
    const [pim] = nodesOf(model, 'PimCluster');
    expect(record.statistics['inputsClustered']).toBe(1);
    expect(nodesOf(model, 'Gemm')[0]!.inputs[0]).toBe(pim!.outputs[0]);
    expect(nodesOf(model, 'MatMul')[0]!.inputs[0]).toBe(pim!.outputs[0]);
    expect(model.graph.outputs.map((v) => v.name)).toEqual(['y', 'z', 'x2']);
    expect(model.graph.outputs[2]).toBe(nodesOf(model, 'Relu')[0]!.outputs[0]);
  });

  it('is deterministic for a seed', () => {
    const { model: float, feeds } = smallNet(
      new Rng(3),
      Array.from({ length: 40 }, (_, i) => (i - 20) / 16),
    );
    const calibration = captureAll(float, feeds);
    const a = cluster(float, calibration, { kW: 6, kU: 5 }, 7);
    const b = cluster(float, calibration, { kW: 6, kU: 5 }, 7);
    expect(printModel(b.model)).toEqual(printModel(a.model));
    expect(weightOf(b.model, 'Gemm').toNumbers()).toEqual(weightOf(a.model, 'Gemm').toNumbers());
    expect(b.record.statistics).toEqual(a.record.statistics);
  });
});

describe('rapidnn-cluster: options', () => {
  it('forces an exact 0 input centroid when more than zeroFraction of the calibration values are 0', () => {
    const rng = new Rng(5);
    const samples = Float32Array.from({ length: 5000 }, (_, i) => (i % 50 === 0 ? 0 : rng.uniform(-1, 1)));
    const float = neuron([0.5, -0.25, 1]);
    const calibration = new Map([['x', samples]]);
    const forced = cluster(float, calibration, { kU: 4 });
    expect(centroidsOf(nodesOf(forced.model, 'PimCluster')[0]!)).toContain(0);
    expect(forced.record.statistics['zeroCentroidsForced']).toBe(1);
    const free = cluster(float, calibration, { kU: 4, zeroFraction: 0.05 });
    expect(centroidsOf(nodesOf(free.model, 'PimCluster')[0]!)).not.toContain(0);
    expect(free.record.statistics['zeroCentroidsForced']).toBe(0);
    const optimal = cluster(float, calibration, { kU: 4, method: 'optimal' });
    expect(centroidsOf(nodesOf(optimal.model, 'PimCluster')[0]!)).toContain(0);
  });

  /** The distinct values of each slice of `t` along `axis`. */
  function distinctPerUnit(t: Tensor, axis: number): number[] {
    const units = t.shape[axis]!;
    const inner = t.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
    const sets = Array.from({ length: units }, () => new Set<number>());
    t.toNumbers().forEach((v, i) => sets[Math.floor(i / inner) % units]!.add(v));
    return sets.map((s) => s.size);
  }

  it.each([
    ['Conv W [M, C, R, S]', 'Conv', [4, 3, 2, 2], 0, {}],
    ['Gemm B [N, K] (transB)', 'Gemm', [4, 12], 0, { transB: 1 }],
    ['Gemm B [K, N]', 'Gemm', [12, 4], 1, {}],
    ['MatMul B [K, N]', 'MatMul', [12, 4], 1, {}],
  ] as const)('clusters per output channel: %s', (_what, op, shape, axis, attrs) => {
    const rng = new Rng(6);
    const size = shape.reduce((p, d) => p * d, 1);
    const xShape = op === 'Conv' ? [1, 3, 4, 4] : [1, 12];
    const m: TestModel = {
      inputs: [{ name: 'x', dtype: 'float32', shape: xShape }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      nodes: [{ op, inputs: ['x', 'W'], outputs: ['y'], attrs }],
      initializers: { W: new Tensor('float32', [...shape], rng.float32Array(size)) },
    };
    const float = importModel(buildOnnxModel(m));
    const calibration = new Map([['x', rng.float32Array(100)]]);
    const perChannel = weightOf(cluster(float, calibration, { kW: 2, wGranularity: 'outChannel' }).model, op);
    const counts = distinctPerUnit(perChannel, axis);
    expect(counts).toHaveLength(4);
    expect(counts.every((c) => c === 2)).toBe(true);
    const perLayer = weightOf(cluster(float, calibration, { kW: 2 }).model, op);
    expect(new Set(perLayer.toNumbers()).size).toBe(2);
  });

  it('refuses option values outside their range', () => {
    const float = neuron([1, 2]);
    const calibration = new Map([['x', Float32Array.from([0, 1])]]);
    const bads: Record<string, string | number>[] = [
      { kW: 0 },
      { kU: 257 },
      { wGranularity: 'row' },
      { method: 'em' },
      { zeroFraction: 2 },
    ];
    for (const bad of bads) {
      expect(() => cluster(float, calibration, bad)).toThrow(expect.objectContaining({ code: 'pipeline' }) as Error);
    }
  });

  it('without calibration fails naming the first layer input it lacks', () => {
    const manager = new PassManager([rapidnnCluster], onnxOps);
    let error: unknown;
    try {
      manager.run(neuron([1, 2]), 'rapidnn-cluster');
    } catch (e) {
      error = e;
    }
    expect(isPimcError(error, 'pass')).toBe(true);
    expect((error as Error).message).toContain("'x'");
    expect(() => cluster(neuron([1, 2]), new Map([['y', Float32Array.from([1])]]))).toThrow(/'x'/);
  });
});
