import { clusterBoundaries, clusterIndex } from '@pimc/ir';
import type { CamTable, LutActivation } from '@pimc/isa';
import { PimcError } from '@pimc/support';
import { signedRange } from './fixed-point.js';

/*
 * The fused activation + encoding CAM of a lut-mvm (algorithms.md §2.3 step 4).
 *
 * What it must compute: for an integer accumulator acc, the index of the next codebook the float
 * model produces, idx(acc) = nearest(f(f32(acc · lutScale))), f the layer's monotone activation (a
 * chain of clamps: Relu, Clip, ReLU6; none = identity), each clamp rounded to f32 as the unfused
 * program would. idx is a non-decreasing step function of acc, so it is fully described by its
 * decision boundaries t_j = the smallest acc whose index exceeds j, found by binary search.
 *
 * Key space: the CAM compares u = (clamp(acc >> keyShift)) >> (keyBits − camBits), a bucket of
 * W = 2^(keyShift + keyBits − camBits) accumulators. A bucket returns the index of its centre
 * accumulator; keyShift is the smallest that puts every boundary inside the reachable accumulator
 * range into the compared key range, so a clamped query still lands in the first or last region.
 *
 * Entries (exact construction): each region of constant index gets one or two entries inside it,
 * and at every boundary β (first key of the upper region) the last entry a of the region below and
 * the first entry b above must satisfy a + b ∈ {2β − 2, 2β − 1}: then the query β − 1 is nearer a (or
 * tied, and ties go to the lower entry) and β is strictly nearer b. The entry pair (β − 1, β) always
 * works (2 entries per region); one entry per region works when the regions' widths allow a chain of
 * reflections across the boundaries. A dynamic programme over the regions, whose state is the
 * interval of feasible positions of a region's first entry, finds the fewest entries; the result is
 * exact at the bucket resolution (at the accumulator resolution when keyShift = 0 and camBits =
 * keyBits).
 *
 * Fewer entries than that (the activation-table size T, algorithms.md A-P3 knob (c)): the narrowest
 * regions (fewest reachable buckets) are merged into their neighbours, each split at its middle
 * between the two, until the exact construction of the merged step function fits in T entries. A
 * merged region's accumulators then get a neighbouring index (the next centroid up or down).
 */

/** A monotone activation: clamps applied in order, each to [lo, hi] (±Infinity when unbounded). */
export type Activation = readonly (readonly [number, number])[];

export interface ActivationCamOptions {
  readonly keyBits: number;
  readonly camBits: number;
  /** Most entries the CAM may hold (T), or 'exact' for as many as the exact construction needs. */
  readonly entries: number | 'exact';
}

export interface ActivationCam extends LutActivation {
  /** Entries the exact construction needs (the CAM holds fewer when `entries` is smaller). */
  readonly exactEntries: number;
  /** Regions merged away to fit `entries` (0: the CAM is exact at its bucket resolution). */
  readonly mergedRegions: number;
}

/** The reachable accumulator range [min, max] of a layer (integers). */
export interface AccRange {
  readonly min: number;
  readonly max: number;
}

/** The next-layer index the float model gives an accumulator. */
export function activationIndex(acc: number, lutScale: number, activation: Activation, bounds: Float64Array): number {
  let v = Math.fround(acc * lutScale);
  for (const [lo, hi] of activation) v = Math.fround(Math.min(Math.max(v, lo), hi));
  return clusterIndex(bounds, v);
}

/** t_j for every j: the smallest acc in (min, max] whose index exceeds j; −Infinity at or below min, +Infinity above max. */
function accBoundaries(range: AccRange, index: (acc: number) => number, count: number): Float64Array {
  const t = new Float64Array(count);
  const atMin = index(range.min);
  const atMax = index(range.max);
  for (let j = 0; j < count; j++) {
    if (atMin > j) t[j] = -Infinity;
    else if (atMax <= j) t[j] = Infinity;
    else {
      let lo = range.min; // index(lo) ≤ j
      let hi = range.max; // index(hi) > j
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (index(mid) > j) hi = mid;
        else lo = mid;
      }
      t[j] = hi;
    }
  }
  return t;
}

