import { describe, expect, it } from 'vitest';
import { isPimcError, Rng } from '@pimc/support';
import { decodePimb, encodePimb, type CrossbarMvm, type Program } from '@pimc/isa';
import { runProgram } from '../run-program.js';
import { differentialChip, gemmProgram, isaacWithAdc } from '../program.testing.js';
import { integerReference, randomMvmProgram, smallRaellaChip } from '../random-mvm.testing.js';
import { centerMacBits } from './mvm-events.js';

/*
 * Center+Offset (algorithms.md §3.2): the cells hold w − center per tile and channel, the digital
 * unit adds center · Σ_rows x. With an ADC that never clips the result is the integer product.
 */

const mvmOf = (program: Program) => program.instructions[0] as CrossbarMvm;

describe('Center+Offset: exact with an ADC that never clips', () => {
  it('a worked example: center 131, offsets [−1, −13, 10, −4, −22, 5, −9, 2] (algorithms.md §3.7)', () => {
    // w = [130, 118, 141, 127, 109, 136, 122, 133] − 128 (int8), centered at 131 − 128 = 3.
    const weights = [[130, 118, 141, 127, 109, 136, 122, 133].map((w) => w - 128)];
    const xs = [17, 0, 255, 3, 99, 128, 64, 1];
    const program = gemmProgram({ chip: differentialChip(16), weights, centers: [3], weightSlices: [4, 2, 2], shift: 1 });
    const exact = xs.reduce((s, x, k) => s + x * weights[0]![k]!, 0);
    for (const kernel of ['rows', 'bitplanes', 'wasm'] as const) {
      const run = runProgram(program, new Map([['x', { type: 'u8', shape: [1, 8], data: Uint8Array.from(xs) }]]), { kernel });
      // y = round(exact / 2), clamped to u8.
      expect(Array.from(run.outputs.get('y')!.data)).toEqual([Math.min(255, Math.max(0, Math.floor(exact / 2 + 0.5)))]);
    }
  });

  it('on random layers, with and without speculation, every kernel', () => {
    const rng = new Rng(21);
    for (let i = 0; i < 16; i++) {
      const layer = randomMvmProgram(rng, {
        chip: smallRaellaChip(),
        centers: true,
        speculation: i % 2 === 0 ? [4, 2, 2] : undefined,
        // 64 rows × 15 × 15 < 2^15: no column sum, speculative or not, reaches an end of the range.
        adcBits: 16,
        weightSlices: i % 3 === 0 ? [2, 2, 2, 2] : [4, 2, 2],
      });
      const expected = integerReference(layer.program, layer.input);
      for (const kernel of ['rows', 'bitplanes', 'wasm'] as const) {
        const run = runProgram(layer.program, new Map([['x', layer.input]]), { kernel });
        expect(Array.from(run.outputs.get('y')!.data), `${kernel}: ${layer.description}`).toEqual(expected);
        expect(run.crossbar.saturated + run.crossbar.failedColumns).toBe(0);
      }
    }
  });

  it('the centers shrink the column sums: fewer clip at 7 bits than with the weights stored whole', () => {
    const rng = new Rng(8);
    const clipped = { centered: 0, whole: 0 };
    for (let i = 0; i < 6; i++) {
      const options = { chip: smallRaellaChip(), speculation: undefined, adcBits: 7, weightSlices: [4, 2, 2] };
      const seed = rng.int(0, 1000);
      const centered = randomMvmProgram(new Rng(seed), { ...options, centers: true });
      const whole = randomMvmProgram(new Rng(seed), { ...options, centers: false });
      clipped.centered += runProgram(centered.program, new Map([['x', centered.input]])).crossbar.saturated;
      clipped.whole += runProgram(whole.program, new Map([['x', whole.input]])).crossbar.saturated;
    }
    expect(clipped.centered).toBeLessThan(clipped.whole);
  });
});

