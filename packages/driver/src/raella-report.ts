import type { CrossbarMvm } from '@pimc/isa';
import { analyzeRaellaLayers, type RaellaLayerReport } from '@pimc/passes';
import type { ColumnSumHistogram, EnergyBreakdownPj, RaellaConfiguration, RaellaLayerRow, RaellaReportData } from '@pimc/report';
import { crossbarRates, type CostReport, type InstructionRecord, type RunResult } from '@pimc/sim';
import { PimcError } from '@pimc/support';
import { compileModel, prepareSimulation, simulate, type CompiledModel } from './compile.js';
import { bindInputs, runModel } from './run-model.js';
import { captureLayerInputs } from './raella.js';
import { readCalibrationFeeds } from './calibration.js';
import { argmax } from './argmax.js';
import { testSetInputs, testSetLabels } from './evaluate.js';

/** The four configurations of RAELLA's ablation (algorithms.md §3.1), baseline first. */
export const RAELLA_ABLATION = ['isaac', 'raella-no-spec-2b', 'raella-no-spec', 'raella'] as const;

export interface RaellaReportOptions {
  readonly presets?: readonly string[];
  readonly calibrationDir?: string;
  /** Labelled test-set folders: accuracy, top-1 agreement with the int8 reference, energy per inference. */
  readonly testSets?: readonly string[];
  /** Replace placeholder weights by seeded random ones (withRandomWeights). */
  readonly randomWeights?: number;
  readonly seed?: number;
  readonly log?: (message: string) => void;
}

/** The report's data plus the full per-layer analyses, per configuration (the JSON form). */
export interface RaellaReport extends RaellaReportData {
  readonly analyses: Readonly<Record<string, readonly RaellaLayerReport[]>>;
}

/**
 * RAELLA's ablation on one model: compiles it for every configuration, simulates it (test sets, or
 * one calibration sample), and gathers per layer the energy breakdown, ADC conversions, crossbar
 * cycles, slicing and speculation statistics the simulator counted, and the column-sum analysis of
 * the compiler's crossbar model on calibration vectors (algorithms.md §3.6).
 */
