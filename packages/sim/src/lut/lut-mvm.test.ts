import { constantValue, inMemAddNs } from '@pimc/arch';
import type { CamTable, LutMvm } from '@pimc/isa';
import { isPimcError, Rng } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { costReport } from '../cost-report.js';
import { runProgram } from '../run-program.js';
import {
  codebookOf,
  convGeometry,
  lutProgram,
  rapidnnChip,
  referenceAccumulators,
  referenceCamSearch,
  type LutLayerSpec,
} from './rapidnn.testing.js';

/** Runs a one-layer program; `kernel` 'rows' takes the JavaScript loops, the default the WebAssembly sums. */
function run(spec: LutLayerSpec, x: Uint8Array, kernel: 'auto' | 'rows' = 'auto') {
  const program = lutProgram(spec);
  const result = runProgram(
    program,
    new Map([['x', { type: 'u8', shape: [spec.batch ?? 1, ...spec.geometry.inShape], data: x }]]),
    { kernel },
  );
  return { program, result, y: Array.from(result.outputs.get('y')!.data), events: result.events };
}

function expectProgramError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isPimcError(e, 'invalid-input')).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PimcError');
}

/** The activation's query key: the accumulator shifted right, rounding half up. */
function activationKey(acc: number, shift: number): number {
  return shift === 0 ? acc : Math.floor((acc + 2 ** (shift - 1)) / 2 ** shift);
}

describe('lut-mvm: the worked example of algorithms.md §2.4', () => {
  // One neuron, K = 6, kW = 3, kU = 2: a 6-input fully connected layer (1×1 conv on a 1×1 input).
  const cW = [-0.375, 0.11, 0.875];
  const cU = [0.55 / 3, 0.75];
  const iW = [2, 0, 1, 2, 0, 1];
  const iU = [0, 1, 1, 0, 1, 0];
  const scale = (0.875 * 0.75) / (2 ** 15 - 1);
  const lut = Int32Array.from(cW.flatMap((w) => cU.map((u) => Math.round((w * u) / scale))));
  const spec: LutLayerSpec = {
    geometry: convGeometry([6, 1, 1], 1, [1, 1]),
    kW: 3,
    kU: 2,
    weightIndices: Uint8Array.from(iW),
    lut,
    lutBits: 16,
    lutScale: scale,
  };
  const lookups = iW.reduce((sum, w, k) => sum + lut[w * 2 + iU[k]!]!, 0);

  it('sums the six lookups to −0.1390 (up to the LUT rounding) and writes it as f32', () => {
    const { y } = run(spec, Uint8Array.from(iU));
    expect(y).toEqual([Math.fround(lookups * scale)]);
    expect(Math.abs(y[0]! - -0.139)).toBeLessThan(1e-4);
    // The exact dot product is −0.1700: the clustering error, not the simulator's.
    const exact = [0.9, -0.4, 0.1, 0.85, -0.35, 0.12].reduce((s, w, k) => s + w * [0.2, 0.75, 0.8, 0.1, 0.7, 0.25][k]!, 0);
    expect(exact).toBeCloseTo(-0.17, 10);
  });

  it('ReLU + encode returns the next layer’s zero centroid; 6 LUT reads, 5 + 1 adds, 1 CAM search', () => {
    // Next layer's clusters 0, 0.3, 0.9; the CAM holds f(t) for t = 0, 0.3, 0.9 in keys of 4 LUT units.
    const keyShift = 2;
    const key = (v: number) => Math.round(v / scale / 2 ** keyShift);
    const cam: CamTable = {
      keys: Int32Array.from([0, key(0.3), key(0.9)]),
      values: Uint8Array.from([0, 1, 2]),
      keyBits: 16,
      camBits: 8,
    };
    const { y, events } = run({ ...spec, activation: { keyShift, cam }, outClusters: 3 }, Uint8Array.from(iU));
    expect(lookups).toBeLessThan(0);
    expect(y).toEqual([0]);
    expect(events.lutReads).toBe(6);
    // The adder tree's K − 1 = 5 adds and the bias add, at lutBits + ⌈log2 6⌉ = 19 bits.
    expect(events.inMemAdds).toEqual({ 19: 6 });
    expect(events.camSearches).toEqual({ '3x8': 1 });
    // A positive pre-activation near 0.3 lands on cluster 1.
    const positive = run(
      { ...spec, activation: { keyShift, cam }, outClusters: 3, bias: Int32Array.from([Math.round(0.44 / scale)]) },
      Uint8Array.from(iU),
    );
    expect(positive.y).toEqual([1]);
  });

  it('prices its latency per neuron: K reads, an adder tree of depth ⌈log2 K⌉ plus the bias add, one CAM search', () => {
    const cam: CamTable = { keys: Int32Array.from([0]), values: Uint8Array.from([0]), keyBits: 16, camBits: 16 };
    const { program, result } = run({ ...spec, activation: { keyShift: 0, cam }, outClusters: 1 }, Uint8Array.from(iU));
    const report = costReport(program, result);
    const neuron =
      6 * constantValue(rapidnnChip, 'lutReadNs') +
      (3 + 1) * inMemAddNs(rapidnnChip, 19) +
      constantValue(rapidnnChip, 'camSearchNs');
    expect(report.perInstruction[0]!.latencyNs).toBeCloseTo(neuron, 9);
    expect(report.placeholders).toEqual(
      expect.arrayContaining(['camSearchFixedEnergy', 'inMemAddStepEnergy', 'inMemAddStepNs', 'lutReadEnergy16b', 'lutReadNs']),
    );
    expect(report.energyPJ.byComponent.lut).toBeGreaterThan(0);
    expect(report.energyPJ.byComponent.inMemAdd).toBeGreaterThan(0);
    expect(report.energyPJ.byComponent.cam).toBeGreaterThan(0);
  });
});

