import { describe, expect, it } from 'vitest';
import { isPimcError, Rng } from '@pimc/support';
import type { Program } from '@pimc/isa';
import { runProgram, type RunOptions } from '../run-program.js';
import { differentialChip, gemmProgram, isaacWithAdc, type GemmSpec } from '../program.testing.js';
import type { SimTensor } from '../sim-tensor.js';

function input(type: 'u8' | 'i8', rows: readonly (readonly number[])[]): SimTensor {
  const flat = rows.flat();
  return { type, shape: [rows.length, rows[0]!.length], data: type === 'u8' ? Uint8Array.from(flat) : Int8Array.from(flat) };
}

function run(program: Program, x: SimTensor, options: RunOptions = {}) {
  const result = runProgram(program, new Map([['x', x]]), options);
  return { result, y: Array.from(result.outputs.get('y')!.data) };
}

/** The integer reference: clamp(zp_y + round_half_up((Σ (x − zp)·w + b)·mult / 2^shift)). */
function reference(spec: GemmSpec, xs: readonly (readonly number[])[]): number[] {
  const zp = spec.zeroPoint ?? 0;
  const [lo, hi] = spec.outputType === 'i8' ? [-128, 127] : [0, 255];
  return xs.flatMap((x) =>
    spec.weights.map((w, m) => {
      const acc = w.reduce((s, wk, k) => s + (x[k]! - zp) * wk, 0) + (spec.bias?.[m] ?? 0);
      const mult = BigInt(spec.multiplier ?? 2 ** 23);
      const shift = BigInt(spec.shift ?? 23);
      const y = Number((BigInt(acc) * mult + (1n << (shift - 1n))) >> shift) + (spec.outputZeroPoint ?? 0);
      return Math.min(hi, Math.max(lo, y));
    }),
  );
}

describe('crossbar-mvm: ADC saturation, worked by hand', () => {
  // 128 rows of x = 255 against w = 127: every cell of w + 128 = 255 is level 3, every 1-bit input
  // slice is 1, so every column sum is 128 · 3 = 384.
  const weights = [new Array<number>(128).fill(127)];
  const x = input('u8', [new Array<number>(128).fill(255)]);
  const spec = { weights, multiplier: 2 ** 23, shift: 40 };

  // Shift-add of the clipped codes: Σ_input bits 2^j (255) × Σ_weight slices 4^i (85) × 255 = 5 527 125
  // instead of 255 · 85 · 384 = 8 323 200 = Σx · (w + 128); minus the offset term 128 · Σx = 4 177 920.
  it('clips 384 to 255 in the 8-bit ADC: 5 527 125 − 4 177 920 = 1 349 205, so y = round(1 349 205 / 2^17) = 10', () => {
    const { result, y } = run(gemmProgram({ ...spec, chip: isaacWithAdc(8) }), x);
    expect(y).toEqual([10]);
    expect(result.crossbar.saturated).toBe(8 * 4); // every slice pair of the one channel
  });

  it('passes 384 with a 12-bit ADC: Σ x·w = 128·255·127 = 4 145 280, y = round(4 145 280 / 2^17) = 32', () => {
    const { result, y } = run(gemmProgram({ ...spec, chip: isaacWithAdc(12) }), x);
    expect(y).toEqual([32]);
    expect(result.crossbar.saturated).toBe(0);
  });

  it('gives the same clipped result with every kernel and without folding', () => {
    for (const options of [
      { skipExactSlices: false, kernel: 'rows' },
      { skipExactSlices: false, kernel: 'bitplanes' },
      { skipExactSlices: false, kernel: 'wasm' },
      { skipExactSlices: true, kernel: 'rows' },
    ] as const) {
      expect(run(gemmProgram({ ...spec, chip: isaacWithAdc(8) }), x, options).y).toEqual([10]);
    }
  });
});

