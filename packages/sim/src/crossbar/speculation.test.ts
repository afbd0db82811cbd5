import { describe, expect, it } from 'vitest';
import { Rng } from '@pimc/support';
import type { Program } from '@pimc/isa';
import { adcConvertEnergyPJ, type EventCounts } from '@pimc/arch';
import { costReport } from '../cost-report.js';
import { runProgram, type RunOptions } from '../run-program.js';
import { differentialChip, gemmProgram, type GemmSpec } from '../program.testing.js';
import { randomMvmProgram, smallRaellaChip } from '../random-mvm.testing.js';
import type { SimTensor } from '../sim-tensor.js';
import { crossbarRates } from './mvm-stats.js';

/*
 * Speculative input slicing (algorithms.md §3.4) worked by hand on one channel of a 16×16 2T2R
 * crossbar (4-bit cells, 7-bit signed ADC: codes −64 … 63), weight slices [4, 4] (a hi and a lo
 * column), speculative slices [4, 2, 2]: bits 7–4 as one pulse train of 0 … 15, then bits 3–2 and
 * 1–0 of 0 … 3.
 */

const x = (values: readonly number[]): SimTensor => ({ type: 'u8', shape: [1, values.length], data: Uint8Array.from(values) });

function run(program: Program, input: SimTensor, options: RunOptions = {}) {
  const result = runProgram(program, new Map([['x', input]]), options);
  return { result, y: Array.from(result.outputs.get('y')!.data), stats: result.crossbar, events: result.events };
}

/** Crossbar activations, whatever shape they are priced by. */
const activations = (events: EventCounts) => Object.values(events.xbActivations ?? {}).reduce((a, b) => a + b, 0);

const KERNELS: readonly RunOptions[] = [
  { kernel: 'rows', skipExactSlices: false },
  { kernel: 'bitplanes', skipExactSlices: true },
  { kernel: 'wasm', skipExactSlices: true },
  { kernel: 'wasm', skipExactSlices: false },
];

/** y = acc / 64, rounded half up (multiplier 2^23, shift 29). */
const spec = (s: Omit<GemmSpec, 'chip'>): GemmSpec => ({
  chip: differentialChip(7),
  weightSlices: [4, 4],
  speculation: [4, 2, 2],
  multiplier: 2 ** 23,
  shift: 29,
  ...s,
});

