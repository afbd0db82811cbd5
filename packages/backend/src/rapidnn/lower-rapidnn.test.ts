import { describe, expect, it } from 'vitest';
import { getPreset, validateChip } from '@pimc/arch';
import { Value, type Model } from '@pimc/ir';
import { validateProgram, type DigitalOp, type Instruction, type LutMvm, type Program } from '@pimc/isa';
import { isPimcError } from '@pimc/support';
import { centroids, ClusteredModel } from './clustered-models.testing.js';
import { lowerRapidnn, lowerRapidnnModel } from './lower-rapidnn.js';

const chip = getPreset('rapidnn');

function kinds(program: { instructions: readonly Instruction[] }): string[] {
  return program.instructions.map((i) => (i.op === 'digital' ? i.kind : i.op));
}

function named<T extends Instruction>(program: Program, name: string): T {
  const found = program.instructions.find((i) => i.name === name);
  if (found === undefined) throw new Error(`no instruction '${name}'`);
  return found as T;
}

function expectError(fn: () => unknown, code: Parameters<typeof isPimcError>[1], message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isPimcError(e, code)).toBe(true);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
}

/** x → PimCluster → Conv → Relu → MaxPool → Flatten → PimCluster → Gemm. */
function convChain(): Model {
  const m = new ClusteredModel(3);
  const x = new Value('x', { dtype: 'float32', shape: ['N', 2, 6, 6] });
  const u = m.cluster(x, centroids(m.rng, 8, -1, 2), 'enc');
  const c = m.conv(u, 'conv', { out: 3, kernel: [3, 3], pads: [1, 1, 1, 1], kW: 6 });
  const r = m.builder.add1('Relu', [c], { name: 'relu' });
  const p = m.builder.add1('MaxPool', [r], { name: 'pool', attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
  const f = m.builder.add1('Flatten', [p], { name: 'flat' });
  const u2 = m.cluster(f, centroids(m.rng, 5, 0, 3, true), 'enc2');
  const y = m.gemm(u2, 'fc', 4, 5);
  return m.model([x], [y]);
}

describe('lowerRapidnn: fusion', () => {
  const program = lowerRapidnn(convChain(), chip);

  it('fuses Conv → Relu → MaxPool → Flatten → PimCluster: pooling and flattening run on indices', () => {
    validateProgram(program);
    expect(kinds(program)).toEqual(['cam-encode', 'lut-mvm', 'maxpool', 'reshape', 'lut-mvm']);
    const conv = named<LutMvm>(program, 'conv');
    const pool = named<DigitalOp>(program, 'pool');
    const codebook = program.tensors[conv.output]!.codebook!;
    expect(codebook.length).toBe(5);
    expect(program.tensors[pool.inputs[0]!]).toMatchObject({ type: 'u8', shape: [1, 3, 6, 6], codebook });
    expect(program.tensors[pool.outputs[0]!]).toMatchObject({ type: 'u8', shape: [1, 3, 3, 3], codebook });
    expect(pool.attrs).toEqual({ kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] });
    expect(conv.activation!.cam.keys.length).toBeLessThanOrEqual(chip.tiles.cam!.entries);
    expect(conv.geometry).toEqual({
      inShape: [2, 6, 6],
      outShape: [3, 6, 6],
      kernel: [3, 3],
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      groups: 1,
    });
  });

  it('leaves the last layer without an activation: its f32 result is the graph output', () => {
    const fc = named<LutMvm>(program, 'fc');
    expect(fc.activation).toBeUndefined();
    expect(program.tensors[fc.output]).toMatchObject({ name: 'fc', type: 'f32', shape: [1, 4] });
    expect(program.outputs).toEqual([fc.output]);
    expect(fc.geometry.inShape).toEqual([27, 1, 1]);
  });

  it('places every layer on RNA blocks of the chip', () => {
    const conv = named<LutMvm>(program, 'conv');
    const fc = named<LutMvm>(program, 'fc');
    // conv has 108 neurons of 18 lookups, fc 4 of 27: conv gets most blocks, never more than neurons.
    expect(conv.blocks.length).toBeGreaterThan(fc.blocks.length);
    expect(fc.blocks.length).toBeLessThanOrEqual(4);
    const all = [...conv.blocks, ...fc.blocks].map((b) => `${b.tile}/${b.block}`);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('lowerRapidnn: values between layers', () => {
  it('an Add of two layers runs on f32 and is re-encoded by a cam-encode', () => {
    const m = new ClusteredModel(4);
    const x = new Value('x', { dtype: 'float32', shape: [1, 3, 5, 5] });
    const u = m.cluster(x, centroids(m.rng, 6, -1, 1), 'enc');
    const a = m.conv(u, 'a', { out: 4, kernel: [3, 3], pads: [1, 1, 1, 1], kW: 4 });
    const ra = m.builder.add1('Relu', [a], { name: 'ra' });
    const ua = m.cluster(ra, centroids(m.rng, 4, 0, 2, true), 'enc_a');
    const b = m.conv(ua, 'b', { out: 4, kernel: [1, 1], kW: 4 });
    const sum = m.builder.add1('Add', [ua, b], { name: 'add' });
    const r = m.builder.add1('Relu', [sum], { name: 'relu' });
    const u2 = m.cluster(r, centroids(m.rng, 4, 0, 2, true), 'enc2');
    const y = m.conv(u2, 'c', { out: 2, kernel: [1, 1], kW: 3 });
    const program = lowerRapidnn(m.model([x], [y]), chip);
    validateProgram(program);
    // a's result is used by b and the Add through the shared PimCluster: its chain fuses; b feeds the Add: f32.
    expect(kinds(program)).toEqual(['cam-encode', 'lut-mvm', 'lut-mvm', 'decode', 'add', 'clamp', 'cam-encode', 'lut-mvm']);
    expect(named<LutMvm>(program, 'a').activation).toBeDefined();
    expect(named<LutMvm>(program, 'b').activation).toBeUndefined();
    const add = named<DigitalOp>(program, 'add');
    expect(add.inputs.map((id) => program.tensors[id]!.type)).toEqual(['f32', 'f32']);
    expect(add.attrs).toEqual({});
    const relu = named<DigitalOp>(program, 'relu');
    expect(relu.attrs).toEqual({ min: 0 });
  });

  it('reshapes an encoded input on indices and decodes an index graph output under its own name', () => {
    const m = new ClusteredModel(5);
    const x = new Value('x', { dtype: 'float32', shape: [2, 2, 3] });
    const u = m.cluster(x, centroids(m.rng, 4, -1, 1), 'enc');
    const f = m.builder.add1('Flatten', [u], { name: 'flat' });
    const y = m.gemm(f, 'fc', 3, 4);
    const program = lowerRapidnn(m.model([x], [y, u]), chip, { batch: 2 });
    validateProgram(program);
    expect(kinds(program)).toEqual(['cam-encode', 'reshape', 'lut-mvm', 'decode']);
    expect(program.tensors[named<DigitalOp>(program, 'flat').outputs[0]!]!.codebook).toBeDefined();
    expect(program.outputs.map((id) => program.tensors[id]!.name)).toEqual(['fc', 'enc']);
    expect(program.tensors.find((t) => t.name === 'enc:index')).toMatchObject({ type: 'u8', shape: [2, 2, 3] });
  });

  it('folds a MatMul’s constant bias Add and encodes a PimCluster on an index tensor of another codebook', () => {
    const m = new ClusteredModel(6);
    const x = new Value('x', { dtype: 'float32', shape: [1, 5] });
    const u = m.cluster(x, centroids(m.rng, 4, -1, 1), 'enc');
    const w = m.clusteredWeights([5, 3], 3);
    const mm = m.builder.add1('MatMul', [u, w], { name: 'mm' });
    const bias = [0.5, -0.25, 0.125];
    const y = m.builder.add1('Add', [mm, m.constant([3], bias)], { name: 'bias' });
    const again = m.cluster(u, centroids(m.rng, 3, -1, 1), 'recode');
    const lowered = lowerRapidnnModel(m.model([x], [y, again]), chip);
    expect(kinds(lowered)).toEqual(['cam-encode', 'lut-mvm', 'decode', 'cam-encode', 'decode']);
    const mvm = lowered.instructions[1] as LutMvm;
    expect(lowered.tensors[mvm.output]!.name).toBe('bias');
    [...mvm.bias].forEach((b, i) => expect(b * mvm.lutScale).toBeCloseTo(bias[i]!, 4));
    const wd = w.constant!.data as Float32Array;
    // W [K=5, N=3]: output channel n reads column n.
    const cW = [...new Set(wd)].sort((a, b) => a - b);
    for (let n = 0; n < 3; n++) for (let k = 0; k < 5; k++) expect(cW[mvm.weightIndices[n * 5 + k]!]).toBe(wd[k * 3 + n]);
  });
});

describe('lowerRapidnn: layer shapes', () => {
  it('reads a depthwise convolution in im2col order, one group per channel', () => {
    const m = new ClusteredModel(7);
    const x = new Value('x', { dtype: 'float32', shape: [1, 3, 4, 4] });
    const u = m.cluster(x, centroids(m.rng, 4, -1, 1), 'enc');
    const y = m.conv(u, 'dw', { out: 3, kernel: [3, 3], pads: [1, 1, 1, 1], group: 3, strides: [2, 2], kW: 5 });
    const program = lowerRapidnn(m.model([x], [y]), chip);
    validateProgram(program);
    const dw = program.instructions[1] as LutMvm;
    expect(dw.geometry).toMatchObject({ inShape: [3, 4, 4], outShape: [3, 2, 2], groups: 3, strides: [2, 2] });
    const w = m.builder.nodes.find((n) => n.name === 'dw')!.inputs[1]!.constant!.data as Float32Array;
    const cW = [...new Set(w)].sort((a, b) => a - b);
    expect(dw.weightIndices.length).toBe(27);
    dw.weightIndices.forEach((i, k) => expect(cW[i]).toBe(w[k]));
  });

  it('reads a 1-D convolution as H = 1', () => {
    const m = new ClusteredModel(8);
    const x = new Value('x', { dtype: 'float32', shape: [1, 2, 9] });
    const u = m.cluster(x, centroids(m.rng, 4, -1, 1), 'enc');
    const y = m.conv(u, 'c1d', { out: 2, kernel: [3], pads: [2, 0], strides: [2], kW: 3 });
    const program = lowerRapidnn(m.model([x], [y]), chip);
    validateProgram(program);
    expect((program.instructions[1] as LutMvm).geometry).toEqual({
      inShape: [2, 1, 9],
      outShape: [2, 1, 5],
      kernel: [1, 3],
      strides: [1, 2],
      pads: [0, 2, 0, 0],
      dilations: [1, 1],
      groups: 1,
    });
  });

  it('builds one table per output channel when the channels’ clusters differ', () => {
    const m = new ClusteredModel(9);
    const x = new Value('x', { dtype: 'float32', shape: [1, 2, 3, 3] });
    const u = m.cluster(x, centroids(m.rng, 4, -1, 1), 'enc');
    // 80 channels × 4 clusters each: 320 distinct weights in the layer, too many for one table.
    const y = m.conv(u, 'wide', { out: 80, kernel: [3, 3], kW: 4, perChannel: true });
    const model = m.model([x], [y]);
    const conv = lowerRapidnn(model, chip).instructions[1] as LutMvm;
    expect(conv.kW).toBe(4);
    expect(conv.lut.length).toBe(80 * 4 * 4);
    const w = m.builder.nodes.find((n) => n.name === 'wide')!.inputs[1]!.constant!.data as Float32Array;
    const cU = Float32Array.from(m.builder.nodes[0]!.attrs['centroids'] as number[]);
    for (const ch of [0, 41, 79]) {
      const cW = [...new Set(w.subarray(ch * 18, ch * 18 + 18))].sort((a, b) => a - b);
      for (let k = 0; k < 18; k++) expect(cW[conv.weightIndices[ch * 18 + k]!]).toBe(w[ch * 18 + k]);
      cW.forEach((cw, i) =>
        cU.forEach((cu, j) =>
          expect(Math.abs(conv.lut[(ch * 4 + i) * 4 + j]! * conv.lutScale - cw * cu)).toBeLessThanOrEqual(conv.lutScale / 2),
        ),
      );
    }
    // Asking for per-channel tables on a layer that fits one table.
    const small = new ClusteredModel(10);
    const xs = new Value('x', { dtype: 'float32', shape: [1, 4] });
    const ys = small.gemm(small.cluster(xs, [0, 1], 'enc'), 'fc', 3, 2);
    const fc = lowerRapidnn(small.model([xs], [ys]), chip, { tables: 'outChannel' }).instructions[1] as LutMvm;
    expect(fc.lut.length).toBe(3 * fc.kW * 2);
    expect(lowerRapidnn(small.model([xs], [ys]), chip).instructions[1]).toMatchObject({ lut: { length: 2 * 2 } });
  });
});

describe('lowerRapidnn: errors name what and where', () => {
  it('too many distinct weights', () => {
    const m = new ClusteredModel(11);
    const x = new Value('x', { dtype: 'float32', shape: [1, 300] });
    const w = m.constant(
      [1, 300],
      Array.from({ length: 300 }, (_, i) => i / 300),
    );
    const y = m.builder.add1('Gemm', [m.cluster(x, [0, 1], 'enc'), w], { name: 'dense', attrs: { transB: 1 } });
    expectError(
      () => lowerRapidnn(m.model([x], [y]), chip),
      'unsupported-model',
      /node 'dense' \(Gemm\): output channel 0 of its weights takes 300 distinct values; a lookup table holds at most 256/,
    );
  });

  it('an op with no RAPIDNN form', () => {
    const m = new ClusteredModel(12);
    const x = new Value('x', { dtype: 'float32', shape: [1, 4] });
    const y = m.builder.add1('Sigmoid', [x], { name: 'sig' });
    expectError(
      () => lowerRapidnn(m.model([x], [y]), chip),
      'unsupported-model',
      /node 'sig' \(Sigmoid\): Sigmoid has no RAPIDNN form/,
    );
  });

  it('a layer whose input is not clustered', () => {
    const m = new ClusteredModel(13);
    const x = new Value('x', { dtype: 'float32', shape: [1, 4] });
    const y = m.gemm(x, 'fc', 2, 2);
    expectError(
      () => lowerRapidnn(m.model([x], [y]), chip),
      'unsupported-model',
      /node 'fc' \(Gemm\): its input 'x' is not clustered/,
    );
  });

  it('a chip without CAM or lookup-table blocks', () => {
    expectError(
      () => lowerRapidnn(convChain(), getPreset('isaac')),
      'chip-mismatch',
      /chip 'isaac' has no CAM blocks .* and lookup-table blocks/,
    );
  });

  it('an exact activation CAM larger than the chip’s CAMs, and a codebook too large to encode', () => {
    const small = validateChip({ extends: 'rapidnn', name: 'rapidnn-cam4', tiles: { cam: { entries: 4 } } });
    const m = new ClusteredModel(14);
    const x = new Value('x', { dtype: 'float32', shape: [1, 4] });
    const u = m.cluster(x, [0, 0.5, 1], 'enc');
    const r = m.builder.add1('Relu', [m.gemm(u, 'fc', 8, 3)], { name: 'relu' });
    const y = m.cluster(r, centroids(m.rng, 8, 0, 1, true), 'enc2');
    const model = m.model([x], [y]);
    expectError(
      () => lowerRapidnn(model, small, { activationEntries: 'exact' }),
      'unsupported-model',
      /node 'fc' \(Gemm\): its exact activation CAM needs \d+ entries; chip 'rapidnn-cam4' CAMs hold 4/,
    );
    const fc = lowerRapidnn(model, small).instructions[1] as LutMvm;
    expect(fc.activation!.cam.keys.length).toBeLessThanOrEqual(4);
    const wide = new ClusteredModel(15);
    const xw = new Value('x', { dtype: 'float32', shape: [1, 4] });
    const yw = wide.cluster(xw, centroids(wide.rng, 5, -1, 1), 'enc5');
    expectError(
      () => lowerRapidnn(wide.model([xw], [yw]), small),
      'unsupported-model',
      /node 'enc5' \(PimCluster\): its 5 centroids do not fit a CAM of 4 entries/,
    );
  });
});