describe('crossbar-mvm: exact against the integer reference when nothing clips', () => {
  const rng = new Rng(3);
  const randomSpec = (chip: GemmSpec['chip'], inputType: 'u8' | 'i8', k: number, m: number): GemmSpec => ({
    chip,
    weights: Array.from({ length: m }, () => Array.from({ length: k }, () => rng.int(-128, 127))),
    inputType,
    zeroPoint: inputType === 'u8' ? rng.int(0, 255) : rng.int(-128, 127),
    bias: Array.from({ length: m }, () => rng.int(-5000, 5000)),
    multiplier: rng.int(2 ** 23, 2 ** 24 - 1),
    shift: rng.int(20, 30),
    outputType: rng.next() < 0.5 ? 'u8' : 'i8',
    outputZeroPoint: rng.int(-20, 20) + 50,
    batch: 3,
  });
  const inputsFor = (spec: GemmSpec) => {
    const [lo, hi] = spec.inputType === 'i8' ? [-128, 127] : [0, 255];
    return Array.from({ length: 3 }, () => Array.from({ length: spec.weights[0]!.length }, () => rng.int(lo, hi)));
  };

  it('unsigned and signed (two-pass) inputs, offset-binary cells', () => {
    for (const inputType of ['u8', 'i8'] as const) {
      for (let t = 0; t < 20; t++) {
        const spec = randomSpec(isaacWithAdc(12), inputType, rng.int(1, 128), rng.int(1, 32));
        const xs = inputsFor(spec);
        expect(run(gemmProgram(spec), input(inputType, xs)).y).toEqual(reference(spec, xs));
      }
    }
  });

  it('differential (2T2R) cells on a signed ADC, 4-bit DAC slices', () => {
    for (const inputType of ['u8', 'i8'] as const) {
      for (let t = 0; t < 20; t++) {
        const spec = randomSpec(differentialChip(16), inputType, rng.int(1, 16), rng.int(1, 8));
        const xs = inputsFor(spec);
        for (const skipExactSlices of [true, false]) {
          expect(run(gemmProgram(spec), input(inputType, xs), { skipExactSlices }).y).toEqual(reference(spec, xs));
        }
      }
    }
  });
});

describe('crossbar-mvm: the kernels and the no-clip shortcut agree bit for bit where the ADC clips', () => {
  it('on random layers with the real 8-bit ISAAC ADC and a 6-bit signed 2T2R ADC', () => {
    const rng = new Rng(17);
    let saturated = 0;
    for (let t = 0; t < 40; t++) {
      const chip = t % 2 === 0 ? isaacWithAdc(8) : differentialChip(6);
      const k = rng.int(1, chip.tiles.macro!.crossbar.rows);
      const m = rng.int(1, 4);
      const high = rng.next() < 0.5; // weights and inputs near the top: many clipped sums
      const spec: GemmSpec = {
        chip,
        weights: Array.from({ length: m }, () => Array.from({ length: k }, () => (high ? rng.int(60, 127) : rng.int(-128, 127)))),
        inputType: t % 4 < 2 ? 'u8' : 'i8',
        shift: 24,
        batch: 2,
      };
      const xs = [0, 1].map(() =>
        Array.from({ length: k }, () => (high ? rng.int(100, 127) : rng.int(-128, 127)) & (t % 4 < 2 ? 0xff : -1)),
      );
      const x = input(
        spec.inputType!,
        xs.map((row) => row.map((v) => (spec.inputType === 'u8' ? v & 0xff : v))),
      );
      const runs = (
        [
          { skipExactSlices: true, kernel: 'auto' },
          { skipExactSlices: false, kernel: 'rows' },
          { skipExactSlices: false, kernel: 'bitplanes' },
          { skipExactSlices: false, kernel: 'wasm' },
          { skipExactSlices: true, kernel: 'bitplanes' },
        ] as const
      ).map((o) => run(gemmProgram(spec), x, o));
      for (const other of runs.slice(1)) {
        expect(other.y).toEqual(runs[0]!.y);
        expect(other.result.crossbar.saturated).toBe(runs[0]!.result.crossbar.saturated);
      }
      // Folding decides alike in WebAssembly and JavaScript; unfolded, both convert everything.
      expect(runs[4]!.result.crossbar).toEqual(runs[0]!.result.crossbar);
      expect(runs[3]!.result.crossbar).toEqual(runs[2]!.result.crossbar);
      saturated += runs[1]!.result.crossbar.saturated;
    }
    expect(saturated).toBeGreaterThan(0);
  });
});