describe('speculation, worked by hand', () => {
  it('sums inside the range are accepted: 3 conversions per column instead of 8, the exact result', () => {
    // Center 10, w = [13, 7, 10, 12]: the lo column holds the offsets [3, −3, 0, 2], the hi column 0.
    // x = [255, 255, 17, 200]: slice values [15, 15, 1, 12], [3, 3, 0, 2], [3, 3, 1, 0]; lo-column sums
    // 45 − 45 + 0 + 24 = 24, 9 − 9 + 4 = 4 and 9 − 9 = 0, all codes strictly inside [−64, 63].
    // acc = 16·24 + 4·4 + 0 + 10·Σx (727) = 7670 = Σ x·w; y = round(7670 / 64) = 120.
    const program = gemmProgram(spec({ weights: [[13, 7, 10, 12]], centers: [10] }));
    for (const options of KERNELS) {
      const { y, stats } = run(program, x([255, 255, 17, 200]), options);
      expect(y).toEqual([120]);
      expect(stats).toMatchObject({ speculativeConversions: 6, failedColumns: 0, recoveryConversions: 0, saturated: 0 });
      expect(stats.columnSumsComputed + stats.columnSumsFolded).toBe(6);
      expect(crossbarRates(stats).adcShare).toBe(6 / 16);
    }
  });

  it('folds the slices whose sums provably stay inside, converts the others', () => {
    // Largest cell 3: Σ values 43 could reach 129 (converted); 8 and 7 stay within ±24 and ±21 (folded).
    const { stats } = run(gemmProgram(spec({ weights: [[13, 7, 10, 12]], centers: [10] })), x([255, 255, 17, 200]));
    expect(stats).toMatchObject({ columnSumsComputed: 2, columnSumsFolded: 4 });
  });

  it('a column at the top code fails and is recovered bit by bit, exactly: 3 + 4 + 2 + 2 conversions', () => {
    // w = [15, 15, 0, 0], x = [255, 255, 0, 0]: the lo column sums 15·15·2 = 450 (code 63: fails), then
    // 3·15·2 = 90 twice (fail). Recovery: every bit sums 30, inside the range: Σ_b 2^b·30 over all 8
    // bits = 7650 = Σ x·w. The hi column (all 0) is accepted. Conversions: 2·3 + 4 + 2 + 2 = 14.
    const program = gemmProgram(spec({ weights: [[15, 15, 0, 0]] }));
    for (const options of KERNELS) {
      const { y, stats } = run(program, x([255, 255, 0, 0]), options);
      expect(y).toEqual([Math.round(7650 / 64)]);
      expect(stats).toMatchObject({ failedColumns: 3, recoveryConversions: 8, recoverySaturations: 0, saturated: 0 });
      expect(crossbarRates(stats)).toMatchObject({ conversions: 14, adcShare: 14 / 16, speculationSuccessRate: 0.5 });
    }
  });

  it('a recovery conversion that clips is a recovery saturation, the same clipping as without speculation', () => {
    // 16 rows of w = 15 and x = 255: every bit of the lo column sums 16·15 = 240 and clips at 63, so the
    // column gives 63·255 = 16065 (not 61200), as the non-speculative 1-bit slices do.
    const weights = [new Array<number>(16).fill(15)];
    const input = x(new Array<number>(16).fill(255));
    const speculative = run(gemmProgram(spec({ weights, shift: 40 })), input);
    const plain = run(withOneBitInputs(gemmProgram({ ...spec({ weights, shift: 40 }), speculation: undefined })), input);
    expect(speculative.stats).toMatchObject({ failedColumns: 3, recoveryConversions: 8, recoverySaturations: 8, saturated: 8 });
    expect(plain.stats.saturated).toBe(8);
    expect(speculative.y).toEqual(plain.y);
    for (const options of KERNELS) {
      expect(run(gemmProgram(spec({ weights, shift: 40 })), input, options).y).toEqual(speculative.y);
    }
  });
});

describe('speculation: events', () => {
  it('11 crossbar cycles per input vector and tile; conversions = columns · 3 + failed columns · slice bits', () => {
    const program = gemmProgram(
      spec({
        weights: [
          [15, 15, 0, 0],
          [1, 2, 3, 4],
        ],
        batch: 2,
      }),
    );
    const input: SimTensor = { type: 'u8', shape: [2, 4], data: Uint8Array.from([255, 255, 0, 0, 9, 8, 7, 6]) };
    const { stats, events } = run(program, input);
    const columns = 2 * 2; // 2 channels × 2 weight slices
    expect(activations(events)).toBe(2 * 11);
    expect(stats.crossbarCycles).toBe(2 * 11);
    // Vector 1 fails the lo column of channel 0 in all three slices (4 + 2 + 2 bits); vector 2 fails nothing.
    expect(stats.failedColumns).toBe(3);
    expect(events.adcConverts).toEqual({ 7: 2 * columns * 3 + 8 });
    expect(events.shiftAdds).toBe(2 * columns * 3 + 8);
    // Pulse trains: 4 rows × (one 4-bit, two 2-bit, eight 1-bit recovery cycles) per vector.
    expect(events.dacDrives).toEqual({ 1: 2 * 8 * 4, 2: 2 * 2 * 4, 4: 2 * 4 });
  });

  it('the cost report prices every counted conversion and 11 cycles per vector', () => {
    const program = gemmProgram(spec({ weights: [[15, 15, 0, 0]] }));
    const { result, stats } = run(program, x([255, 255, 0, 0]));
    const cost = costReport(program, result).perInstruction[0]!;
    const conversions = crossbarRates(stats).conversions;
    expect(conversions).toBe(14);
    expect(cost.energyByComponent.adc).toBeCloseTo(conversions * adcConvertEnergyPJ(program.chip, 7), 9);
    // One position: 11 crossbar cycles of 100 ns (the 16×16 array's read-out is shorter).
    expect(cost.latencyNs).toBe(11 * program.chip.tiles.macro!.crossbar.cycleNs);
  });

  it('signed inputs take two passes of 11 cycles', () => {
    const program = gemmProgram(spec({ weights: [[1, -2, 3]], inputType: 'i8' }));
    const { events, stats } = run(program, { type: 'i8', shape: [1, 3], data: Int8Array.from([-100, 50, 7]) });
    expect(activations(events)).toBe(22);
    expect(stats.speculativeConversions).toBe(2 * 2 * 3);
  });
});

