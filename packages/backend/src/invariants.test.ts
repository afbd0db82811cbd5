import { describe, expect, it } from 'vitest';
import type { RunOptions } from '@pimc/sim';
import { Rng } from '@pimc/support';
import { randomConv, randomGemm } from './random-layers.testing.js';
import { compareCodes, runBoth, wideAdcChips } from './sim-bridge.testing.js';

/** The simulator's ways to compute a crossbar layer; each must give the executor's result. */
const MODES: readonly (RunOptions & { label: string })[] = [
  { label: 'default (WebAssembly, exact slices folded)', skipExactSlices: true, kernel: 'auto' },
  { label: 'bit-serial, WebAssembly popcount kernel', skipExactSlices: false, kernel: 'wasm' },
  { label: 'JavaScript, exact slices folded', skipExactSlices: true, kernel: 'bitplanes' },
  { label: 'bit-serial, row kernel', skipExactSlices: false, kernel: 'rows' },
  { label: 'bit-serial, bit-plane popcount kernel', skipExactSlices: false, kernel: 'bitplanes' },
];

describe('invariant: with an ADC no column sum can clip, the simulator equals the executor exactly', () => {
  for (const chip of wideAdcChips()) {
    it(`on 80 random conv and gemm layers, ${chip.name}`, () => {
      const rng = new Rng(chip.name.length * 7919);
      for (let i = 0; i < 80; i++) {
        const layer = i % 4 === 3 ? randomGemm(rng, rng.int(1, 3)) : randomConv(rng, rng.int(1, 2));
        for (const mode of MODES) {
          const { expected, run } = runBoth(layer.model, new Map([['x', layer.input]]), chip, { sim: mode });
          const [name, want] = [...expected][0]!;
          const cmp = compareCodes(want, run.outputs.get(name)!);
          expect(cmp.mismatches, `${chip.name} #${i} ${mode.label}: ${layer.description}`).toBe(0);
          expect(run.crossbar.saturated).toBe(0);
        }
      }
    });
  }
});