describe('Center+Offset: events', () => {
  it('the running input sum (K adds per tile) and one center multiply-add per channel and tile', () => {
    const program = gemmProgram({
      chip: differentialChip(16),
      weights: [
        [1, 2, 3, 4, 5],
        [5, 4, 3, 2, 1],
      ],
      centers: [3, 3],
      batch: 2,
    });
    const x = { type: 'u8' as const, shape: [2, 5], data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) };
    const withCenters = runProgram(program, new Map([['x', x]])).events;
    const without = runProgram(
      gemmProgram({
        chip: differentialChip(16),
        weights: [
          [1, 2, 3, 4, 5],
          [5, 4, 3, 2, 1],
        ],
        batch: 2,
      }),
      new Map([['x', x]]),
    ).events;
    expect((withCenters.digitalAdds?.[16] ?? 0) - (without.digitalAdds?.[16] ?? 0)).toBe(2 * 5);
    // An 8-bit center times the 16-bit input sum, priced as a MAC of √(8·16) ≈ 11 bits.
    expect(centerMacBits(8, 16)).toBe(11);
    expect(withCenters.digitalMACs?.[11]).toBe(2 * 2);
    expect(without.digitalMACs?.[11]).toBeUndefined();
  });
});

describe('Center+Offset and speculation: through .pimb and back', () => {
  it('a program with centers and speculative slices decodes to the same simulation', () => {
    const layer = randomMvmProgram(new Rng(3), {
      chip: smallRaellaChip(),
      centers: true,
      speculation: [4, 2, 2],
      adcBits: 7,
      weightSlices: [4, 2, 2],
      high: true,
    });
    const decoded = decodePimb(encodePimb(layer.program));
    expect(mvmOf(decoded).inputs.speculation).toEqual({ slices: [4, 2, 2] });
    expect(mvmOf(decoded).tiles.map((t) => Array.from(t.centers!))).toEqual(
      mvmOf(layer.program).tiles.map((t) => Array.from(t.centers!)),
    );
    const input = new Map([['x', layer.input]]);
    const before = runProgram(layer.program, input);
    const after = runProgram(decoded, input);
    expect(Array.from(after.outputs.get('y')!.data)).toEqual(Array.from(before.outputs.get('y')!.data));
    expect(after.crossbar).toEqual(before.crossbar);
    expect(after.events).toEqual(before.events);
    expect(before.crossbar.failedColumns).toBeGreaterThan(0);
  });
});

describe('Center+Offset and speculation: malformed programs are refused', () => {
  const refuse = (program: Program, pattern: RegExp) => {
    const x = { type: 'u8' as const, shape: [1, 3], data: Uint8Array.from([1, 2, 3]) };
    let error: unknown;
    try {
      runProgram(program, new Map([['x', x]]));
    } catch (e) {
      error = e;
    }
    expect(isPimcError(error, 'invalid-input')).toBe(true);
    expect((error as Error).message).toMatch(pattern);
  };
  const base = gemmProgram({ chip: differentialChip(7), weights: [[1, 2, 3]], centers: [2], speculation: [4, 2, 2] });
  const mvm = mvmOf(base);
  const withMvm = (changes: Partial<CrossbarMvm>): Program => ({ ...base, instructions: [{ ...mvm, ...changes }] });

  it('centers for a different number of channels', () => {
    refuse(withMvm({ tiles: [{ ...mvm.tiles[0]!, centers: Int16Array.from([1, 2]) }] }), /2 centers for 1 channels/);
  });
  it('centers on offset-binary weights', () => {
    const isaac = gemmProgram({ chip: isaacWithAdc(8), weights: [[1, 2, 3]] });
    const m = mvmOf(isaac);
    refuse(
      { ...isaac, instructions: [{ ...m, tiles: [{ ...m.tiles[0]!, centers: Int16Array.from([1]) }] }] },
      /need differential weights/,
    );
  });
  it('speculative slices that do not cover the input bits', () => {
    refuse(
      withMvm({ inputs: { ...mvm.inputs, speculation: { slices: [4, 2] } } }),
      /speculative input slices \[4, 2\] add up to 6 bits/,
    );
  });
  it('recovery slices wider than 1 bit', () => {
    refuse(withMvm({ inputs: { ...mvm.inputs, slices: [4, 4] } }), /recovery input slices must be 1-bit/);
  });
});
