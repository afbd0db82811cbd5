import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isPimcError } from '@pimc/support';
import type { Tensor } from '@pimc/ir';
import { compareTensors, DEFAULT_TOLERANCE, type Comparison, type Tolerance } from './compare.js';
import { bindInputs, prepareModel, runModel } from './run-model.js';
import { readTensorFile } from './tensor-files.js';

/** One ONNX backend-test folder's outcome. */
export interface ConformanceResult {
  readonly name: string;
  readonly dir: string;
  readonly ok: boolean;
  /** Per test set, per output. */
  readonly sets: readonly { readonly set: string; readonly outputs: readonly Comparison[] }[];
  readonly error?: string;
  readonly milliseconds: number;
}

/**
 * Expands paths into test folders: a folder holding `model.onnx` is a test; any other folder is
 * searched one level down.
 */
export function findTestDirs(paths: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const p of paths) {
    if (existsSync(join(p, 'model.onnx'))) {
      dirs.push(p);
      continue;
    }
    const children = readdirSync(p)
      .map((c) => join(p, c))
      .filter((c) => statSync(c).isDirectory() && existsSync(join(c, 'model.onnx')))
      .sort();
    dirs.push(...children);
  }
  return dirs;
}

/** Files `prefix_<i>.pb` of a test set, in index order. */
function indexedFiles(dir: string, prefix: string): string[] {
  return readdirSync(dir)
    .map((f) => ({ f, m: new RegExp(`^${prefix}_(\\d+)\\.(pb|npy)$`).exec(f) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => join(dir, x.f));
}

/** Runs one folder's test sets against its expected outputs. */
export function runConformanceTest(dir: string, options: { tolerance?: Tolerance; pipeline?: string } = {}): ConformanceResult {
  const start = performance.now();
  const name = basename(dir);
  const sets: { set: string; outputs: Comparison[] }[] = [];
  try {
    const { model } = prepareModel(join(dir, 'model.onnx'), options.pipeline === undefined ? {} : { pipeline: options.pipeline });
    const setDirs = readdirSync(dir)
      .filter((d) => d.startsWith('test_data_set_'))
      .sort();
    for (const set of setDirs) {
      const setDir = join(dir, set);
      const inputs = indexedFiles(setDir, 'input').map(readTensorFile);
      const expected: Tensor[] = indexedFiles(setDir, 'output').map((f) => readTensorFile(f).tensor);
      const actual = runModel(model, bindInputs(model.graph, inputs));
      const outputs = expected.map((e, i) => {
        const a = actual[i];
        return a === undefined
          ? {
              ok: false,
              maxAbsError: Infinity,
              maxRelError: Infinity,
              mismatches: e.size,
              reason: `the model produced no output ${i}`,
            }
          : compareTensors(a.tensor, e, options.tolerance ?? DEFAULT_TOLERANCE);
      });
      sets.push({ set, outputs });
    }
    const ok = sets.length > 0 && sets.every((s) => s.outputs.every((o) => o.ok));
    const result = { name, dir, ok, sets, milliseconds: performance.now() - start };
    return sets.length === 0 ? { ...result, error: 'no test_data_set_* folder' } : result;
  } catch (e) {
    const message = isPimcError(e) ? e.describe() : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { name, dir, ok: false, sets, error: message, milliseconds: performance.now() - start };
  }
}