describe('lut-mvm: convolution semantics', () => {
  it('skips padding taps: with every entry 1, each output counts its taps inside the input', () => {
    const geometry = convGeometry([2, 3, 3], 1, [3, 3], { pads: [1, 1, 1, 1] });
    const spec: LutLayerSpec = { geometry, kW: 1, kU: 2, weightIndices: new Uint8Array(18), lut: Int32Array.from([1, 1]) };
    const { y, events } = run(
      spec,
      Uint8Array.from({ length: 18 }, (_, i) => i % 2),
    );
    // Corners see 2 channels × 4 taps, edges 2 × 6, the centre 2 × 9.
    expect(y).toEqual([8, 12, 8, 12, 18, 12, 8, 12, 8]);
    expect(events.lutReads).toBe(98);
    expect(events.inMemAdds).toEqual({ 21: 98 });
    expect(events.digitalMACs).toEqual({ 32: 9 });
  });

  it('reads each output channel’s own table when the tables are per channel', () => {
    const spec: LutLayerSpec = {
      geometry: convGeometry([1, 1, 2], 2, [1, 1]),
      kW: 1,
      kU: 2,
      weightIndices: new Uint8Array(2),
      lut: Int32Array.from([10, 20, 100, 200]),
      bias: Int32Array.from([1, -1]),
    };
    expect(run(spec, Uint8Array.from([0, 1])).y).toEqual([11, 21, 99, 199]);
    // One shared table: both channels read [10, 20].
    expect(run({ ...spec, lut: Int32Array.from([10, 20]) }, Uint8Array.from([0, 1])).y).toEqual([11, 21, 9, 19]);
  });

  const rng = new Rng(2025);
  const randomCam = (clusters: number): CamTable => {
    const n = rng.int(1, 64);
    const keys = Array.from({ length: n }, () => rng.int(-32768, 32767)).sort((a, b) => a - b);
    return {
      keys: Int32Array.from(keys),
      values: Uint8Array.from({ length: n }, () => rng.int(0, clusters - 1)),
      keyBits: 16,
      camBits: rng.int(4, 16),
    };
  };
  const layer = (
    geometry: LutLayerSpec['geometry'],
    kW: number,
    kU: number,
    options: { perChannel?: boolean; lutBits?: number; activation?: boolean; batch?: number; blocks?: number },
  ): LutLayerSpec => {
    const [m] = geometry.outShape;
    const depth = (geometry.inShape[0] / geometry.groups) * geometry.kernel[0] * geometry.kernel[1];
    const bits = options.lutBits ?? 16;
    const limit = 2 ** (bits - 1);
    const tables = options.perChannel === true ? m : 1;
    return {
      geometry,
      kW,
      kU,
      weightIndices: Uint8Array.from({ length: m * depth }, () => rng.int(0, kW - 1)),
      lut: Int32Array.from({ length: tables * kW * kU }, () => rng.int(-limit, limit - 1)),
      lutBits: bits,
      lutScale: 0.001,
      bias: Int32Array.from({ length: m }, () => rng.int(-5000, 5000)),
      ...(options.activation === true ? { activation: { keyShift: rng.int(0, 8), cam: randomCam(7) }, outClusters: 7 } : {}),
      batch: options.batch ?? 1,
      blocks: options.blocks ?? 3,
    };
  };
  const cases: [string, LutLayerSpec][] = [
    [
      'strides, dilations, asymmetric pads, batch 2',
      layer(convGeometry([3, 7, 6], 5, [3, 3], { strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2] }), 7, 5, { batch: 2 }),
    ],
    [
      'groups, per-channel tables, 256 input clusters, activation',
      layer(convGeometry([4, 5, 5], 6, [3, 3], { pads: [1, 1, 1, 1], groups: 2 }), 3, 256, {
        perChannel: true,
        activation: true,
      }),
    ],
    [
      'depthwise with activation',
      layer(convGeometry([8, 6, 6], 8, [3, 3], { pads: [1, 1, 1, 1], groups: 8 }), 4, 16, { activation: true }),
    ],
    ['fully connected, 32-bit entries (sums past 2^31)', layer(convGeometry([300, 1, 1], 10, [1, 1]), 64, 64, { lutBits: 32 })],
    ['one cluster each, 1×1 stride 3', layer(convGeometry([2, 7, 7], 3, [1, 1], { strides: [3, 3] }), 1, 1, { batch: 3 })],
    [
      'large enough for the WebAssembly sums to use every thread (4.7 M lookups)',
      layer(convGeometry([16, 32, 32], 32, [3, 3], { pads: [1, 1, 1, 1] }), 64, 64, { activation: true }),
    ],
  ];

  it.each(cases)('equals the definition, neuron by neuron, in JavaScript and in WebAssembly: %s', (_, spec) => {
    const size = (spec.batch ?? 1) * spec.geometry.inShape.reduce((a, b) => a * b, 1);
    const x = Uint8Array.from({ length: size }, () => rng.int(0, spec.kU - 1));
    const acc = referenceAccumulators(spec, x);
    const activation = spec.activation;
    const expected =
      activation === undefined
        ? acc.map((a) => Math.fround(a * spec.lutScale!))
        : acc.map((a) => referenceCamSearch(activation.cam, activationKey(a, activation.keyShift)));
    expect(run(spec, x, 'rows').y).toEqual(expected);
    expect(run(spec, x).y).toEqual(expected);
  });
});