/** Key-space geometry for a key shift: bucket u holds accumulators [u·W − o, u·W − o + W − 1]. */
interface Buckets {
  readonly keyShift: number;
  /** Accumulators per compared key. */
  readonly width: number;
  readonly offset: number;
  readonly uMin: number;
  readonly uMax: number;
}

function buckets(keyShift: number, options: ActivationCamOptions): Buckets {
  const [uMin, uMax] = signedRange(options.camBits);
  return {
    keyShift,
    width: 2 ** (keyShift + options.keyBits - options.camBits),
    offset: keyShift > 0 ? 2 ** (keyShift - 1) : 0,
    uMin,
    uMax,
  };
}

/** The compared key of an accumulator (unclamped). */
function keyOf(acc: number, b: Buckets): number {
  return Math.floor((acc + b.offset) / b.width);
}

/** The first key whose bucket centre is at or above t. */
function firstKeyAtOrAbove(t: number, b: Buckets): number {
  return Math.ceil((t + b.offset - Math.floor(b.width / 2)) / b.width);
}

/** A step function over compared keys: region r covers [starts[r], starts[r+1] − 1] and returns values[r]. */
interface Steps {
  readonly starts: number[];
  readonly values: number[];
}

function stepsFor(t: Float64Array, base: number, b: Buckets): Steps {
  const starts = [b.uMin];
  const values = [base];
  let value = base;
  for (const tj of t) {
    if (!Number.isFinite(tj)) continue;
    const u = firstKeyAtOrAbove(tj, b);
    // A boundary above the last bucket's centre is never reached; one at or below the first only raises its value.
    if (u > b.uMax) break;
    value++;
    if (u <= starts.at(-1)!) values[values.length - 1] = value;
    else {
      starts.push(u);
      values.push(value);
    }
  }
  return { starts, values };
}

/** Builds the activation CAM of a layer (see the file comment). */
export function activationCam(
  lutScale: number,
  activation: Activation,
  codebook: Float32Array,
  range: AccRange,
  options: ActivationCamOptions,
): ActivationCam {
  const limit = options.entries === 'exact' ? Infinity : options.entries;
  if (!(limit >= 1)) throw new PimcError('usage', `activation CAM entries must be at least 1, got ${options.entries}`);
  const bounds = clusterBoundaries(codebook);
  const index = (acc: number) => activationIndex(acc, lutScale, activation, bounds);
  const t = accBoundaries(range, index, bounds.length);
  const base = index(range.min);
  const inside = [...t].filter((x) => Number.isFinite(x));

  let b = buckets(0, options);
  for (let shift = 0; shift <= 52; shift++) {
    b = buckets(shift, options);
    if (inside.every((x) => firstKeyAtOrAbove(x, b) > b.uMin && firstKeyAtOrAbove(x, b) <= b.uMax)) break;
  }
  const steps = stepsFor(t, base, b);
  const reach = { lo: Math.max(b.uMin, keyOf(range.min, b)), hi: Math.min(b.uMax, keyOf(range.max, b)) };
  const exact = fewestEntries(steps.starts, b.uMax);
  let merged = steps;
  let entries = exact;
  while (entries.length > limit) {
    merged = mergeNarrowest(merged, reach, Math.max(1, Math.ceil((entries.length - limit) / 2)), b.uMax);
    entries = fewestEntries(merged.starts, b.uMax);
  }
  const shiftToKey = 2 ** (options.keyBits - options.camBits);
  const cam: CamTable = {
    keys: Int32Array.from(entries, (e) => e.key * shiftToKey),
    values: Uint8Array.from(entries, (e) => merged.values[e.region]!),
    keyBits: options.keyBits,
    camBits: options.camBits,
  };
  return { keyShift: b.keyShift, cam, exactEntries: exact.length, mergedRegions: steps.starts.length - merged.starts.length };
}

