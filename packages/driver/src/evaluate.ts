import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '@pimc/ir';
import type { CompiledModel } from './compile.js';
import { prepareSimulation } from './compile.js';
import { bindInputs, runModel } from './run-model.js';
import { readTensorFile } from './tensor-files.js';
import { argmax } from './argmax.js';

/** Agreement of the compiled model (simulated) with the float reference, over labelled test sets. */
export interface Evaluation {
  readonly chip: string;
  readonly sets: number;
  readonly samples: number;
  /** Share of samples whose arg-max class is the float model's (classification outputs). */
  readonly top1Agreement: number | undefined;
  /** Accuracy against `labels_0.pb` where the test sets have labels. */
  readonly accuracy: { readonly float: number; readonly compiled: number } | undefined;
  readonly maxAbsError: number;
  readonly maxRelError: number;
  /** Cosine similarity of all compiled outputs with all float ones. */
  readonly cosine: number;
  readonly energyPerInferencePJ: number;
  readonly latencyPerInferenceNs: { readonly serial: number; readonly pipelined: number };
  /** Slice-level work, for seeing what the ADC did: saturated conversions in particular. */
  readonly saturatedConversions: number;
  readonly conversions: number;
}

/** Test-set folders under the given paths (a folder with input_0.pb, or one holding test_data_set_*). */
export function findTestSets(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    if (existsSync(join(p, 'input_0.pb')) || existsSync(join(p, 'input_0.npy'))) return [p];
    return readdirSync(p)
      .filter((d) => d.startsWith('test_data_set_') && statSync(join(p, d)).isDirectory())
      .sort()
      .map((d) => join(p, d));
  });
}

/**
 * Runs every test set on the float reference (`floatModel`) and on the simulated chip, and
 * compares: top-1 agreement, accuracy where labels exist, error, cosine, and cost per inference.
 */
export function evaluateCompiled(compiled: CompiledModel, floatModel: Model, setDirs: readonly string[]): Evaluation {
  let samples = 0;
  let agree = 0;
  let classified = 0;
  let labelled = 0;
  let floatCorrect = 0;
  let compiledCorrect = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let dot = 0;
  let floatNorm = 0;
  let compiledNorm = 0;
  let energy = 0;
  let serial = 0;
  let pipelined = 0;
  let saturated = 0;
  let conversions = 0;
  const simulation = prepareSimulation(compiled.program);
  for (const dir of setDirs) {
    const feeds = bindInputs(floatModel.graph, testSetInputs(dir));
    const reference = runModel(floatModel, feeds)[0]!.tensor;
    const sim = simulation.run(feeds);
    const actual = sim.outputs[0]!.tensor;
    const batch = sim.run.batch;
    samples += batch;
    energy += sim.cost.energyPJ.total;
    serial += sim.cost.latencyNs.serial;
    pipelined += sim.cost.latencyNs.pipelined;
    saturated += sim.run.crossbar.saturated;
    conversions += sim.run.crossbar.columnSumsComputed + sim.run.crossbar.columnSumsFolded;
    const f = reference.toNumbers();
    const c = actual.toNumbers();
    f.forEach((x, i) => {
      const d = Math.abs(x - c[i]!);
      maxAbs = Math.max(maxAbs, d);
      if (x !== 0) maxRel = Math.max(maxRel, d / Math.abs(x));
      dot += x * c[i]!;
      floatNorm += x * x;
      compiledNorm += c[i]! * c[i]!;
    });
    const classes = reference.shape[reference.rank - 1] ?? 1;
    if (reference.rank === 2 && classes > 1) {
      const labels = testSetLabels(dir);
      for (let s = 0; s < reference.shape[0]!; s++) {
        const fClass = argmax(f, s * classes, classes);
        const cClass = argmax(c, s * classes, classes);
        classified++;
        if (fClass === cClass) agree++;
        if (labels !== undefined) {
          labelled++;
          if (fClass === labels[s]) floatCorrect++;
          if (cClass === labels[s]) compiledCorrect++;
        }
      }
    }
  }
  return {
    chip: compiled.chip.name,
    sets: setDirs.length,
    samples,
    top1Agreement: classified === 0 ? undefined : agree / classified,
    accuracy: labelled === 0 ? undefined : { float: floatCorrect / labelled, compiled: compiledCorrect / labelled },
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    cosine: dot / Math.sqrt(Math.max(floatNorm * compiledNorm, 1e-300)),
    energyPerInferencePJ: energy / Math.max(samples, 1),
    latencyPerInferenceNs: { serial: serial / Math.max(samples, 1), pipelined: pipelined / Math.max(samples, 1) },
    saturatedConversions: saturated,
    conversions,
  };
}

/** The input tensor files of a test-set folder (`input_<i>.pb` or `.npy`), in index order. */
export function testSetInputs(dir: string): ReturnType<typeof readTensorFile>[] {
  return readdirSync(dir)
    .filter((f) => /^input_\d+\.(pb|npy)$/.test(f))
    .sort()
    .map((f) => readTensorFile(join(dir, f)));
}

/** The class labels of a test-set folder (`labels_0.pb`), if it has them. */
export function testSetLabels(dir: string): number[] | undefined {
  const path = join(dir, 'labels_0.pb');
  return existsSync(path) ? readTensorFile(path).tensor.toNumbers() : undefined;
}
