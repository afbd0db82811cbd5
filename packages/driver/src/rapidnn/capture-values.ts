import { PimcError, Rng } from '@pimc/support';
import type { Model, Tensor } from '@pimc/ir';
import { runGraph } from '@pimc/executor';
import type { Feeds } from '../calibration.js';

/** Values kept per captured tensor by default: enough for k-means (inputSampleCap 200 000) and a good zero count. */
export const DEFAULT_CAPTURE_CAP = 1 << 20;

export interface CaptureOptions {
  /** Most values kept per name; beyond it a uniform reservoir sample (default DEFAULT_CAPTURE_CAP). */
  readonly cap?: number;
  /** Seed of the reservoir sampling (default 0). */
  readonly seed?: number;
}

/**
 * Runs the float model on every feed with the reference executor and collects the values of the
 * named tensors (graph inputs or node results, float32), all runs concatenated: every value while
 * there are at most `cap`, else a uniform sample of `cap` of them (reservoir sampling, seeded, so
 * the result is deterministic).
 */
export function captureValues(
  model: Model,
  feeds: readonly Feeds[],
  names: readonly string[],
  options: CaptureOptions = {},
): Map<string, Float32Array> {
  const cap = options.cap ?? DEFAULT_CAPTURE_CAP;
  if (!Number.isInteger(cap) || cap < 1) {
    throw new PimcError('invalid-input', `captureValues: cap ${cap} must be a positive integer`);
  }
  if (feeds.length === 0) throw new PimcError('invalid-input', 'captureValues needs at least one set of inputs');
  const wanted = new Set(names);
  const known = new Set([
    ...model.graph.inputs.map((v) => v.name),
    ...model.graph.nodes.flatMap((n) => n.outputs.map((v) => v.name)),
  ]);
  for (const name of wanted) {
    if (!known.has(name)) throw new PimcError('invalid-input', `captureValues: ${model.source} has no value '${name}'`);
  }
  const rng = new Rng(options.seed ?? 0);
  const reservoirs = new Map([...wanted].map((name) => [name, new Reservoir(cap)]));
  const see = (name: string, t: Tensor) => {
    const reservoir = reservoirs.get(name);
    if (reservoir === undefined) return;
    if (t.dtype !== 'float32') {
      throw new PimcError('invalid-input', `captureValues: '${name}' is ${t.dtype}; only float32 values can be captured`);
    }
    reservoir.add(t.data as Float32Array, rng);
  };
  for (const feed of feeds) {
    for (const [name, t] of feed) see(name, t);
    runGraph(model.graph, feed, { onNode: (node, outputs) => node.outputs.forEach((v, i) => see(v.name, outputs[i]!)) });
  }
  return new Map([...reservoirs].map(([name, r]) => [name, r.values()]));
}

/** Algorithm R: the first `cap` values, then value number i replaces a random slot with probability cap / i. */
class Reservoir {
  private buffer = new Float32Array(0);
  private seen = 0;

  constructor(private readonly cap: number) {}

  add(values: Float32Array, rng: Rng): void {
    const direct = Math.min(values.length, this.cap - this.seen);
    if (direct > 0) {
      this.grow(this.seen + direct);
      this.buffer.set(values.subarray(0, direct), this.seen);
      this.seen += direct;
    }
    for (let i = Math.max(direct, 0); i < values.length; i++) {
      this.seen++;
      const slot = Math.floor(rng.next() * this.seen);
      if (slot < this.cap) this.buffer[slot] = values[i]!;
    }
  }

  values(): Float32Array {
    return this.buffer.slice(0, Math.min(this.seen, this.cap));
  }

  private grow(size: number): void {
    if (size <= this.buffer.length) return;
    const next = new Float32Array(Math.min(this.cap, Math.max(size, 2 * this.buffer.length)));
    next.set(this.buffer);
    this.buffer = next;
  }
}