describe('speculation: every kernel gives the same bits and statistics', () => {
  it('on random layers (centers, signed inputs, slicings, 7-bit ADC, groups, padding, odd row tiles)', () => {
    const rng = new Rng(11);
    const chips = [smallRaellaChip(), differentialChip(7)];
    const totals = { failed: 0, clipped: 0, folded: 0 };
    for (let i = 0; i < 24; i++) {
      const speculation = [
        [4, 2, 2],
        [2, 2, 2, 2],
        [3, 3, 2],
        [4, 4],
      ][i % 4]!;
      const layer = randomMvmProgram(rng, {
        chip: chips[i % 2]!,
        centers: i % 3 !== 2,
        speculation,
        adcBits: 7,
        weightSlices: i % 2 === 0 ? [4, 2, 2] : [4, 4],
        high: i % 5 === 0,
      });
      const input = new Map([['x', layer.input]]);
      for (const skipExactSlices of [true, false]) {
        const runs = (['rows', 'bitplanes', 'wasm'] as const).map((kernel) =>
          runProgram(layer.program, input, { kernel, skipExactSlices }),
        );
        for (const r of runs.slice(1)) {
          expect(Array.from(r.outputs.get('y')!.data), layer.description).toEqual(Array.from(runs[0]!.outputs.get('y')!.data));
          expect(r.crossbar, layer.description).toEqual(runs[0]!.crossbar);
          expect(r.events, layer.description).toEqual(runs[0]!.events);
        }
        totals.failed += runs[0]!.crossbar.failedColumns;
        totals.clipped += runs[0]!.crossbar.recoverySaturations;
        totals.folded += runs[0]!.crossbar.columnSumsFolded;
      }
    }
    expect(totals.failed).toBeGreaterThan(1000);
    expect(totals.clipped).toBeGreaterThan(10);
    expect(totals.folded).toBeGreaterThan(0);
  });

  it('the result equals the non-speculative one wherever no 1-bit conversion clips', () => {
    let compared = 0;
    for (let i = 0; i < 12; i++) {
      const options = { chip: smallRaellaChip(), centers: true, adcBits: 9, weightSlices: [4, 2, 2] };
      const layer = randomMvmProgram(new Rng(100 + i), { ...options, speculation: [4, 2, 2] });
      const plain = randomMvmProgram(new Rng(100 + i), { ...options, speculation: undefined });
      const input = new Map([['x', layer.input]]);
      const a = runProgram(layer.program, input);
      const b = runProgram(withOneBitInputs(plain.program), input);
      if (b.crossbar.saturated !== 0) continue;
      compared++;
      expect(a.crossbar.recoverySaturations).toBe(0);
      expect(Array.from(a.outputs.get('y')!.data), layer.description).toEqual(Array.from(b.outputs.get('y')!.data));
    }
    expect(compared).toBeGreaterThan(3);
  });
});

/** A one-layer program with its crossbar-mvm fed 1-bit input slices (the non-speculative baseline). */
function withOneBitInputs(program: Program): Program {
  const mvm = program.instructions[0] as Extract<Program['instructions'][number], { op: 'crossbar-mvm' }>;
  const inputs = { ...mvm.inputs, slices: new Array<number>(8).fill(1) };
  return { ...program, instructions: [{ ...mvm, inputs }] };
}
