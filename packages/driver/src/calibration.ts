import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PimcError, Rng } from '@pimc/support';
import { Tensor, type Graph, type Model } from '@pimc/ir';
import { runGraph } from '@pimc/executor';
import { HistogramObserver, RangeObserver, type CalibrationTable } from '@pimc/passes';
import { bindInputs } from './run-model.js';
import { readTensorFile } from './tensor-files.js';

/** Inputs of one model run, by graph input name. */
export type Feeds = ReadonlyMap<string, Tensor>;

/**
 * Calibration statistics of every float32 value of `model` (graph inputs and node results) over the
 * calibration runs: min, max and count, plus, with `histograms`, a histogram over [min, max] from a
 * second run of every input (percentile calibration).
 */
export function collectCalibration(
  model: Model,
  feeds: readonly Feeds[],
  options: { histograms?: boolean } = {},
): CalibrationTable {
  if (feeds.length === 0) {
    throw new PimcError('invalid-input', 'calibration needs at least one set of inputs', {
      notes: ['pimc never falls back to the model’s own test inputs; give calibration data drawn from the training split'],
    });
  }
  const ranges = new RangeObserver();
  observe(model.graph, feeds, (name, t) => ranges.observe(name, t));
  if (options.histograms !== true) return ranges.table();
  const histograms = new HistogramObserver(ranges.table());
  observe(model.graph, feeds, (name, t) => histograms.observe(name, t));
  return histograms.table();
}

function observe(graph: Graph, feeds: readonly Feeds[], see: (name: string, t: Tensor) => void): void {
  for (const feed of feeds) {
    for (const v of graph.inputs) {
      const t = feed.get(v.name);
      if (t !== undefined && t.dtype === 'float32') see(v.name, t);
    }
    runGraph(graph, feed, {
      onNode: (node, outputs) =>
        node.outputs.forEach((v, i) => {
          const t = outputs[i];
          if (t !== undefined && t.dtype === 'float32') see(v.name, t);
        }),
    });
  }
}

/**
 * Calibration feeds from a folder of tensor files `input_<i>.pb` (or `.npy`), bound to the model's
 * inputs by name or position, such as `fixtures/mnist-calibration`.
 */
export function readCalibrationFeeds(dir: string, model: Model): Feeds[] {
  if (!existsSync(dir)) throw new PimcError('io', `calibration folder '${dir}' does not exist`);
  const files = readdirSync(dir)
    .map((f) => ({ f, m: /^input_(\d+)\.(pb|npy)$/.exec(f) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]));
  if (files.length === 0) throw new PimcError('io', `calibration folder '${dir}' holds no input_<i>.pb files`);
  const tensors = files.map(({ f }) => ({ ...readTensorFile(join(dir, f)) }));
  return [bindInputs(model.graph, tensors)];
}

/**
 * The explicit fallback when no calibration data exists (`--calib-fallback=random-uniform`): seeded
 * uniform inputs in [lo, hi), one batch of `samples` along a symbolic first dimension (other
 * symbolic dimensions become 1). Ranges found this way describe the generator, not real data.
 */
export function randomUniformFeeds(
  model: Model,
  options: { samples?: number; seed?: number; lo?: number; hi?: number } = {},
): Feeds[] {
  const rng = new Rng(options.seed ?? 0);
  const samples = options.samples ?? 16;
  const feed = new Map<string, Tensor>();
  for (const v of model.graph.inputs) {
    if (v.type.dtype !== 'float32' || v.type.shape === undefined) {
      throw new PimcError(
        'invalid-input',
        `random calibration inputs need float32 inputs of known rank; '${v.name}' is ${v.type.dtype}`,
      );
    }
    const shape = v.type.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? samples : 1));
    const n = shape.reduce((a, b) => a * b, 1);
    feed.set(v.name, new Tensor('float32', shape, rng.float32Array(n, options.lo ?? 0, options.hi ?? 1)));
  }
  return [feed];
}

/** The first `n` images of every input of a feed. */
export function firstImages(feed: Feeds, n: number): Feeds {
  return new Map(
    [...feed].map(([name, t]) => {
      const batch = t.rank === 0 ? 1 : t.shape[0]!;
      if (batch <= n) return [name, t];
      const per = t.size / batch;
      return [name, new Tensor(t.dtype, [n, ...t.shape.slice(1)], t.data.slice(0, n * per) as never)];
    }),
  );
}
