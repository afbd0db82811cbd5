import { validateChip, type Chip } from '@pimc/arch';
import { runGraph } from '@pimc/executor';
import { Tensor, type DType, type Model } from '@pimc/ir';
import type { Program } from '@pimc/isa';
import { runProgram, type RunOptions, type RunResult, type SimTensor } from '@pimc/sim';
import { lowerToProgram, type LowerOptions } from './lower-program.js';

/* Test helpers shared by the invariant tests: IR tensors ↔ simulator tensors, chips with wide ADCs. */

const TYPES = { uint8: 'u8', int8: 'i8', int32: 'i32', float32: 'f32' } as const;

export function toSim(t: Tensor): SimTensor {
  const type = TYPES[t.dtype as keyof typeof TYPES];
  if (type === undefined) throw new Error(`no simulator type for ${t.dtype}`);
  return { type, shape: t.shape, data: t.data as SimTensor['data'] };
}

export function fromSim(t: SimTensor): Tensor {
  const dtype = (Object.entries(TYPES).find(([, v]) => v === t.type)![0] as DType) ?? 'float32';
  return new Tensor(dtype, t.shape, t.data as never);
}

/** A preset with JSON-patch changes (for example a wider ADC). */
export function chipLike(base: string, name: string, patch: Record<string, unknown>): Chip {
  return validateChip({ extends: base, name, ...patch });
}

/**
 * Wide-ADC variants of the presets: no column sum can clip, so the simulator must equal the
 * executor bit for bit. Rows and columns vary to exercise row and column tiling.
 */
export function wideAdcChips(): Chip[] {
  return [
    chipLike('isaac', 'isaac-adc12', { tiles: { macro: { adc: { bits: 12 } } } }),
    chipLike('isaac', 'isaac-32x24-adc12', { tiles: { macro: { adc: { bits: 12 }, crossbar: { rows: 32, columns: 24 } } } }),
    chipLike('isaac', 'isaac-3bit-dac2-adc14', {
      tiles: { macro: { adc: { bits: 14 }, dac: { bits: 2 }, crossbar: { rows: 16, columns: 40, bitsPerCell: 3 } } },
    }),
    chipLike('raella', 'raella-64x48-adc16', { tiles: { macro: { adc: { bits: 16 }, crossbar: { rows: 64, columns: 48 } } } }),
  ];
}

/** Runs a model on the executor and, lowered for `chip`, on the simulator. */
export function runBoth(
  model: Model,
  inputs: ReadonlyMap<string, Tensor>,
  chip: Chip,
  options: { lower?: LowerOptions; sim?: RunOptions } = {},
): { expected: Map<string, Tensor>; program: Program; run: RunResult } {
  const expected = runGraph(model.graph, inputs).outputs;
  const program = lowerToProgram(model, chip, options.lower);
  const run = runProgram(program, new Map([...inputs].map(([k, v]) => [k, toSim(v)])), options.sim);
  return { expected, program, run };
}

/** Element-wise comparison of two integer tensors: mismatches and the largest difference. */
export function compareCodes(expected: Tensor, actual: SimTensor): { mismatches: number; maxAbs: number; total: number } {
  const a = expected.data as ArrayLike<number>;
  const b = actual.data;
  let mismatches = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d !== 0) mismatches++;
    if (d > maxAbs) maxAbs = d;
  }
  return { mismatches, maxAbs, total: a.length };
}
