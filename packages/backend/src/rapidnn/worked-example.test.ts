import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { Value } from '@pimc/ir';
import type { CamEncode, LutMvm } from '@pimc/isa';
import { validateProgram } from '@pimc/isa';
import { activationKey, camLookup, encodeKey, lutAccumulators } from './cam-reference.testing.js';
import { ClusteredModel } from './clustered-models.testing.js';
import { lowerRapidnn } from './lower-rapidnn.js';

/*
 * algorithms.md §2.4: one neuron, K = 6, kW = 3, kU = 2, ReLU. The spec's numbers (cW, cU, iW, iU,
 * the float product table, the lookup sum −0.1390) are checked against the program's fixed-point
 * tables within their rounding.
 */
const cW = [-0.375, 0.11, 0.875].map(Math.fround);
const iW = [2, 0, 1, 2, 0, 1];
const cU = [0.1833, 0.75].map(Math.fround);
const x = [0.2, 0.75, 0.8, 0.1, 0.7, 0.25];
const iU = [0, 1, 1, 0, 1, 0];
const products = [
  [-0.06875, -0.28125],
  [0.02017, 0.0825],
  [0.16042, 0.65625],
];
const next = [0, 0.4, 1.3].map(Math.fround);

function workedExample() {
  const m = new ClusteredModel(1);
  const input = new Value('x', { dtype: 'float32', shape: [1, 6] });
  const u = m.cluster(input, cU, 'encode');
  const w = m.constant(
    [1, 6],
    iW.map((i) => cW[i]!),
  );
  const y = m.builder.add1('Gemm', [u, w], { name: 'neuron', attrs: { transB: 1 } });
  const r = m.builder.add1('Relu', [y], { name: 'relu' });
  const out = m.cluster(r, next, 'next');
  return m.model([input], [out]);
}

describe('RAPIDNN worked example (algorithms.md §2.4)', () => {
  const program = lowerRapidnn(workedExample(), getPreset('rapidnn'));
  const encode = program.instructions[0] as CamEncode;
  const neuron = program.instructions[1] as LutMvm;

  it('lowers to cam-encode → lut-mvm with a fused activation → decode of the output', () => {
    validateProgram(program);
    expect(program.instructions.map((i) => (i.op === 'digital' ? i.kind : i.op))).toEqual(['cam-encode', 'lut-mvm', 'decode']);
    expect(program.tensors[neuron.input]!.codebook).toEqual(Float32Array.from(cU));
    expect(program.tensors[neuron.output]!.codebook).toEqual(Float32Array.from(next));
    expect(program.tensors[program.outputs[0]!]).toMatchObject({ name: 'next', type: 'f32', shape: [1, 1] });
  });

  it('encodes the inputs to the spec’s indices', () => {
    expect(x.map((v) => camLookup(encode.cam, encodeKey(v, encode.keyScale, encode.cam.keyBits)))).toEqual(iU);
  });

  it('recovers cW and iW and builds the product table within half a LUT unit', () => {
    expect(neuron).toMatchObject({ kW: 3, kU: 2, lutBits: 16, geometry: { inShape: [6, 1, 1], outShape: [1, 1, 1] } });
    expect([...neuron.weightIndices]).toEqual(iW);
    expect(neuron.lutScale).toBeCloseTo((0.875 * Math.fround(0.75)) / 32767, 12);
    products.forEach((row, i) =>
      row.forEach((p, j) => {
        // The spec's table is rounded to 5 digits; the exact product is cW·cU.
        expect(Math.abs(neuron.lut[i * 2 + j]! * neuron.lutScale - cW[i]! * cU[j]!)).toBeLessThanOrEqual(neuron.lutScale / 2);
        expect(neuron.lut[i * 2 + j]! * neuron.lutScale).toBeCloseTo(p, 4);
      }),
    );
    expect(Math.max(...neuron.lut.map(Math.abs))).toBe(32767);
    expect([...neuron.bias]).toEqual([0]);
  });

  it('sums the six lookups to the spec’s −0.1390 and maps ReLU(acc) to the zero centroid', () => {
    const [acc] = lutAccumulators(neuron, Uint8Array.from(iU));
    expect(acc! * neuron.lutScale).toBeCloseTo(-0.139, 3);
    expect(Math.abs(acc! * neuron.lutScale - iW.reduce((s, w, k) => s + cW[w]! * cU[iU[k]!]!, 0))).toBeLessThan(
      3 * neuron.lutScale,
    );
    const activation = neuron.activation!;
    expect(camLookup(activation.cam, activationKey(acc!, activation.keyShift, activation.cam.keyBits))).toBe(0);
    // A positive pre-activation reaches the other centroids.
    const top = camLookup(activation.cam, activationKey(Math.round(1.3 / neuron.lutScale), activation.keyShift, 16));
    expect(top).toBe(2);
  });
});
