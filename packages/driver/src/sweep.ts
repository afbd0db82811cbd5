import { lowerRapidnn } from '@pimc/backend';
import { loadModel } from '@pimc/frontend-onnx';
import type { SweepPoint, SweepReference } from '@pimc/report';
import { PimcError } from '@pimc/support';
import { readCalibrationFeeds } from './calibration.js';
import { loadChip } from './chip.js';
import { compileModel, isLookupChip, type CompiledModel } from './compile.js';
import { evaluateCompiled, type Evaluation } from './evaluate.js';
import { clusterModel } from './rapidnn/index.js';

/** RAPIDNN's tunable-approximation grid (algorithms.md §2.3). */
export interface SweepGrid {
  readonly kW: readonly number[];
  readonly kU: readonly number[];
  readonly camBits: readonly number[];
  readonly activationEntries: readonly number[];
  /** Pair kW[i] with kU[i] (the diagonal) instead of taking every combination. */
  readonly diagonal: boolean;
}

/** The spec's grid: kW, kU ∈ {4, 8, 16, 32, 64} (here paired), camBits ∈ {4, 6, 8}, T = 64. */
export const DEFAULT_SWEEP_GRID: SweepGrid = {
  kW: [4, 8, 16, 32, 64],
  kU: [4, 8, 16, 32, 64],
  camBits: [4, 6, 8],
  activationEntries: [64],
  diagonal: true,
};

export interface SweepOptions {
  readonly chip?: string;
  readonly calibrationDir: string;
  /** Labelled test-set folders the points are evaluated on. */
  readonly testSets: readonly string[];
  readonly grid?: SweepGrid;
  readonly seed?: number;
  /** Also compile for this crossbar chip (e.g. isaac) and add it as a reference point. */
  readonly reference?: string;
  readonly log?: (message: string) => void;
}

export interface SweepResult {
  readonly model: string;
  readonly chip: string;
  readonly floatAccuracy: number | undefined;
  readonly points: readonly (SweepPoint & { readonly samples: number })[];
  readonly references: readonly SweepReference[];
  readonly notes: readonly string[];
}

/**
 * Compiles a model for a CAM/lookup chip at every point of the grid and evaluates each on the test
 * sets: accuracy (or top-1 agreement with float), energy and latency per inference, bytes per
 * neuron. Clustering depends only on (kW, kU), so it runs once per pair and only the mapping is
 * redone for the CAM knobs.
 */
export function rapidnnSweep(path: string, options: SweepOptions): SweepResult {
  const log = options.log ?? (() => undefined);
  const chip = loadChip(options.chip ?? 'rapidnn');
  if (!isLookupChip(chip)) {
    throw new PimcError(
      'usage',
      `sweep explores RAPIDNN's knobs, so it needs a chip with CAM and lookup blocks, not '${chip.name}'`,
    );
  }
  const grid = options.grid ?? DEFAULT_SWEEP_GRID;
  const pairs = grid.diagonal ? diagonalPairs(grid) : grid.kW.flatMap((kW) => grid.kU.map((kU) => [kW, kU] as const));
  const model = loadModel(path);
  const feeds = readCalibrationFeeds(options.calibrationDir, model);
  const lutBits = chip.tiles.lut!.entryBits;
  const keyBits = chip.tiles.cam!.keyBits;
  const points: (SweepPoint & { samples: number })[] = [];
  let floatAccuracy: number | undefined;
  for (const [kW, kU] of pairs) {
    const clustered = clusterModel(model, feeds, { kW, kU, seed: options.seed ?? 0 });
    for (const camBits of grid.camBits) {
      for (const T of grid.activationEntries) {
        const program = lowerRapidnn(clustered.model, chip, { camBits, activationEntries: T });
        const compiled: CompiledModel = {
          program,
          chip,
          floatModel: clustered.floatModel,
          rapidnn: clustered,
          calibration: options.calibrationDir,
          crossbarsUsed: 0,
          crossbarsAvailable: 0,
          sampleInput: new Map(),
        };
        const e = evaluateCompiled(compiled, clustered.floatModel, options.testSets);
        floatAccuracy ??= e.accuracy?.float;
        points.push({ kW, kU, camBits, T, ...measures(e), bytesPerNeuron: bytesPerNeuron(kW, kU, T, lutBits, keyBits) });
        log(`kW ${kW} kU ${kU} camBits ${camBits} T ${T}: ${describe(e)}`);
      }
    }
  }
  const references: SweepReference[] = [];
  if (options.reference !== undefined) {
    const baseline = compileModel(path, { chip: options.reference, calibrationDir: options.calibrationDir });
    const e = evaluateCompiled(baseline, baseline.floatModel, options.testSets);
    references.push({ name: options.reference, ...measures(e) });
  }
  return {
    model: path,
    chip: chip.name,
    floatAccuracy,
    points,
    references,
    notes: [
      `chip ${chip.name}: CAM, lookup-table and in-memory adder energies and latencies are placeholders (cost-model.md §6.5), not calibrated values`,
      `post-training clustering, no retraining (RAPIDNN retrains; algorithms.md §2.2); calibration: ${options.calibrationDir}`,
      `bytes per neuron = kW·kU·lutBits/8 + T·(keyBits + log2 kU)/8 with lutBits ${lutBits}, keyBits ${keyBits}`,
    ],
  };
}

function diagonalPairs(grid: SweepGrid): (readonly [number, number])[] {
  if (grid.kW.length !== grid.kU.length) {
    throw new PimcError(
      'usage',
      `a diagonal sweep pairs kW and kU, so they need as many values (${grid.kW.length} vs ${grid.kU.length})`,
    );
  }
  return grid.kW.map((kW, i) => [kW, grid.kU[i]!] as const);
}

function measures(e: Evaluation): Omit<SweepPoint, 'kW' | 'kU' | 'camBits' | 'T'> & { samples: number } {
  return {
    samples: e.samples,
    ...(e.accuracy === undefined ? {} : { accuracy: e.accuracy.compiled, accuracyLoss: e.accuracy.float - e.accuracy.compiled }),
    ...(e.top1Agreement === undefined ? {} : { top1Agreement: e.top1Agreement }),
    energyPjPerInference: e.energyPerInferencePJ,
    latencyNs: e.latencyPerInferenceNs.serial,
  };
}

/** Memory per neuron (algorithms.md §2.3): its product table plus its activation CAM. */
export function bytesPerNeuron(kW: number, kU: number, T: number, lutBits: number, keyBits: number): number {
  return (kW * kU * lutBits) / 8 + (T * (keyBits + Math.ceil(Math.log2(Math.max(kU, 2))))) / 8;
}

function describe(e: Evaluation): string {
  const acc = e.accuracy === undefined ? '' : `accuracy ${(100 * e.accuracy.compiled).toFixed(2)} % `;
  const agree = e.top1Agreement === undefined ? '' : `agreement ${(100 * e.top1Agreement).toFixed(2)} % `;
  return `${acc}${agree}energy ${(e.energyPerInferencePJ / 1e3).toFixed(1)} nJ`;
}
