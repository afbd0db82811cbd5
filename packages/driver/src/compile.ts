import { basename } from 'node:path';
import { crossbarsPerChip, type Chip } from '@pimc/arch';
import { lowerToProgram } from '@pimc/backend';
import { loadModel } from '@pimc/frontend-onnx';
import { Tensor, type DType, type Model } from '@pimc/ir';
import type { Program } from '@pimc/isa';
import { costReport, prepareProgram, type CostReport, type RunOptions, type RunResult, type SimTensor } from '@pimc/sim';
import { PimcError } from '@pimc/support';
import { randomUniformFeeds, readCalibrationFeeds, type Feeds } from './calibration.js';
import { loadChip } from './chip.js';
import { quantizeModel, type QuantizedModel } from './quantize.js';

export interface CompileOptions {
  /** Chip preset name or chip JSON file; `isaac` by default. */
  readonly chip?: string;
  /** Folder of calibration inputs (`input_<i>.pb`/`.npy`); see `calibrationFallback` without it. */
  readonly calibrationDir?: string;
  /** Seed of the random-uniform calibration used when no folder is given. */
  readonly seed?: number;
  readonly activations?: 'uint8' | 'int8';
  readonly method?: 'minmax' | 'percentile';
  /** Progress and warnings (library code never prints). */
  readonly log?: (message: string) => void;
}

export interface CompiledModel {
  readonly program: Program;
  readonly chip: Chip;
  readonly quantized: QuantizedModel;
  /** How the activation ranges were calibrated, in words (printed by the CLI). */
  readonly calibration: string;
  readonly crossbarsUsed: number;
  readonly crossbarsAvailable: number;
  /** One calibration sample (the first image of the first feed), for cost estimates. */
  readonly sampleInput: ReadonlyMap<string, Tensor>;
}

/** Samples of the random-uniform calibration fallback [ours]. */
const FALLBACK_SAMPLES = 16;

/**
 * The main job: an ONNX model → a program for a chip. Float simplification, activation fusion,
 * post-training quantization calibrated on `calibrationDir` (or, said clearly, on seeded uniform
 * random inputs), crossbar lowering and placement.
 */
export function compileModel(path: string, options: CompileOptions = {}): CompiledModel {
  const log = options.log ?? (() => undefined);
  const chip = loadChip(options.chip ?? 'isaac');
  const model = loadModel(path);
  log(`imported ${path}: ${model.graph.nodes.length} nodes`);
  const { feeds, description } = calibrationFeeds(model, options);
  log(`calibration: ${description}`);
  const quantized = quantizeModel(model, {
    calibration: feeds,
    ...(options.activations === undefined ? {} : { activations: options.activations }),
    ...(options.method === undefined ? {} : { method: options.method }),
    log,
  });
  log(`quantized: ${quantized.pipeline}`);
  const program = lowerToProgram(quantized.model, chip, {
    metadata: { source: basename(path), pipeline: quantized.pipeline, calibration: description, compiler: 'pimc 0.1.0' },
  });
  log(`lowered and placed: ${program.crossbars.length} crossbars`);
  return {
    program,
    chip,
    quantized,
    calibration: description,
    crossbarsUsed: program.crossbars.length,
    crossbarsAvailable: crossbarsPerChip(chip),
    sampleInput: new Map([...feeds[0]!].map(([name, t]) => [name, firstItem(t)])),
  };
}

/** The first entry along the batch axis, as a batch of one. */
function firstItem(t: Tensor): Tensor {
  const n = t.shape[0] ?? 1;
  if (t.rank === 0 || n <= 1) return t;
  const per = t.size / n;
  return new Tensor(t.dtype, [1, ...t.shape.slice(1)], t.data.slice(0, per) as never);
}

function calibrationFeeds(model: Model, options: CompileOptions): { feeds: Feeds[]; description: string } {
  if (options.calibrationDir !== undefined) {
    const feeds = readCalibrationFeeds(options.calibrationDir, model);
    if (feeds.length === 0) {
      throw new PimcError('invalid-input', `calibration folder '${options.calibrationDir}' holds no input_<i>.pb or .npy files`);
    }
    // The folder's name, not its path: the same sources must give the same bytes on any machine.
    return { feeds, description: `${feeds.length} input file(s) from ${basename(options.calibrationDir)}` };
  }
  const seed = options.seed ?? 0;
  return {
    feeds: randomUniformFeeds(model, { samples: FALLBACK_SAMPLES, seed }),
    description:
      `no --calib given: FALLBACK to ${FALLBACK_SAMPLES} seeded (seed ${seed}) uniform random inputs in [0, 1); ` +
      'activation ranges may not match real data — pass --calib DIR with training samples',
  };
}

const SIM_TYPES: Partial<Record<DType, SimTensor['type']>> = { uint8: 'u8', int8: 'i8', int32: 'i32', float32: 'f32' };
const IR_TYPES: Record<SimTensor['type'], DType> = { u8: 'uint8', i8: 'int8', i32: 'int32', f32: 'float32' };

export interface SimulationResult {
  /** Outputs in the program's output order, as IR tensors. */
  readonly outputs: readonly { name: string; tensor: Tensor }[];
  readonly run: RunResult;
  readonly cost: CostReport;
}

/** Runs a compiled program on the simulated chip and prices the run. */
export function simulate(program: Program, inputs: ReadonlyMap<string, Tensor>, options: RunOptions = {}): SimulationResult {
  const simInputs = new Map<string, SimTensor>();
  for (const [name, t] of inputs) {
    const type = SIM_TYPES[t.dtype];
    if (type === undefined) {
      throw new PimcError('invalid-input', `input '${name}' is ${t.dtype}; the simulator takes float32, uint8, int8 or int32`);
    }
    simInputs.set(name, { type, shape: t.shape, data: t.data as SimTensor['data'] });
  }
  const run = prepareProgram(program, options).run(simInputs);
  const outputs = [...run.outputs].map(([name, t]) => ({ name, tensor: new Tensor(IR_TYPES[t.type], t.shape, t.data as never) }));
  return { outputs, run, cost: costReport(program, run) };
}

/** The program's graph inputs as the CLI and `bindInputs` see them (names and declared shapes). */
export function programInputs(program: Program): { name: string; shape: readonly number[] }[] {
  return program.inputs.map((id) => {
    const t = program.tensors[id]!;
    return { name: t.name, shape: t.shape };
  });
}
