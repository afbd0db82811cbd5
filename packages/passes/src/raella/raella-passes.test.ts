import { describe, expect, it } from 'vitest';
import { onnxOps, PassManager, type Model, type Node, type Pass } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { analyzeRaellaLayers } from './analyze-layers.js';
import { sampleLayerVectors } from './calibration-vectors.js';
import { inputBitProbabilities, layerCenters } from './center.js';
import { encodingOf, raellaLayerOf, withLayerAttrs } from './layer-of-node.js';
import { raellaEncode, raellaEncodeWith } from './raella-encode.js';
import { tinyQuantizedModel } from './raella-layers.testing.js';
import { raellaSlice, raellaSliceWith } from './raella-slice.js';
import { raellaSpeculate } from './raella-speculate.js';

function run(model: Model, passes: readonly Pass[], pipeline: string, seed = 0) {
  const manager = new PassManager(passes, onnxOps);
  const log: string[] = [];
  const result = manager.run(model, pipeline, { seed, verifyEach: true, log: (m) => log.push(m) });
  return { ...result, log };
}

function node(model: Model, name: string): Node {
  return model.graph.nodes.find((n) => n.name === name)!;
}

describe('RAELLA passes', () => {
  const { model, calibration } = tinyQuantizedModel(new Rng(1));

  it('raella-encode gives every crossbar layer a center per (channel, row tile) and leaves other nodes alone', () => {
    const { model: out, records } = run(model, [raellaEncode], 'raella-encode{rows=8}');
    expect(records[0]!.statistics).toEqual({ layersEncoded: 2, centers: 6 * 3 + 5 * 5 });
    const conv = encodingOf(node(out, 'conv'));
    expect(conv.centerRows).toBe(8);
    expect(conv.weightCenters).toHaveLength(6 * 3);
    // Without calibration: the fallback p for every row.
    const layer = raellaLayerOf(node(model, 'conv'));
    const expected = layerCenters(layer.weights, 6, 18, {
      mode: 'optimal',
      centerBits: 8,
      rows: 8,
      slicing: [4, 2, 2],
      p: 0.13,
      groups: 2,
    });
    expect(conv.weightCenters).toEqual(Array.from(expected));
    // Other nodes keep their attributes (they are rebuilt only for their new operand).
    expect(out.graph.nodes.map((n) => n.op)).toEqual(model.graph.nodes.map((n) => n.op));
    expect(node(out, 'requantize').attrs).toEqual(node(model, 'requantize').attrs);
  });

  it('raella-encode with calibration uses the per-row bit probabilities of sampled vectors', () => {
    const { model: out } = run(model, [raellaEncodeWith(calibration)], 'raella-encode{rows=16,vectors=10}', 7);
    // The pass samples the conv layer first from the pipeline's generator.
    const rng = new Rng(7);
    const conv = node(model, 'conv');
    const layer = raellaLayerOf(conv);
    const vectors = sampleLayerVectors(conv, layer, calibration.get('conv')!, 10, rng);
    const p = inputBitProbabilities(vectors.codes, vectors.count, layer.groups * layer.depth);
    const expected = layerCenters(layer.weights, 6, 18, {
      mode: 'optimal',
      centerBits: 8,
      rows: 16,
      slicing: [4, 2, 2],
      p,
      groups: 2,
    });
    expect(encodingOf(node(out, 'conv')).weightCenters).toEqual(Array.from(expected));
  });

  it('raella-encode honours centerBits=4 and mode', () => {
    const { model: out } = run(model, [raellaEncode], 'raella-encode{centerBits=4,mode=mean}');
    for (const name of ['conv', 'fc']) {
      const centers = encodingOf(node(out, name)).weightCenters;
      expect(centers.every((c) => c % 16 === 0)).toBe(true);
    }
    expect(() => run(model, [raellaEncode], 'raella-encode{mode=best}')).toThrow(/mode/);
    expect(() => run(model, [raellaEncode], 'raella-encode{centerBits=5}')).toThrow(/centerBits/);
  });

  it('raella-encode evaluates J for the layer’s own weight slicing when it has one', () => {
    const sliced: Model = { ...model, graph: withLayerAttrs(model.graph, () => ({ weight_slices: [2, 3, 3] })) };
    const { model: out } = run(sliced, [raellaEncode], 'raella-encode{rows=8}');
    const layer = raellaLayerOf(node(model, 'fc'));
    const expected = layerCenters(layer.weights, 5, 40, { mode: 'optimal', centerBits: 8, rows: 8, slicing: [2, 3, 3], p: 0.13 });
    expect(encodingOf(node(out, 'fc')).weightCenters).toEqual(Array.from(expected));
  });

  it('raella-slice picks a slicing per layer after raella-encode and keeps the centers', () => {
    const passes = [raellaEncodeWith(calibration), raellaSliceWith(calibration)];
    const { model: out, records, log } = run(model, passes, 'raella-encode{rows=16},raella-slice{rows=16,vectors=64}');
    const stats = records[1]!.statistics;
    expect(stats['layersSliced']).toBe(2);
    for (const name of ['conv', 'fc']) {
      const e = encodingOf(node(out, name));
      expect(e.weightSlices.reduce((a, b) => a + b, 0)).toBe(8);
      expect(e.weightCenters).toEqual(
        encodingOf(node(run(model, passes.slice(0, 1), 'raella-encode{rows=16}').model, name)).weightCenters,
      );
    }
    expect(stats['slicesTotal']).toBe(
      encodingOf(node(out, 'conv')).weightSlices.length + encodingOf(node(out, 'fc')).weightSlices.length,
    );
    expect(log.some((l) => l.includes('raella-slice: conv'))).toBe(true);
    // Deterministic for a seed.
    const again = run(model, passes, 'raella-encode{rows=16},raella-slice{rows=16,vectors=64}');
    expect(encodingOf(node(again.model, 'fc')).weightSlices).toEqual(encodingOf(node(out, 'fc')).weightSlices);
  });

  it('raella-slice without calibration names the layer it cannot simulate', () => {
    try {
      run(model, [raellaSlice], 'raella-slice');
      expect.unreachable();
    } catch (e) {
      expect(isPimcError(e, 'pass')).toBe(true);
      expect((e as Error).message).toContain("'conv'");
    }
  });

  it('raella-speculate marks every crossbar layer and checks its slices', () => {
    const { model: out, records } = run(model, [raellaSpeculate], 'raella-speculate');
    expect(records[0]!.statistics).toEqual({ layersSpeculative: 2 });
    expect(encodingOf(node(out, 'fc')).inputSpeculation).toEqual([4, 2, 2]);
    expect(
      encodingOf(node(run(model, [raellaSpeculate], 'raella-speculate{slices=2-2-4}').model, 'conv')).inputSpeculation,
    ).toEqual([2, 2, 4]);
    expect(() => run(model, [raellaSpeculate], 'raella-speculate{slices=4-4-2}')).toThrow(/adding up to 8/);
    expect(() => run(model, [raellaSpeculate], 'raella-speculate{slices=4;4}')).toThrow(/slice widths/);
  });

  it('analyzeRaellaLayers reports every crossbar layer from its attributes, deterministically', () => {
    const passes = [raellaEncodeWith(calibration), raellaSliceWith(calibration), raellaSpeculate];
    const { model: out } = run(model, passes, 'raella-encode{rows=16},raella-slice{rows=16,vectors=64},raella-speculate');
    const reports = analyzeRaellaLayers(out, calibration, { vectors: 64, seed: 3 });
    expect(reports.map((r) => r.name)).toEqual(['conv', 'fc']);
    for (const r of reports) {
      expect(r.slicingFromAttribute && r.centered && r.speculationFromAttribute).toBe(true);
      expect(r.slicing).toEqual([...encodingOf(node(out, r.name)).weightSlices]);
      expect(r.centerOffset.rows).toBe(16);
      expect(r.speculative.cyclesPerVector).toBe(r.signedInputs ? 22 : 11);
    }
    expect(reports[1]!.signedInputs).toBe(true);
    expect(analyzeRaellaLayers(out, calibration, { vectors: 64, seed: 3 })).toEqual(reports);
    // Without the passes: the chip's default slicing and no centers.
    const plain = analyzeRaellaLayers(model, calibration, { vectors: 16 });
    expect(plain[0]!.slicing).toEqual([4, 4]);
    expect(plain[0]!.centers).toBeUndefined();
  });
});
