import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { runGraph } from '@pimc/executor';
import { Tensor, Value, type Model } from '@pimc/ir';
import type { LutMvm } from '@pimc/isa';
import { runProgram } from '@pimc/sim';
import { toSim } from '../sim-bridge.testing.js';
import { centroids, ClusteredModel } from './clustered-models.testing.js';
import { lowerRapidnn, type RapidnnOptions } from './lower-rapidnn.js';

/*
 * The program on the simulator against the float executor on the clustered model: they agree up to
 * the LUT rounding (a pre-activation within depth · lutScale / 2 of the float one, which moves an
 * index only for values next to a decision boundary) and, with fewer CAM bits or entries, the
 * approximations those knobs choose.
 */

const chip = getPreset('rapidnn');

/** x → enc → Conv 3×3 → Relu → MaxPool → enc2 → Conv 1×1 → Relu → Flatten → enc3 → Gemm, plus the residual-free f32 tail Softmax. */
function network(): { model: Model; x: Tensor } {
  const m = new ClusteredModel(41);
  const x = new Value('x', { dtype: 'float32', shape: ['N', 2, 8, 8] });
  const u = m.cluster(x, centroids(m.rng, 16, -1, 1), 'enc');
  const c1 = m.conv(u, 'conv1', { out: 6, kernel: [3, 3], pads: [1, 1, 1, 1], kW: 16 });
  const p1 = m.builder.add1('MaxPool', [m.builder.add1('Relu', [c1], { name: 'relu1' })], {
    name: 'pool1',
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
  });
  const u2 = m.cluster(p1, centroids(m.rng, 16, 0, 1.5, true), 'enc2');
  const c2 = m.conv(u2, 'conv2', { out: 4, kernel: [1, 1], kW: 8 });
  const r2 = m.builder.add1('Relu', [c2], { name: 'relu2' });
  const f = m.builder.add1('Flatten', [r2], { name: 'flat' });
  const u3 = m.cluster(f, centroids(m.rng, 16, 0, 1, true), 'enc3');
  const y = m.gemm(u3, 'fc', 5, 16);
  const s = m.builder.add1('Softmax', [y], { name: 'softmax', attrs: { axis: 1 } });
  const n = 6;
  const data = Float32Array.from({ length: n * 128 }, () => m.rng.uniform(-1.2, 1.2));
  // The encoded values are outputs too, to compare the indices the two sides choose.
  return { model: m.model([x], [y, s, u, u2, u3]), x: new Tensor('float32', [n, 2, 8, 8], data) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function run(options: RapidnnOptions) {
  const { model, x } = network();
  const expected = runGraph(model.graph, new Map([['x', x]])).outputs;
  const program = lowerRapidnn(model, chip, { batch: x.shape[0], ...options });
  const got = runProgram(program, new Map([['x', toSim(x)]])).outputs;
  return { expected, got, program };
}

describe('RAPIDNN program on the simulator vs the float executor on the clustered model', () => {
  it('agrees up to the LUT rounding with exact CAMs', () => {
    const { expected, got, program } = run({ camBits: 16, activationEntries: 'exact' });
    const data = (m: ReadonlyMap<string, { data: ArrayLike<number> }>, name: string) => m.get(name)!.data as Float32Array;
    // The encodings agree but where a pre-activation within the LUT rounding of a decision boundary flips.
    for (const name of ['enc', 'enc2', 'enc3']) {
      const want = data(expected, name);
      const flips = want.filter((v, i) => v !== data(got, name)[i]).length;
      expect(flips / want.length).toBeLessThan(0.01);
    }
    expect(data(expected, 'enc2')).toEqual(data(got, 'enc2'));
    // On a sample whose fc inputs all agree, a logit is within the LUT rounding
    // (depth + 1) · lutScale / 2 (the products and the bias), of the float one.
    const fc = program.instructions.find((i) => i.name === 'fc') as LutMvm;
    const bound = ((fc.weightIndices.length / 5 + 1) * fc.lutScale) / 2;
    const want = data(expected, 'fc');
    const have = data(got, 'fc');
    let checked = 0;
    for (let s = 0; s < 6; s++) {
      const inputs = (t: Float32Array) => t.subarray(s * 64, (s + 1) * 64);
      if (!inputs(data(expected, 'enc3')).every((v, i) => v === inputs(data(got, 'enc3'))[i])) continue;
      for (let o = s * 5; o < s * 5 + 5; o++) expect(Math.abs(want[o]! - have[o]!)).toBeLessThanOrEqual(bound + 1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    expect(maxAbsDiff(data(expected, 'softmax'), data(got, 'softmax'))).toBeLessThan(0.05);
  });

  it('drifts further with fewer CAM bits and activation entries (the tunable approximation)', () => {
    const exact = run({ camBits: 16, activationEntries: 'exact' });
    const coarse = run({ camBits: 4, activationEntries: 4 });
    const want = exact.expected.get('fc')!.data as Float32Array;
    const errorOf = (r: ReturnType<typeof run>) => {
      const have = r.got.get('fc')!.data as Float32Array;
      return want.reduce((s, v, i) => s + (v - have[i]!) ** 2, 0);
    };
    expect(errorOf(coarse)).toBeGreaterThan(errorOf(exact));
  });
});