export function raellaReport(path: string, options: RaellaReportOptions = {}): RaellaReport {
  const log = options.log ?? (() => undefined);
  const presets = options.presets ?? RAELLA_ABLATION;
  const configurations: RaellaConfiguration[] = [];
  const analyses: Record<string, RaellaLayerReport[]> = {};
  const histograms: ColumnSumHistogram[] = [];
  for (const preset of presets) {
    log(`${preset}: compiling`);
    const compiled = compileModel(path, {
      chip: preset,
      ...(options.calibrationDir === undefined ? {} : { calibrationDir: options.calibrationDir }),
      ...(options.randomWeights === undefined ? {} : { randomWeights: options.randomWeights }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      log,
    });
    if (compiled.quantized === undefined) {
      throw new PimcError('usage', `the RAELLA report compares crossbar chips; '${preset}' has none`);
    }
    log(`${preset}: simulating`);
    const measured = measure(compiled, options.testSets ?? []);
    const analysis = analyze(compiled, options);
    analyses[preset] = analysis;
    if (histograms.length === 0 && analysis.length > 0 && analysis[0]!.centered) {
      histograms.push(...analysis.map(histogramOf));
    }
    configurations.push({
      name: preset,
      description: compiled.chip.description,
      totals: {
        energyPj: components(measured.cost.energyPJ.byComponent, 1 / measured.cost.batch),
        latencyNs: measured.cost.latencyNs.serial / measured.cost.batch,
        adcConversions: measured.conversions / measured.cost.batch,
        ...(measured.accuracy === undefined ? {} : { top1Accuracy: measured.accuracy }),
        ...(measured.agreement === undefined ? {} : { top1Agreement: measured.agreement }),
      },
      layers: layerRows(compiled, measured.run, measured.cost, analysis),
    });
  }
  return {
    model: path,
    title: `RAELLA ablation: ${path}`,
    notes: notes(options),
    configurations,
    columnSumHistograms: histograms,
    analyses,
  };
}

interface Measured {
  readonly run: RunResult;
  readonly cost: CostReport;
  readonly conversions: number;
  readonly accuracy: number | undefined;
  readonly agreement: number | undefined;
}

/**
 * Simulates the test sets (or one calibration sample): the cost of the first run, accuracy against
 * labels and top-1 agreement with the int8 reference (the quantized model on the exact integer
 * executor, so only the analog encoding can make them differ).
 */
function measure(compiled: CompiledModel, testSets: readonly string[]): Measured {
  if (testSets.length === 0) {
    const sim = simulate(compiled.program, compiled.sampleInput);
    return { run: sim.run, cost: sim.cost, conversions: conversionsOf(sim.run), accuracy: undefined, agreement: undefined };
  }
  const reference = compiled.quantized!.model;
  let first: { run: RunResult; cost: CostReport } | undefined;
  let samples = 0;
  let agree = 0;
  let labelled = 0;
  let correct = 0;
  let conversions = 0;
  const simulation = prepareSimulation(compiled.program);
  for (const dir of testSets) {
    const feeds = bindInputs(reference.graph, testSetInputs(dir));
    const sim = simulation.run(feeds);
    first ??= { run: sim.run, cost: sim.cost };
    conversions += conversionsOf(sim.run);
    const expected = runModel(reference, feeds)[0]!.tensor;
    const actual = sim.outputs[0]!.tensor;
    const classes = expected.shape[expected.rank - 1] ?? 1;
    const batch = expected.size / classes;
    const labels = testSetLabels(dir);
    const e = expected.toNumbers();
    const a = actual.toNumbers();
    for (let s = 0; s < batch; s++) {
      const cls = argmax(a, s * classes, classes);
      if (cls === argmax(e, s * classes, classes)) agree++;
      if (labels !== undefined) {
        labelled++;
        if (cls === labels[s]) correct++;
      }
    }
    samples += batch;
  }
  return {
    ...first!,
    // Per-inference figures use the first run's batch; conversions over all sets, rescaled to it.
    conversions: (conversions / samples) * first!.cost.batch,
    accuracy: labelled === 0 ? undefined : correct / labelled,
    agreement: samples === 0 ? undefined : agree / samples,
  };
}

/** The compiler-side RAELLA analysis of every crossbar layer (Center+Offset configurations only). */
function analyze(compiled: CompiledModel, options: RaellaReportOptions): RaellaLayerReport[] {
  const macro = compiled.chip.tiles.macro;
  if (macro?.centerOffset === undefined || compiled.raella === undefined) return [];
  const inputs =
    compiled.raella.layerInputs.size > 0
      ? compiled.raella.layerInputs
      : captureLayerInputs(compiled.quantized!.model, calibrationOf(compiled, options));
  return analyzeRaellaLayers(compiled.raella.model, inputs, {
    rows: macro.crossbar.rows,
    adcBits: macro.adc.bits,
    seed: options.seed ?? 0,
    defaultSlicing: compiled.program.instructions.find((i): i is CrossbarMvm => i.op === 'crossbar-mvm')?.weights.slices ?? [
      4, 4,
    ],
  });
}

function calibrationOf(compiled: CompiledModel, options: RaellaReportOptions) {
  return options.calibrationDir === undefined
    ? [compiled.sampleInput]
    : readCalibrationFeeds(options.calibrationDir, compiled.floatModel);
}

/** One row per crossbar layer: what the simulator counted and priced, and what the analysis measured. */
function layerRows(
  compiled: CompiledModel,
  run: RunResult,
  cost: CostReport,
  analysis: readonly RaellaLayerReport[],
): RaellaLayerRow[] {
  const byName = new Map(analysis.map((a) => [a.name, a]));
  const rows: RaellaLayerRow[] = [];
  compiled.program.instructions.forEach((instruction, i) => {
    if (instruction.op !== 'crossbar-mvm') return;
    const record: InstructionRecord = run.perInstruction[i]!;
    const stats = record.crossbar;
    const per = 1 / run.batch;
    const a = byName.get(instruction.name);
    const rates = stats === undefined ? undefined : crossbarRates(stats);
    const macs = a?.macs;
    rows.push({
      layer: instruction.name,
      energyPj: components(cost.perInstruction[i]!.energyByComponent, per),
      ...(rates === undefined
        ? {}
        : { adcConversions: rates.conversions * per, adcShare: rates.adcShare, saturationRate: rates.saturationRate }),
      ...(stats === undefined ? {} : { crossbarCycles: stats.crossbarCycles * per }),
      ...(stats !== undefined && stats.speculativeConversions > 0
        ? { speculationSuccessRate: rates!.speculationSuccessRate }
        : {}),
      ...(macs === undefined ? {} : { macs }),
      ...(macs === undefined || rates === undefined ? {} : { adcConversionsPerMac: (rates.conversions * per) / macs }),
      weightSlicing: instruction.weights.slices,
      ...(a === undefined
        ? {}
        : {
            columnSumStats: a.centerOffset.slices.map((s, k) => ({
              slice: k,
              min: s.min,
              max: s.max,
              mean: s.mean,
              std: s.std,
              p0_1: s.p001,
              p99_9: s.p999,
            })),
            adcBitsNeeded: { full: a.centerOffset.bitsFull, p99_9: a.centerOffset.bits999 },
            outputError: instruction.inputs.speculation === undefined ? a.centerOffset.error : a.speculative.error,
            saturating: a.selection[0]?.saturating ?? false,
          }),
    });
  });
  return rows;
}

/** The cost model's components folded into the report's six: ADC, crossbar, DAC, buffers, digital, other. */
function components(byComponent: Readonly<Record<string, number>>, scale: number): EnergyBreakdownPj {
  const out = { adc: 0, crossbar: 0, dac: 0, buffers: 0, digital: 0, other: 0 };
  for (const [name, pj] of Object.entries(byComponent)) {
    const key =
      name === 'adc' || name === 'crossbar' || name === 'dac'
        ? name
        : name === 'buffer' || name === 'edram'
          ? 'buffers'
          : name === 'digital' || name === 'shiftAdd'
            ? 'digital'
            : 'other';
    out[key] += pj * scale;
  }
  return out;
}

function histogramOf(a: RaellaLayerReport): ColumnSumHistogram {
  const h = (s: { histogram: { lo: number; counts: number[] } }) => ({
    start: s.histogram.lo,
    width: 1,
    counts: s.histogram.counts,
  });
  return {
    layer: a.name,
    distributions: [
      {
        name: `ISAAC-like (unsigned, ${a.baseline.rows} rows, [${a.baseline.slicing.join(', ')}])`,
        signed: false,
        ...h(a.baseline.pooled),
      },
      {
        name: `Center+Offset (${a.centerOffset.rows} rows, [${a.centerOffset.slicing.join(', ')}])`,
        signed: true,
        ...h(a.centerOffset.pooled),
      },
    ],
    markers: [
      { x: -(2 ** (a.centerOffset.adcBits - 1)), label: `${a.centerOffset.adcBits}-bit signed ADC` },
      { x: 2 ** (a.centerOffset.adcBits - 1) - 1, label: '' },
    ],
  };
}

function notes(options: RaellaReportOptions): string[] {
  return [
    options.randomWeights === undefined
      ? 'weights: the model’s own'
      : `weights: seeded random He-scaled Laplacian, trained-like BatchNormalization (seed ${options.randomWeights}), not trained: energy and encoding figures only`,
    options.calibrationDir === undefined
      ? 'calibration: seeded uniform random inputs (no --calib): activation ranges may not match real data'
      : `calibration: ${options.calibrationDir}`,
    'energies are priced by the cost model (docs/cost-model.md); RAELLA-specific numbers are the artifact’s, ADC energy vs resolution is a Walden figure of merit [ours]',
    'column-sum statistics come from the compiler’s bit-exact crossbar model on 256 calibration vectors per layer; conversions, cycles and speculation rates from the simulator',
  ];
}

function conversionsOf(run: RunResult): number {
  return crossbarRates(run.crossbar).conversions;
}