describe('crossbar-mvm: events of a tiny layer', () => {
  it('1 crossbar, 8 one-bit input slices: 8 activations and 8 × columns conversions per input vector', () => {
    // K = 5 rows, M = 3 channels × 4 weight slices = 12 columns on one 128×128 ISAAC crossbar.
    const spec = { chip: isaacWithAdc(8), weights: [1, 2, 3].map((v) => new Array<number>(5).fill(v)), batch: 2 };
    const { result } = run(gemmProgram(spec), input('u8', [new Array<number>(5).fill(7), new Array<number>(5).fill(9)]));
    const e = result.perInstruction[0]!.events;
    // Priced by the cells in use: 5 driven rows × 12 used columns.
    expect(e.xbActivations).toEqual({ '5x12': 2 * 8 });
    expect(e.adcConverts).toEqual({ 8: 2 * 8 * 12 });
    expect(e.dacDrives).toEqual({ 1: 2 * 8 * 5 });
    expect(e.shiftAdds).toBe(2 * 8 * 12);
    // Requantization: one 24-bit multiply per output; the input sum: K adds per vector.
    expect(e.digitalMACs).toEqual({ 24: 2 * 3 });
    expect(e.digitalAdds?.[16]).toBe(2 * 5);
    expect(result.events).toEqual(e);
  });

  it('signed inputs take two passes: twice the activations and conversions', () => {
    const spec = { chip: isaacWithAdc(8), weights: [[1, 2, 3]], inputType: 'i8' as const };
    const { result } = run(gemmProgram(spec), input('i8', [[-1, 2, -3]]));
    expect(result.events.xbActivations).toEqual({ '3x4': 16 });
    expect(result.events.adcConverts).toEqual({ 8: 16 * 4 });
  });
});

describe('crossbar-mvm: device noise', () => {
  const rng = new Rng(5);
  const spec: GemmSpec = {
    chip: isaacWithAdc(12),
    weights: Array.from({ length: 8 }, () => Array.from({ length: 100 }, () => rng.int(-128, 127))),
    shift: 34,
    outputZeroPoint: 128,
  };
  const x = input('u8', [Array.from({ length: 100 }, () => rng.int(0, 255))]);

  it('is off by default, and σ = 0 changes nothing', () => {
    const clean = run(gemmProgram(spec), x).y;
    expect(run(gemmProgram(spec), x, { noise: { sigma: 0, seed: 1 } }).y).toEqual(clean);
    expect(clean).toEqual(reference(spec, [Array.from(x.data)]));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = run(gemmProgram(spec), x, { noise: { sigma: 0.1, seed: 42 } }).y;
    const b = run(gemmProgram(spec), x, { noise: { sigma: 0.1, seed: 42 } }).y;
    const c = run(gemmProgram(spec), x, { noise: { sigma: 0.1, seed: 43 } }).y;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a).not.toEqual(run(gemmProgram(spec), x).y);
  });

  it('without noise, repeated runs are identical', () => {
    expect(run(gemmProgram(spec), x).y).toEqual(run(gemmProgram(spec), x).y);
  });
});

describe('crossbar-mvm: malformed programs are refused with the instruction named', () => {
  const base = gemmProgram({ chip: isaacWithAdc(8), weights: [[1, 2, 3]] });
  const x = input('u8', [[1, 2, 3]]);
  const refuse = (program: Program, pattern: RegExp) => {
    try {
      runProgram(program, new Map([['x', x]]));
    } catch (e) {
      expect(isPimcError(e, 'invalid-input')).toBe(true);
      expect((e as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected a PimcError');
  };
  const mvm = base.instructions[0] as Extract<Program['instructions'][number], { op: 'crossbar-mvm' }>;

  it('a weight no tile maps', () => {
    refuse(
      { ...base, instructions: [{ ...mvm, tiles: [{ ...mvm.tiles[0]!, rowCount: 2 }] }] },
      /'fc'.*row 2, channel 0\) unmapped/,
    );
  });
  it('a weight two tiles map', () => {
    refuse(
      { ...base, instructions: [{ ...mvm, tiles: [mvm.tiles[0]!, mvm.tiles[0]!] }] },
      /'fc'.*row 0, channel 0\) of group 0 is mapped by two tiles/,
    );
  });
  it('a level that does not fit the cells', () => {
    const levels = new Uint8Array(base.crossbars[0]!.levels);
    levels[5] = 4;
    refuse({ ...base, crossbars: [{ ...base.crossbars[0]!, levels }] }, /level 4 at cell 5 does not fit a 2-bit cell/);
  });
  it('slices that do not add up to 8 bits', () => {
    refuse({ ...base, instructions: [{ ...mvm, weights: { ...mvm.weights, slices: [2, 2, 2] } }] }, /add up to 6 bits, not 8/);
  });
  it('an output size the window cannot give', () => {
    refuse(
      { ...base, instructions: [{ ...mvm, geometry: { ...mvm.geometry, outShape: [1, 2, 1] } }] },
      /gives 1×1 positions, not 2×1/,
    );
  });
  it('a different format version', () => {
    refuse({ ...base, formatVersion: 99 }, /format version 99/);
  });
});
