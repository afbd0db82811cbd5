import type { CamTable, Instruction, LutMvm, TensorDesc } from '@pimc/isa';
import { Rng } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { costReport } from '../cost-report.js';
import { prepareProgram } from '../run-program.js';
import type { SimTensor } from '../sim-tensor.js';
import {
  codebookOf,
  convGeometry,
  programOf,
  referenceAccumulators,
  referenceCamSearch,
  type LutLayerSpec,
} from './rapidnn.testing.js';

/*
 * A whole RAPIDNN network: the f32 input CAM-encoded, a conv lut-mvm with its activation CAM on
 * blocks of two tiles, index max pooling, a fully connected lut-mvm to f32 logits, a softmax, and
 * the pooled indices decoded. Checked stage by stage against the plain definitions.
 */

const rng = new Rng(77);
const inputCam: CamTable = {
  keys: Int32Array.from([-200, -50, 0, 40, 300]),
  values: Uint8Array.from([0, 1, 2, 3, 4]),
  keyBits: 16,
  camBits: 10,
};
const hiddenCam: CamTable = {
  keys: Int32Array.from([-1000, 0, 500, 2000]),
  values: Uint8Array.from([0, 0, 1, 2]),
  keyBits: 16,
  camBits: 12,
};

const convSpec: LutLayerSpec = {
  geometry: convGeometry([2, 6, 6], 4, [3, 3], { pads: [1, 1, 1, 1] }),
  kW: 6,
  kU: 5,
  weightIndices: Uint8Array.from({ length: 4 * 18 }, () => rng.int(0, 5)),
  lut: Int32Array.from({ length: 4 * 30 }, () => rng.int(-3000, 3000)),
  bias: Int32Array.from([10, -20, 30, 0]),
  activation: { keyShift: 3, cam: hiddenCam },
};
const fcSpec: LutLayerSpec = {
  geometry: convGeometry([36, 1, 1], 3, [1, 1]),
  kW: 4,
  kU: 3,
  weightIndices: Uint8Array.from({ length: 3 * 36 }, () => rng.int(0, 3)),
  lut: Int32Array.from({ length: 12 }, () => rng.int(-500, 500)),
  lutScale: 0.01,
  bias: Int32Array.from([1, 2, 3]),
};

function layer(spec: LutLayerSpec, name: string, input: number, output: number, blocks: LutMvm['blocks']): LutMvm {
  return {
    op: 'lut-mvm',
    name,
    input,
    output,
    geometry: spec.geometry,
    weightIndices: spec.weightIndices,
    kW: spec.kW,
    kU: spec.kU,
    lut: spec.lut,
    lutBits: 16,
    lutScale: spec.lutScale ?? 1,
    bias: spec.bias!,
    ...(spec.activation === undefined ? {} : { activation: spec.activation }),
    blocks,
  };
}

function network(batch: number) {
  const hidden = Float32Array.from([0, 0.5, 2]);
  const tensors: TensorDesc[] = [
    { id: 0, name: 'x', type: 'f32', shape: [batch, 2, 6, 6] },
    { id: 1, name: 'x_idx', type: 'u8', shape: [batch, 2, 6, 6], codebook: codebookOf(5) },
    { id: 2, name: 'conv', type: 'u8', shape: [batch, 4, 6, 6], codebook: hidden },
    { id: 3, name: 'pool', type: 'u8', shape: [batch, 4, 3, 3], codebook: hidden },
    { id: 4, name: 'flat', type: 'u8', shape: [batch, 36], codebook: hidden },
    { id: 5, name: 'logits', type: 'f32', shape: [batch, 3] },
    { id: 6, name: 'probs', type: 'f32', shape: [batch, 3] },
    { id: 7, name: 'pooled', type: 'f32', shape: [batch, 4, 3, 3] },
  ];
  const instructions: Instruction[] = [
    { op: 'cam-encode', name: 'encode', input: 0, output: 1, keyScale: 0.01, cam: inputCam },
    layer(convSpec, 'conv', 1, 2, [
      { tile: 0, block: 0 },
      { tile: 0, block: 1 },
      { tile: 5, block: 0 },
    ]),
    {
      op: 'digital',
      name: 'pool',
      kind: 'maxpool',
      inputs: [2],
      outputs: [3],
      attrs: { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] },
    },
    { op: 'digital', name: 'flat', kind: 'reshape', inputs: [3], outputs: [4], attrs: {} },
    layer(fcSpec, 'fc', 4, 5, [{ tile: 0, block: 2 }]),
    { op: 'digital', name: 'softmax', kind: 'softmax', inputs: [5], outputs: [6], attrs: { axis: -1 } },
    { op: 'digital', name: 'decode', kind: 'decode', inputs: [3], outputs: [7], attrs: {} },
  ];
  return programOf(tensors, instructions, [0], [1, 2, 3, 5, 6, 7]);
}