/** Merges the `count` regions with the fewest reachable keys into their neighbours, each split at its middle. */
function mergeNarrowest(steps: Steps, reach: { lo: number; hi: number }, count: number, uMax: number): Steps {
  const n = steps.starts.length;
  const width = (r: number) => {
    const lo = Math.max(steps.starts[r]!, reach.lo);
    const hi = Math.min(r + 1 < n ? steps.starts[r + 1]! - 1 : uMax, reach.hi);
    return Math.max(0, hi - lo + 1);
  };
  const order = Array.from({ length: n }, (_, r) => r).sort((a, c) => width(a) - width(c) || a - c);
  const drop = new Set(order.slice(0, Math.min(count, n - 1)));
  const starts: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    if (drop.has(r)) continue;
    let start = steps.starts[r]!;
    // A dropped run below this region: split its span at the middle between the kept neighbours.
    let q = r - 1;
    while (q >= 0 && drop.has(q)) q--;
    if (q < r - 1) {
      const runStart = steps.starts[q + 1]!;
      start = q < 0 ? steps.starts[0]! : runStart + Math.ceil((start - runStart) / 2);
    }
    starts.push(start);
    values.push(steps.values[r]!);
  }
  starts[0] = steps.starts[0]!;
  return { starts, values };
}

interface Entry {
  readonly key: number;
  readonly region: number;
}

interface State {
  readonly cost: number;
  /** Feasible positions of the region's first entry. */
  readonly lo: number;
  readonly hi: number;
  readonly parent: number;
  /** The previous region holds two entries (else one). */
  readonly two: boolean;
}

/** Most states kept per region (a safety cap; dominance pruning keeps far fewer in practice). */
const MAX_STATES = 256;

/** The fewest entries that realize the step function exactly (one or two per region). */
function fewestEntries(starts: readonly number[], uMax: number): Entry[] {
  const n = starts.length;
  const end = (r: number) => (r + 1 < n ? starts[r + 1]! - 1 : uMax);
  const layers: State[][] = [[{ cost: 0, lo: starts[0]!, hi: end(0), parent: -1, two: false }]];
  for (let r = 0; r + 1 < n; r++) {
    const beta = starts[r + 1]!;
    const [lo1, hi1] = [beta, end(r + 1)];
    const prev = layers[r]!;
    const next: State[] = [];
    const push = (s: State) => {
      if (s.lo <= s.hi) next.push(s);
    };
    prev.forEach((s, i) => {
      push({
        cost: s.cost + 1,
        lo: Math.max(lo1, 2 * beta - 2 - s.hi),
        hi: Math.min(hi1, 2 * beta - 1 - s.lo),
        parent: i,
        two: false,
      });
    });
    // Two entries in region r: its last entry anywhere above the first, so the next region can start
    // anywhere from β up to the reflection of the lowest feasible first entry.
    const cheapest = new Map<number, number>();
    prev.forEach((s, i) => {
      const best = cheapest.get(s.cost);
      if (s.lo < end(r) && (best === undefined || s.lo < prev[best]!.lo)) cheapest.set(s.cost, i);
    });
    for (const [cost, i] of cheapest) {
      push({ cost: cost + 2, lo: lo1, hi: Math.min(hi1, 2 * beta - 2 - prev[i]!.lo), parent: i, two: true });
    }
    layers.push(prune(next));
  }
  const last = layers[n - 1]!;
  let at = last.reduce((best, s, i) => (s.cost < last[best]!.cost ? i : best), 0);
  let f = last[at]!.lo;
  const entries: Entry[] = [{ key: f, region: n - 1 }];
  for (let r = n - 2; r >= 0; r--) {
    const s = layers[r + 1]![at]!;
    const p = layers[r]![s.parent]!;
    const beta = starts[r + 1]!;
    if (s.two) {
      const a = 2 * beta - 1 - f;
      entries.push({ key: a, region: r }, { key: p.lo, region: r });
      f = p.lo;
    } else {
      f = 2 * beta - 1 - f >= p.lo && 2 * beta - 1 - f <= p.hi ? 2 * beta - 1 - f : 2 * beta - 2 - f;
      entries.push({ key: f, region: r });
    }
    at = s.parent;
  }
  return entries.reverse();
}

/** Drops states another state dominates (no more entries, a feasible interval containing theirs). */
function prune(states: State[]): State[] {
  const sorted = [...states].sort((a, b) => a.cost - b.cost || a.lo - b.lo || b.hi - a.hi);
  const kept: State[] = [];
  for (const s of sorted) {
    if (kept.some((k) => k.cost <= s.cost && k.lo <= s.lo && k.hi >= s.hi)) continue;
    kept.push(s);
    if (kept.length === MAX_STATES) break;
  }
  return kept;
}