describe('lut-mvm: checks', () => {
  const base: LutLayerSpec = {
    geometry: convGeometry([2, 1, 1], 1, [1, 1]),
    kW: 2,
    kU: 4,
    weightIndices: Uint8Array.from([0, 1]),
    lut: new Int32Array(8),
  };

  it('rejects an input index beyond the codebook at run time', () => {
    expectProgramError(
      () => run(base, Uint8Array.from([1, 4])),
      /holds cluster index 4 at element 1, but its codebook has 4 clusters/,
    );
  });

  it('rejects an activation into a plain tensor and a plain result into an index tensor', () => {
    const program = lutProgram(base);
    const f32Output = { ...program, tensors: [program.tensors[0]!, { ...program.tensors[1]!, type: 'u8' as const }] };
    expectProgramError(() => runProgram(f32Output, new Map()), /has no activation, so its result 'y' must be f32, not u8/);
    const cam: CamTable = { keys: Int32Array.from([0]), values: Uint8Array.from([0]), keyBits: 16, camBits: 8 };
    const withActivation = {
      ...program,
      instructions: [{ ...(program.instructions[0] as LutMvm), activation: { keyShift: 0, cam } }],
    };
    expectProgramError(() => runProgram(withActivation, new Map()), /result 'y' must be a u8 index tensor with a codebook/);
  });

  it('rejects weight indices and tables that do not fit the layer', () => {
    expectProgramError(
      () => run({ ...base, weightIndices: Uint8Array.from([0, 2]) }, new Uint8Array(2)),
      /weight index 2 at 1 is not below kW = 2/,
    );
    expectProgramError(() => run({ ...base, lut: new Int32Array(7) }, new Uint8Array(2)), /has 7 LUT entries, expected 8/);
    const program = lutProgram(base);
    const threeClusters = { ...program, tensors: [{ ...program.tensors[0]!, codebook: codebookOf(3) }, program.tensors[1]!] };
    expectProgramError(
      () => runProgram(threeClusters, new Map()),
      /must be a u8 index tensor with a codebook of kU = 4 clusters/,
    );
  });
});
