import { basename } from 'node:path';
import { crossbarsPerChip, type Chip } from '@pimc/arch';
import { lowerRapidnn, lowerToProgram, type RapidnnOptions } from '@pimc/backend';
import { loadModel } from '@pimc/frontend-onnx';
import { Tensor, type DType, type Model } from '@pimc/ir';
import type { Program } from '@pimc/isa';
import { costReport, prepareProgram, type CostReport, type RunOptions, type RunResult, type SimTensor } from '@pimc/sim';
import { PimcError } from '@pimc/support';
import { randomUniformFeeds, readCalibrationFeeds, type Feeds } from './calibration.js';
import { loadChip } from './chip.js';
import { quantizeModel, type QuantizedModel } from './quantize.js';
import { applyRaella, type RaellaResult } from './raella.js';
import { runPipeline } from './pipeline.js';
import { withRandomWeights } from './synthetic-weights.js';
import { clusterModel, type ClusterModelOptions, type ClusteredModel } from './rapidnn/index.js';

export interface CompileOptions {
  /** Chip preset name or chip JSON file; `isaac` by default. */
  readonly chip?: string;
  /** Folder of calibration inputs (`input_<i>.pb`/`.npy`); see `calibrationFallback` without it. */
  readonly calibrationDir?: string;
  /** Seed of the random-uniform calibration used when no folder is given. */
  readonly seed?: number;
  readonly activations?: 'uint8' | 'int8';
  readonly method?: 'minmax' | 'percentile';
  /**
   * Replace the float weights by seeded random ones (withRandomWeights) before calibration: for
   * models that carry only their structure. Never for accuracy figures.
   */
  readonly randomWeights?: number;
  /** RAPIDNN knobs (chips with CAM and lookup blocks): rapidnn-cluster's options and the CAM precision. */
  readonly rapidnn?: RapidnnCompileOptions;
  /** Progress and warnings (library code never prints). */
  readonly log?: (message: string) => void;
}

/** rapidnn-cluster's options plus rapidnn-map's (CAM bits, activation-table size, tables). */
export type RapidnnCompileOptions = ClusterModelOptions & Omit<RapidnnOptions, 'batch' | 'metadata'>;

export interface CompiledModel {
  readonly program: Program;
  readonly chip: Chip;
  /** The float reference the compiled model approximates (after the float pipeline). */
  readonly floatModel: Model;
  /** Crossbar chips: the model in the quantized dialect. */
  readonly quantized?: QuantizedModel;
  /** Crossbar chips: the chip's RAELLA passes (Center+Offset, slicing, speculation); empty for ISAAC. */
  readonly raella?: RaellaResult;
  /** CAM/lookup chips (RAPIDNN): the clustered float model, the functional model of the program. */
  readonly rapidnn?: ClusteredModel;
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
  const imported = loadModel(path);
  log(`imported ${path}: ${imported.graph.nodes.length} nodes`);
  // Calibration reads only the model's inputs, so it comes first: random weights need it for their
  // BatchNormalization statistics.
  const { feeds, description } = calibrationFeeds(imported, options);
  const model =
    options.randomWeights === undefined
      ? imported
      : withRandomWeights(runPipeline(imported, 'fold-constants').model, options.randomWeights, feeds);
  if (options.randomWeights !== undefined) log(`weights replaced by seeded random ones (seed ${options.randomWeights})`);
  log(`calibration: ${description}`);
  const metadata = {
    source: basename(path),
    calibration: description,
    compiler: 'pimc 0.1.0',
    ...(options.randomWeights === undefined
      ? {}
      : { weights: `seeded random (withRandomWeights, seed ${options.randomWeights})` }),
  };
  const sampleInput = new Map([...feeds[0]!].map(([name, t]) => [name, firstItem(t)]));
  if (isLookupChip(chip)) {
    // RAPIDNN: the float model clustered, then mapped onto CAM and lookup blocks.
    const { camBits, activationEntries, tables, ...cluster } = options.rapidnn ?? {};
    const clustered = clusterModel(model, feeds, { seed: options.seed ?? 0, log, ...cluster });
    log(`clustered: ${clustered.pipeline}`);
    const program = lowerRapidnn(clustered.model, chip, {
      ...(camBits === undefined ? {} : { camBits }),
      ...(activationEntries === undefined ? {} : { activationEntries }),
      ...(tables === undefined ? {} : { tables }),
      metadata: { ...metadata, pipeline: `${clustered.pipeline},${rapidnnMapStep(camBits, activationEntries, tables)}` },
    });
    log(`mapped onto ${chip.name}: ${program.instructions.filter((i) => i.op === 'lut-mvm').length} lookup layers`);
    return {
      program,
      chip,
      floatModel: clustered.floatModel,
      rapidnn: clustered,
      calibration: description,
      crossbarsUsed: 0,
      crossbarsAvailable: 0,
      sampleInput,
    };
  }
  const quantized = quantizeModel(model, {
    calibration: feeds,
    ...(options.activations === undefined ? {} : { activations: options.activations }),
    ...(options.method === undefined ? {} : { method: options.method }),
    log,
  });
  log(`quantized: ${quantized.pipeline}`);
  const raella = applyRaella(quantized.model, chip, feeds, { seed: options.seed ?? 0, log });
  if (raella.pipeline !== '') log(`encoded for ${chip.name}: ${raella.pipeline}`);
  const pipeline = raella.pipeline === '' ? quantized.pipeline : `${quantized.pipeline},${raella.pipeline}`;
  const program = lowerToProgram(raella.model, chip, { metadata: { ...metadata, pipeline } });
  log(`lowered and placed: ${program.crossbars.length} crossbars`);
  return {
    program,
    chip,
    floatModel: quantized.floatModel,
    quantized,
    raella,
    calibration: description,
    crossbarsUsed: program.crossbars.length,
    crossbarsAvailable: crossbarsPerChip(chip),
    sampleInput,
  };
}

