import { describe, expect, it } from 'vitest';
import type { Program } from '@pimc/isa';
import { isPimcError, Rng } from '@pimc/support';
import { costReport } from './cost-report.js';
import { gemmProgram, isaacWithAdc } from './program.testing.js';
import { prepareProgram, runProgram } from './run-program.js';
import { routerHops } from './noc.js';
import type { SimTensor } from './sim-tensor.js';

const rng = new Rng(8);
const weights = Array.from({ length: 10 }, () => Array.from({ length: 40 }, () => rng.int(-128, 127)));

function batchOf(rows: number): SimTensor {
  return { type: 'u8', shape: [rows, 40], data: Uint8Array.from({ length: rows * 40 }, () => rng.int(0, 255)) };
}

function expectError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isPimcError(e, 'invalid-input')).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PimcError');
}

describe('runProgram: batches and inputs', () => {
  const program = gemmProgram({ chip: isaacWithAdc(8), weights, shift: 31 });

  it('runs any batch size: a batch of 3 equals three runs of one image, events three times over', () => {
    const x = batchOf(3);
    const sim = prepareProgram(program);
    expect(sim.anyBatch).toBe(true);
    const all = sim.run(new Map([['x', x]]));
    expect(all.batch).toBe(3);
    const one = [0, 1, 2].map((i) => {
      const xi: SimTensor = { type: 'u8', shape: [1, 40], data: (x.data as Uint8Array).slice(i * 40, (i + 1) * 40) };
      return sim.run(new Map([[0, xi]]));
    });
    expect(Array.from(all.outputs.get('y')!.data)).toEqual(one.flatMap((r) => Array.from(r.outputs.get('y')!.data)));
    expect(all.events.adcConverts).toEqual({ 8: 3 * one[0]!.events.adcConverts![8]! });
  });

  it('refuses a wrong type, a wrong shape, an unknown or a missing input', () => {
    const x = batchOf(1);
    expectError(() => runProgram(program, new Map([['x', { ...x, type: 'i8' }]])), /input 'x' must be u8\[1, 40\], got i8/);
    expectError(() => runProgram(program, new Map([['x', { ...x, shape: [1, 39] }]])), /must be u8\[1, 40\], got u8\[1, 39\]/);
    expectError(() => runProgram(program, new Map([['z', x]])), /'z' is not an input/);
    expectError(() => runProgram(program, new Map()), /no value for program input 'x'/);
  });

  it('refuses programs whose dataflow is broken', () => {
    const mvm = program.instructions[0]!;
    const twice: Program = { ...program, instructions: [mvm, mvm] };
    expectError(() => runProgram(twice, new Map([['x', batchOf(1)]])), /writes tensor 'y' a second time/);
    const unread: Program = { ...program, instructions: [] };
    expectError(() => runProgram(unread, new Map([['x', batchOf(1)]])), /output 'y' is never written/);
  });
});

describe('costReport', () => {
  const program = gemmProgram({ chip: isaacWithAdc(8), weights, shift: 31, batch: 1 });
  const run = runProgram(program, new Map([['x', batchOf(4)]]));
  const report = costReport(program, run);

  it('prices every event once: the total is the sum of the instructions', () => {
    const sum = report.perInstruction.reduce((s, c) => s + c.energyPJ, 0);
    expect(report.energyPJ.total).toBeCloseTo(sum, 6);
    expect(report.energyPJ.perInference).toBeCloseTo(report.energyPJ.total / 4, 6);
    expect(report.chip).toBe('isaac');
    // 4 images × 8 slices × 40 used columns of 8-bit conversions at 1.5625 pJ.
    expect(report.energyPJ.byComponent.adc).toBeCloseTo(4 * 8 * 40 * 1.5625, 6);
  });

  it('gives the crossbar latency with its parallelism: slices × max(cycle, ADC read-out) per input vector', () => {
    // One 128×128 crossbar, 40 used columns over 8 ADCs per macro: 5 × 0.78 ns < the 100 ns cycle.
    expect(report.perInstruction[0]!.latencyNs).toBeCloseTo(4 * 8 * 100, 6);
    expect(report.latencyNs.pipelined).toBeLessThanOrEqual(report.latencyNs.serial);
    expect(report.areaMm2.total).toBeGreaterThan(0);
  });
});

describe('NoC model', () => {
  it('counts router hops on a square mesh of routers, 4 tiles per router on ISAAC', () => {
    const chip = isaacWithAdc(8);
    expect(routerHops(chip, 5, 5)).toBe(0);
    expect(routerHops(chip, 0, 3)).toBe(1); // same router
    expect(routerHops(chip, 0, 4)).toBe(2); // neighbouring routers
    // 168 tiles → 42 routers on a 7 × 7 mesh: router 41 is at (6, 5).
    expect(routerHops(chip, 0, 167)).toBe(6 + 5 + 1);
  });
});
