import { describe, expect, it } from 'vitest';
import { clusterBoundaries } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { activationCam, activationIndex, type Activation } from './activation-cam.js';
import { activationKey, camLookup } from './cam-reference.testing.js';

const RELU: Activation = [[0, Infinity]];

function ascending(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const set = new Set<number>();
  while (set.size < n) set.add(Math.fround(rng.uniform(lo, hi)));
  return Float32Array.from([...set].sort((a, b) => a - b));
}

/** The CAM's index for every accumulator of the range (clamped queries included). */
function camIndices(cam: ReturnType<typeof activationCam>, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let acc = lo; acc <= hi; acc++) out.push(camLookup(cam.cam, activationKey(acc, cam.keyShift, cam.cam.keyBits)));
  return out;
}

function floatIndices(lutScale: number, activation: Activation, codebook: Float32Array, lo: number, hi: number): number[] {
  const bounds = clusterBoundaries(codebook);
  const out: number[] = [];
  for (let acc = lo; acc <= hi; acc++) out.push(activationIndex(acc, lutScale, activation, bounds));
  return out;
}

describe('activation CAM', () => {
  it('is exact at every accumulator when the range fits the keys and the search compares every bit', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 40; trial++) {
      const n = rng.int(1, 40);
      const codebook = ascending(rng, n, -2, 6);
      const lutScale = 1 / rng.int(200, 3000);
      const activation: Activation = trial % 3 === 0 ? [] : trial % 3 === 1 ? RELU : [[0, 4]];
      const range = { min: -8000, max: 8000 };
      const cam = activationCam(lutScale, activation, codebook, range, { keyBits: 16, camBits: 16, entries: 'exact' });
      expect(cam.keyShift).toBe(0);
      expect(cam.mergedRegions).toBe(0);
      // Beyond the reachable range the CAM keeps the extreme reachable index.
      const want = floatIndices(lutScale, activation, codebook, range.min, range.max);
      const clamped = (i: number) => want[Math.max(0, Math.min(want.length - 1, i - 50))]!;
      const got = camIndices(cam, range.min - 50, range.max + 50);
      expect(got).toEqual(got.map((_, i) => clamped(i)));
      const keys = [...cam.cam.keys];
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
    }
  });

  it('takes one entry per output region when the regions allow it, never more than two', () => {
    // Equal-width regions of an odd number of keys: an entry at each centre reflects onto the next.
    const codebook = Float32Array.from({ length: 8 }, (_, j) => j);
    const cam = activationCam(1 / 101, [], codebook, { min: -5000, max: 5000 }, { keyBits: 16, camBits: 16, entries: 'exact' });
    expect(cam.cam.keys.length).toBe(8);
    expect([...cam.cam.values]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const rng = new Rng(9);
    for (let trial = 0; trial < 20; trial++) {
      const book = ascending(rng, rng.int(2, 60), -1, 1);
      const c = activationCam(1 / 5000, [], book, { min: -6000, max: 6000 }, { keyBits: 16, camBits: 16, entries: 'exact' });
      const regions = new Set(c.cam.values).size;
      expect(c.cam.keys.length).toBeGreaterThanOrEqual(regions);
      expect(c.cam.keys.length).toBeLessThanOrEqual(2 * regions - 1);
    }
  });

  it('maps every ReLU-negative accumulator to the zero centroid', () => {
    const codebook = Float32Array.from([0, 0.25, 0.5, 1, 2]);
    const cam = activationCam(1e-4, RELU, codebook, { min: -1e6, max: 1e6 }, { keyBits: 16, camBits: 8, entries: 64 });
    for (const acc of [-1e6, -12345, -1, 0]) {
      expect(camLookup(cam.cam, activationKey(acc, cam.keyShift, 16))).toBe(0);
    }
    expect(camLookup(cam.cam, activationKey(1e6, cam.keyShift, 16))).toBe(4);
  });

  it('shifts wide accumulators into the keys and is exact at the bucket centres', () => {
    const rng = new Rng(21);
    const codebook = ascending(rng, 30, 0, 8);
    const lutScale = 8 / 2 ** 22; // boundaries up to 2^22: keyShift ≥ 7 for 16-bit keys
    const range = { min: -(2 ** 23), max: 2 ** 23 };
    for (const camBits of [16, 8]) {
      const cam = activationCam(lutScale, RELU, codebook, range, { keyBits: 16, camBits, entries: 'exact' });
      const width = 2 ** (cam.keyShift + 16 - camBits);
      expect(cam.keyShift).toBeGreaterThan(0);
      const bounds = clusterBoundaries(codebook);
      for (let i = 0; i < 2000; i++) {
        const acc = rng.int(-(2 ** 10), 2 ** 23);
        // The compared key of acc, and the centre accumulator of its bucket.
        const u = Math.floor(activationKey(acc, cam.keyShift, 16) / 2 ** (16 - camBits));
        const centre = u * width - (cam.keyShift > 0 ? 2 ** (cam.keyShift - 1) : 0) + Math.floor(width / 2);
        expect(camLookup(cam.cam, activationKey(acc, cam.keyShift, 16))).toBe(activationIndex(centre, lutScale, RELU, bounds));
      }
    }
  });

  it('fits a smaller budget by merging the narrowest regions, staying monotone', () => {
    const rng = new Rng(33);
    const codebook = ascending(rng, 64, 0, 6);
    const lutScale = 6 / 30000;
    const range = { min: -40000, max: 40000 };
    const exact = activationCam(lutScale, RELU, codebook, range, { keyBits: 16, camBits: 16, entries: 'exact' });
    expect(exact.cam.keys.length).toBeGreaterThan(16);
    const cam = activationCam(lutScale, RELU, codebook, range, { keyBits: 16, camBits: 16, entries: 16 });
    expect(cam.cam.keys.length).toBeLessThanOrEqual(16);
    expect(cam.exactEntries).toBe(exact.cam.keys.length);
    expect(cam.mergedRegions).toBeGreaterThan(0);
    const got = camIndices(cam, range.min, range.max);
    const want = floatIndices(lutScale, RELU, codebook, range.min, range.max);
    for (let i = 1; i < got.length; i++) expect(got[i]!).toBeGreaterThanOrEqual(got[i - 1]!);
    const wrong = got.filter((v, i) => v !== want[i]).length;
    expect(wrong).toBeGreaterThan(0);
    expect(wrong / got.length).toBeLessThan(0.5);
    const one = activationCam(lutScale, RELU, codebook, range, { keyBits: 16, camBits: 16, entries: 1 });
    expect(one.cam.keys.length).toBe(1);
  });

  it('holds a single entry when the index cannot change over the reachable range', () => {
    const cam = activationCam(
      1e-3,
      RELU,
      Float32Array.from([0, 5]),
      { min: -100, max: 100 },
      { keyBits: 16, camBits: 8, entries: 64 },
    );
    expect(cam.cam.keys.length).toBe(1);
    expect(cam.cam.values[0]).toBe(0);
  });
});