/** rapidnn-map's knobs as pipeline text (the lowering is not an IR pass, but reproducers need its options). */
function rapidnnMapStep(camBits?: number, activationEntries?: number | 'exact', tables?: string): string {
  const given = Object.entries({ camBits, activationEntries, tables }).filter(([, v]) => v !== undefined);
  return given.length === 0 ? 'rapidnn-map' : `rapidnn-map{${given.map(([k, v]) => `${k}=${String(v)}`).join(',')}}`;
}

/** A chip that computes by lookups (RAPIDNN): CAM and lookup-table blocks, no crossbar macros. */
export function isLookupChip(chip: Chip): boolean {
  return chip.tiles.macro === undefined && chip.tiles.cam !== undefined && chip.tiles.lut !== undefined;
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

/** A program prepared once for the simulated chip (crossbars decoded, layers built), run on many inputs. */
export interface Simulation {
  run(inputs: ReadonlyMap<string, Tensor>): SimulationResult;
}

/**
 * Prepares a compiled program for the simulator: checks it, decodes its crossbars and builds its
 * layers once (on ResNet-50 that is most of a first run), so each `run` is one inference's work.
 */
export function prepareSimulation(program: Program, options: RunOptions = {}): Simulation {
  const prepared = prepareProgram(program, options);
  return {
    run: (inputs) => {
      const simInputs = new Map<string, SimTensor>();
      for (const [name, t] of inputs) {
        const type = SIM_TYPES[t.dtype];
        if (type === undefined) {
          throw new PimcError(
            'invalid-input',
            `input '${name}' is ${t.dtype}; the simulator takes float32, uint8, int8 or int32`,
          );
        }
        simInputs.set(name, { type, shape: t.shape, data: t.data as SimTensor['data'] });
      }
      const run = prepared.run(simInputs);
      const outputs = [...run.outputs].map(([name, t]) => ({
        name,
        tensor: new Tensor(IR_TYPES[t.type], t.shape, t.data as never),
      }));
      return { outputs, run, cost: costReport(program, run) };
    },
  };
}

/** Runs a compiled program on the simulated chip and prices the run (prepares it first: see prepareSimulation for many runs). */
export function simulate(program: Program, inputs: ReadonlyMap<string, Tensor>, options: RunOptions = {}): SimulationResult {
  return prepareSimulation(program, options).run(inputs);
}

/** The program's graph inputs as the CLI and `bindInputs` see them (names and declared shapes). */
export function programInputs(program: Program): { name: string; shape: readonly number[] }[] {
  return program.inputs.map((id) => {
    const t = program.tensors[id]!;
    return { name: t.name, shape: t.shape };
  });
}