function input(batch: number): SimTensor {
  return { type: 'f32', shape: [batch, 2, 6, 6], data: Float32Array.from({ length: batch * 72 }, () => rng.normal() * 2) };
}

function ints(t: SimTensor | undefined): number[] {
  return Array.from(t!.data);
}

describe('a RAPIDNN network, stage by stage', () => {
  const batch = 2;
  const program = network(batch);
  const sim = prepareProgram(program);
  const x = input(batch);
  const run = sim.run(new Map([['x', x]]));

  it('encodes, computes, pools, decodes and classifies exactly as the definitions say', () => {
    const roundHalfEven = (t: number) => {
      const r = Math.round(t);
      return r - t === 0.5 && r % 2 !== 0 ? r - 1 : r;
    };
    const encoded = Array.from(x.data as Float32Array, (v) => referenceCamSearch(inputCam, roundHalfEven(v / 0.01)));
    expect(ints(run.outputs.get('x_idx'))).toEqual(encoded);

    const convAcc = referenceAccumulators({ ...convSpec, batch }, Uint8Array.from(encoded));
    const conv = convAcc.map((a) => referenceCamSearch(hiddenCam, Math.floor((a + 4) / 8)));
    expect(ints(run.outputs.get('conv'))).toEqual(conv);

    const pool: number[] = [];
    for (let plane = 0; plane < batch * 4; plane++) {
      for (let py = 0; py < 3; py++) {
        for (let px = 0; px < 3; px++) {
          const at = (dy: number, dx: number) => conv[plane * 36 + (2 * py + dy) * 6 + 2 * px + dx]!;
          pool.push(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
        }
      }
    }
    expect(ints(run.outputs.get('pool'))).toEqual(pool);
    expect(ints(run.outputs.get('pooled'))).toEqual(pool.map((i) => [0, 0.5, 2][i]));

    const logits = referenceAccumulators({ ...fcSpec, batch }, Uint8Array.from(pool)).map((a) => Math.fround(a * 0.01));
    expect(ints(run.outputs.get('logits'))).toEqual(logits);
    const probs = ints(run.outputs.get('probs'));
    expect(probs[0]! + probs[1]! + probs[2]!).toBeCloseTo(1, 6);
  });

  it('runs any batch: a batch of two equals two runs of one image', () => {
    const one = (i: number) =>
      sim.run(
        new Map([
          ['x', { type: 'f32' as const, shape: [1, 2, 6, 6], data: (x.data as Float32Array).slice(i * 72, (i + 1) * 72) }],
        ]),
      );
    const [a, b] = [one(0), one(1)];
    expect([...ints(a.outputs.get('logits')), ...ints(b.outputs.get('logits'))]).toEqual(ints(run.outputs.get('logits')));
    expect(a.events.lutReads! + b.events.lutReads!).toBe(run.events.lutReads);
  });

  it('counts per instruction: CAM searches, LUT reads, in-memory adds, NoC traffic between tiles', () => {
    const byName = new Map(run.perInstruction.map((r) => [r.name, r]));
    expect(byName.get('encode')!.op).toBe('cam-encode');
    expect(byName.get('encode')!.events.camSearches).toEqual({ '5x10': batch * 72 });
    const conv = byName.get('conv')!;
    expect(conv.op).toBe('lut-mvm');
    // 2 channels × (taps inside a 3×3 window of a 6×6 plane: Σ rows × Σ columns = 16 × 16) per output channel.
    expect(conv.events.lutReads).toBe(batch * 4 * 2 * 16 * 16);
    expect(conv.events.inMemAdds).toEqual({ [16 + 5]: batch * 4 * 2 * 16 * 16 });
    expect(conv.events.camSearches).toEqual({ '4x12': batch * 4 * 36 });
    // The input reaches tile 5 and a third of the results come back from it.
    expect(conv.events.nocFlitsHop).toBeGreaterThan(0);
    const fc = byName.get('fc')!;
    expect(fc.events.lutReads).toBe(batch * 3 * 36);
    expect(fc.events.digitalMACs).toEqual({ 32: batch * 3 });
    expect(fc.events.camSearches).toBeUndefined();
    expect(byName.get('decode')!.events.lutReads).toBe(batch * 36);
  });

  it('prices the run; lut-mvm latency spreads the neurons over the blocks', () => {
    const report = costReport(program, run);
    const conv = report.perInstruction[1]!;
    const fc = report.perInstruction[4]!;
    // conv: 2·4·36 neurons on 3 blocks; fc: 2·3 neurons on 1 block (per-neuron times differ with K).
    expect(conv.latencyNs).toBeGreaterThan(0);
    expect(fc.latencyNs).toBeGreaterThan(0);
    expect(report.energyPJ.byComponent.cam).toBeGreaterThan(0);
    expect(report.placeholders).toContain('camSearchEnergyPerEntryBit');
    expect(report.chip).toBe('rapidnn');
  });
});
