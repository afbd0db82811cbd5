import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel, encodePimb, readTensorFile, simulate } from '@pimc/driver';
import type { Tensor } from '@pimc/ir';
import { FIXTURES_DIR } from './shared-data.js';

/**
 * The golden corpus: every fixture compiled for every crossbar preset, its simulated outputs on
 * test set 0 and its cost figures. CI recomputes them and compares bit for bit, so a refactor that
 * changes one bit of a binary, an output or a cost is seen (`node scripts/golden.js` rewrites them
 * after an intended change).
 */
export const GOLDEN_DIR = join(FIXTURES_DIR, '..', 'golden');
export const GOLDEN_PRESETS = ['isaac', 'raella', 'raella-no-spec', 'raella-no-spec-2b', 'rapidnn'] as const;
export const CALIBRATION_DIR = join(FIXTURES_DIR, 'mnist-calibration');

export interface GoldenCase {
  readonly fixture: string;
  readonly preset: string;
  /** Folder of this case's files inside GOLDEN_DIR. */
  readonly dir: string;
}

export interface GoldenResult {
  readonly output: Tensor;
  /** Everything compared besides the output: binary hash, crossbars, cost figures. */
  readonly summary: Readonly<Record<string, number | string>>;
}

export function goldenCases(): GoldenCase[] {
  const fixtures = readdirSync(FIXTURES_DIR)
    .filter((d) => existsSync(join(FIXTURES_DIR, d, 'model.onnx')))
    .sort();
  return fixtures.flatMap((fixture) =>
    GOLDEN_PRESETS.map((preset) => ({ fixture, preset, dir: join(GOLDEN_DIR, fixture, preset) })),
  );
}

export function computeGolden(c: GoldenCase): GoldenResult {
  const compiled = compileModel(join(FIXTURES_DIR, c.fixture, 'model.onnx'), { chip: c.preset, calibrationDir: CALIBRATION_DIR });
  const input = readTensorFile(join(FIXTURES_DIR, c.fixture, 'test_data_set_0', 'input_0.pb'));
  const name = compiled.floatModel.graph.inputs[0]!.name;
  const result = simulate(compiled.program, new Map([[name, input.tensor]]));
  const cost = result.cost;
  return {
    output: result.outputs[0]!.tensor,
    summary: {
      pimbSha256: createHash('sha256').update(encodePimb(compiled.program)).digest('hex'),
      crossbars: compiled.crossbarsUsed,
      instructions: compiled.program.instructions.length,
      energyPerInferencePJ: cost.energyPJ.perInference,
      latencySerialNs: cost.latencyNs.serial,
      latencyPipelinedNs: cost.latencyNs.pipelined,
      areaMm2: cost.areaMm2.total,
      saturatedConversions: result.run.crossbar.saturated,
      sliceMacs: result.run.crossbar.sliceMacs,
    },
  };
}
