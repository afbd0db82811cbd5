import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, usesOf, Value } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { accRange, productTables } from './product-table.js';
import { readWeightedLayer } from './weighted-layer.js';

const options = { lutBits: 16, lutEntries: 4096, granularity: 'auto' as const };

function gemmLayer(transB: number, alpha: number, beta: number) {
  const b = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: 'float32', shape: [1, 3] });
  const values = [-0.5, 0.25, 0.75];
  // B is [K, N] = [3, 2] (transB 0) or [N, K] = [2, 3] (transB 1).
  const w = Value.ofConstant(
    'B',
    Tensor.from(
      'float32',
      transB ? [2, 3] : [3, 2],
      [0, 1, 2, 2, 1, 0].map((i) => values[i]!),
    ),
  );
  const c = Value.ofConstant('C', Tensor.from('float32', [2], [0.1, -0.2]));
  b.add('Gemm', [x, w, c], { name: 'g', attrs: { transB, alpha, beta } });
  const graph = { name: 'g', inputs: [x], outputs: b.nodes[0]!.outputs, nodes: b.nodes };
  return readWeightedLayer(b.nodes[0]!, { uses: usesOf(graph), graphOutputs: new Set(graph.outputs) });
}

describe('product tables', () => {
  it('folds Gemm’s alpha and beta and reads W [M, K] with or without transB', () => {
    const plain = gemmLayer(0, 2, 3);
    // B [3, 2] row-major [[-0.5, 0.25], [0.75, 0.75], [0.25, -0.5]]: channel n reads column n, times alpha.
    expect([...plain.weights]).toEqual([-1, 1.5, 0.5, 0.5, 1.5, -1]);
    expect([...plain.bias].map((v) => Math.fround(v))).toEqual([Math.fround(0.3), Math.fround(-0.6)]);
    const t = gemmLayer(1, 1, 1);
    expect([...t.weights]).toEqual([-0.5, 0.25, 0.75, 0.75, 0.25, -0.5]);
    const tables = productTables(t, Float32Array.from([-1, 0, 2]), options);
    expect(tables).toMatchObject({ kW: 3, tables: 1 });
    expect([...tables.clusters]).toEqual([-0.5, 0.25, 0.75]);
    expect([...tables.weightIndices]).toEqual([0, 1, 2, 2, 1, 0]);
    expect(tables.lutScale).toBeCloseTo((0.75 * 2) / 32767, 15);
    expect(tables.lut[2 * 3 + 2]).toBe(32767);
    expect(tables.bias[0]! * tables.lutScale).toBeCloseTo(0.1, 4);
  });

  it('bounds the accumulators by the bias and the extreme products of each row', () => {
    const layer = gemmLayer(1, 1, 1);
    const t = productTables(layer, Float32Array.from([-1, 0, 2]), options);
    const range = accRange(t, 3, 3);
    // Channel 0: weights -0.5, 0.25, 0.75 with inputs in [-1, 2] (0 reachable as well).
    const rng = new Rng(2);
    for (let trial = 0; trial < 200; trial++) {
      const iu = [0, 1, 2].map(() => rng.int(0, 2));
      for (let m = 0; m < 2; m++) {
        let acc = t.bias[m]!;
        for (let k = 0; k < 3; k++) acc += t.lut[t.weightIndices[m * 3 + k]! * 3 + iu[k]!]!;
        expect(acc).toBeGreaterThanOrEqual(range.min);
        expect(acc).toBeLessThanOrEqual(range.max);
      }
    }
  });

  it('refuses a table larger than a LUT block', () => {
    const layer = gemmLayer(1, 1, 1);
    expect(() => productTables(layer, Float32Array.from([0, 1]), { ...options, lutEntries: 5 })).toThrow(
      /node 'g' \(Gemm\): its product table needs kW × kU = 3 × 2 = 6 entries; a LUT block holds 5/,
    );
  });
});
