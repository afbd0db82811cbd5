import { describe, expect, it } from 'vitest';
import { Tensor } from '@pimc/ir';
import { runProgram, type RunOptions } from '@pimc/sim';
import { Rng } from '@pimc/support';
import { lowerToProgram } from './lower-program.js';
import { randomConv, randomGemm } from './random-layers.testing.js';
import { chipLike, toSim } from './sim-bridge.testing.js';

/**
 * The simulator's ways of computing a crossbar layer must agree bit for bit, also where the ADC
 * clips: the WebAssembly layer (exact product plus popcount corrections) with and without folding,
 * and the JavaScript bit-plane and row kernels. Outputs and every statistic (column sums converted
 * and folded, saturated conversions, slice-MACs) are compared on lowered random layers.
 */
const MODES: readonly (RunOptions & { label: string })[] = [
  { label: 'wasm, folded', kernel: 'wasm', skipExactSlices: true },
  { label: 'wasm, every slice converted', kernel: 'wasm', skipExactSlices: false },
  { label: 'JS bit-planes, folded', kernel: 'bitplanes', skipExactSlices: true },
  { label: 'JS rows, every slice converted', kernel: 'rows', skipExactSlices: false },
];

const CHIPS = [
  // ISAAC's geometry with a 6-bit ADC: 128-row tiles clip far more often than with the real 8 bits.
  chipLike('isaac', 'isaac-adc6', { tiles: { macro: { adc: { bits: 6 } } } }),
  chipLike('raella', 'raella-64x48-adc5', { tiles: { macro: { adc: { bits: 5 }, crossbar: { rows: 64, columns: 48 } } } }),
  chipLike('isaac', 'isaac-3bit-dac2-adc6', {
    tiles: { macro: { adc: { bits: 6 }, dac: { bits: 2 }, crossbar: { rows: 40, columns: 30, bitsPerCell: 3 } } },
  }),
];

/** Inputs pushed to the top of their range: many set bits, so column sums clip. */
function high(t: Tensor, rng: Rng): Tensor {
  const data = t.data as Uint8Array | Int8Array;
  const values = Array.from(data, () =>
    t.dtype === 'uint8' ? rng.int(180, 255) : rng.next() < 0.5 ? rng.int(100, 127) : rng.int(-128, -100),
  );
  return new Tensor(t.dtype, t.shape, t.dtype === 'uint8' ? Uint8Array.from(values) : Int8Array.from(values));
}

describe('simulator kernels agree bit for bit on lowered layers, clipping included', () => {
  for (const chip of CHIPS) {
    it(`40 random conv and gemm layers on ${chip.name}`, () => {
      const rng = new Rng(chip.name.length * 131);
      let saturated = 0;
      for (let i = 0; i < 40; i++) {
        const layer = i % 4 === 3 ? randomGemm(rng, rng.int(1, 3)) : randomConv(rng, rng.int(1, 3));
        const input = i % 2 === 0 ? high(layer.input, rng) : layer.input;
        const program = lowerToProgram(layer.model, chip);
        const runs = MODES.map((mode) => runProgram(program, new Map([['x', toSim(input)]]), mode));
        const [first, ...rest] = runs;
        const name = [...first!.outputs.keys()][0]!;
        rest.forEach((run, j) => {
          const what = `${chip.name} #${i} ${MODES[j + 1]!.label}: ${layer.description}`;
          expect(Array.from(run.outputs.get(name)!.data), what).toEqual(Array.from(first!.outputs.get(name)!.data));
          expect(run.crossbar.saturated, what).toBe(first!.crossbar.saturated);
          expect(run.crossbar.sliceMacs, what).toBe(first!.crossbar.sliceMacs);
        });
        // Folding decides the same slices in both implementations; without it, everything is converted.
        expect(runs[2]!.crossbar).toEqual(runs[0]!.crossbar);
        expect(runs[3]!.crossbar).toEqual(runs[1]!.crossbar);
        expect(runs[1]!.crossbar.columnSumsFolded).toBe(0);
        saturated += first!.crossbar.saturated;
      }
      expect(saturated).toBeGreaterThan(0);
    });
  }
});
