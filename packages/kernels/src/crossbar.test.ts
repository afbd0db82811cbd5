import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CrossbarLayer, type CrossbarLayerSpec, type CrossbarRunStats, type CrossbarTile } from './crossbar.js';
import * as layout from './crossbar-layout.js';
import { getThreads, setThreads } from './wasm.js';

/** A small seeded generator (xorshift32), so the cases are the same on every run. */
class Random {
  constructor(private state: number) {}
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 2 ** 32;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
}

function emptyStats(): CrossbarRunStats {
  return { computed: 0, folded: 0, saturated: 0, failed: 0, recoveryConversions: 0, recoverySaturated: 0 };
}

/** Slice widths summing to `bits`, each at most `width`, the narrower remainder first (MSB). */
function widths(bits: number, width: number): number[] {
  const n = Math.ceil(bits / width);
  return Array.from({ length: n }, (_, i) => (i === 0 ? bits - width * (n - 1) : width));
}

function slices(ws: readonly number[], bits: number): { shift: number; width: number }[] {
  let end = bits;
  return ws.map((width) => {
    end -= width;
    return { shift: end, width };
  });
}

interface Case {
  readonly spec: CrossbarLayerSpec;
  /** What the weights are relative to: stored − offset (128 for offset binary, 0 for differential). */
  readonly offset: number;
  readonly bias: Int32Array;
  readonly batch: number;
  readonly x: Uint8Array | Int8Array;
  readonly skip: boolean;
  readonly description: string;
}

/**
 * A random crossbar layer: geometry, groups, cells (single-ended or differential), slices, a narrow
 * ADC (so column sums clip), row and channel tiling with odd row ranges, and inputs.
 */
function randomCase(rng: Random, options: { large?: boolean; speculate?: boolean } = {}): Case {
  const large = options.large === true;
  const speculate = options.speculate === true;
  // Some pointwise layers (1×1, stride 1, no padding: the contiguous im2col path).
  const pointwise = !large && rng.next() < 0.2;
  // Some deep layers: several ranges of more than 64 rows, odd starts included.
  const deep = !large && rng.next() < (speculate ? 0.4 : 0.2);
  const groups = large ? 1 : rng.pick([1, 1, 2, 3]);
  const gc = large ? 24 : deep ? rng.int(20, 45) : rng.int(1, 6);
  const gm = large ? 40 : rng.int(1, 10);
  const [kh, kw] = large ? [3, 3] : pointwise ? [1, 1] : [rng.int(1, 4), rng.int(1, 4)];
  const [sh, sw] = large || pointwise ? [1, 1] : [rng.int(1, 3), rng.int(1, 3)];
  const [dh, dw] = large ? [1, 1] : [rng.pick([1, 1, 2]), rng.pick([1, 1, 2])];
  const pads = large ? [1, 1, 1, 1] : pointwise ? [0, 0, 0, 0] : [rng.int(0, 2), rng.int(0, 2), rng.int(0, 2), rng.int(0, 2)];
  const spanH = (kh - 1) * dh + 1;
  const spanW = (kw - 1) * dw + 1;
  // Up to 20 wide: output rows of 16 and more take the vectorized requantization.
  const h = large ? 30 : Math.max(rng.int(1, deep ? 4 : 13), spanH - pads[0]! - pads[2]!);
  const w = large ? 30 : Math.max(rng.int(1, deep ? 6 : 20), spanW - pads[1]! - pads[3]!);
  const outP = Math.floor((h + pads[0]! + pads[2]! - spanH) / sh) + 1;
  const outQ = Math.floor((w + pads[1]! + pads[3]! - spanW) / sw) + 1;
  const batch = large ? 2 : rng.int(1, 3);
  const depth = gc * kh * kw;
  const cellBits = large ? 2 : rng.int(1, 4);
  const differential = !large && rng.next() < 0.3;
  const weightWidths = widths(8, cellBits);
  const nw = weightWidths.length;
  const weightShifts = slices(weightWidths, 8).map((s) => s.shift);
  const dac = large ? 1 : rng.pick([1, 1, 2, 4]);
  const inputSlices = slices(widths(8, dac), 8);
  const signedInput = !large && rng.next() < 0.4;
  const adcBits = large ? 8 : rng.int(3, 9);
  const signedAdc = differential || rng.next() < 0.2;
  const [adcMin, adcMax] = signedAdc ? [-(2 ** (adcBits - 1)), 2 ** (adcBits - 1) - 1] : [0, 2 ** adcBits - 1];
  const rows = large
    ? 128
    : deep
      ? rng.pick(speculate ? [65, 129, 200, 512] : [65, 67, 99, 129])
      : rng.pick([3, 7, 16, 33, 64, 65, 100, 128, 129]);
  // Speculative input slices (any widths covering the 8 bits), the recovery then bit by bit.
  const speculation = speculate
    ? slices(rng.pick([[4, 2, 2], [4, 2, 2], [2, 2, 2, 2], [3, 3, 2], [4, 4], [1, 7], [8], new Array<number>(8).fill(1)]), 8)
    : undefined;
  const channelsPerTile = large ? 32 : rng.int(1, 6);
  const offset = differential ? 0 : rng.pick([128, 128, 0, 77]);

  const top = 2 ** cellBits - 1;
  const level = () => (rng.next() < 0.2 ? 0 : rng.next() < 0.3 ? top : rng.int(0, top));
  const weights = new Int16Array(groups * depth * gm);
  const tiles: CrossbarTile[] = [];
  for (let g = 0; g < groups; g++) {
    for (let c0 = 0; c0 < gm; c0 += channelsPerTile) {
      for (let r0 = 0; r0 < depth; r0 += rows) {
        const rowCount = Math.min(rows, depth - r0);
        const channelCount = Math.min(channelsPerTile, gm - c0);
        const columns = channelCount * nw;
        const stride = columns + rng.int(0, 3);
        const plane = rowCount * stride;
        const levels = new Uint8Array(differential ? 2 * plane : plane);
        let maxPositive = 0;
        let maxNegative = 0;
        for (let r = 0; r < rowCount; r++) {
          for (let c = 0; c < columns; c++) {
            const pos = level();
            const neg = differential && rng.next() < 0.5 ? level() : 0;
            levels[r * stride + c] = pos;
            if (differential) levels[plane + r * stride + c] = neg;
            const v = pos - neg;
            maxPositive = Math.max(maxPositive, v);
            maxNegative = Math.max(maxNegative, -v);
            const m = c0 + Math.floor(c / nw);
            weights[(g * depth + r0 + r) * gm + m]! += v * 2 ** weightShifts[c % nw]!;
          }
        }
        const alwaysFold =
          speculation === undefined
            ? inputSlices.every((s) => {
                const total = rowCount * (2 ** s.width - 1);
                return total * maxPositive <= adcMax && -total * maxNegative >= adcMin;
              })
            : speculation.every((s) => {
                const total = rowCount * (2 ** s.width - 1);
                return total * maxPositive < adcMax && -total * maxNegative > adcMin;
              });
        tiles.push({
          group: g,
          rowStart: r0,
          rowCount,
          channelStart: c0,
          channelCount,
          levels,
          offset: 0,
          stride,
          negativeOffset: differential ? plane : undefined,
          maxPositive,
          maxNegative,
          alwaysFold,
        });
      }
    }
  }
  for (let i = 0; i < weights.length; i++) weights[i] = weights[i]! - offset;
  // Tiles in a shuffled order: the layer must not depend on it.
  tiles.sort(() => rng.next() - 0.5);

  const outM = groups * gm;
  const zeroPoint = signedInput ? rng.int(-128, 127) : rng.int(0, 255);
  const bias = Int32Array.from({ length: outM }, () => rng.int(-100000, 100000));
  const init = Int32Array.from(bias, (b, m) => {
    const g = Math.floor(m / gm);
    let sum = 0;
    for (let k = 0; k < depth; k++) sum += weights[(g * depth + k) * gm + (m % gm)]!;
    return b - zeroPoint * sum;
  });
  const signedOutput = rng.next() < 0.5;
  const [lo, hi] = signedOutput ? [-128, 127] : [0, 255];
  const outputZeroPoint = rng.int(lo, hi);
  const clampMin = rng.next() < 0.3 ? outputZeroPoint : lo;
  const spec: CrossbarLayerSpec = {
    inShape: [groups * gc, h, w],
    outShape: [outM, outP, outQ],
    kernel: [kh, kw],
    strides: [sh, sw],
    dilations: [dh, dw],
    pads: [pads[0]!, pads[1]!],
    groups,
    signedInput,
    zeroPoint,
    weights,
    init,
    multiplier: Int32Array.from({ length: outM }, () => (rng.next() < 0.05 ? 0 : rng.int(2 ** 20, 2 ** 24 - 1))),
    shift: Int32Array.from({ length: outM }, () => rng.pick([0, 1, 12, 13, rng.int(14, 30), 40, 63])),
    signedOutput,
    outputZeroPoint,
    clampMin,
    clampMax: hi,
    adcMin,
    adcMax,
    inputSlices,
    speculation,
    weightShifts,
    cellBits,
    tiles,
  };
  const n = batch * groups * gc * h * w;
  const high = rng.next() < 0.5; // codes near the top: many set bits, many clipped sums
  const x = signedInput
    ? Int8Array.from({ length: n }, () => (high ? rng.pick([-128, -100, 100, 127]) : rng.int(-128, 127)))
    : Uint8Array.from({ length: n }, () => (high ? rng.int(200, 255) : rng.next() < 0.4 ? 0 : rng.int(0, 255)));
  const description =
    `x ${signedInput ? 'i8' : 'u8'}[${batch},${groups * gc},${h},${w}] k ${kh}×${kw} s ${sh},${sw} d ${dh},${dw} ` +
    `p ${pads.join(',')} g ${groups} m ${outM} cells ${cellBits}b${differential ? ' 2T2R' : ''} dac ${dac} ` +
    `adc [${adcMin}, ${adcMax}] rows ${rows} channels/tile ${channelsPerTile}` +
    (speculation === undefined ? '' : ` speculation [${speculation.map((s) => s.width).join(',')}]`);
  return { spec, offset, bias, batch, x, skip: rng.next() < 0.6, description };
}

/**
 * The crossbar bit-serially, straight from the definition: per position, tile, pass and input
 * slice, every column sum Σ_rows value·(positive − negative level), clipped to the ADC's codes,
 * shift-added; then − offset·Σx − zp·Σw + bias, wrapped to int32, and requantized in BigInt.
 * Under speculation, per speculative slice every column converts once; a code at either end of
 * the range fails and the column is recomputed bit by bit (each conversion clipped).
 * Also the statistics under the folding rule (a slice folds when its column sums provably fit;
 * a speculative slice when they stay strictly inside the range).
 */
function reference(c: Case): { out: number[]; stats: CrossbarRunStats } {
  const s = c.spec;
  const [inC, h, w] = s.inShape;
  const [outM, outP, outQ] = s.outShape;
  const [kh, kw] = s.kernel;
  const gc = inC / s.groups;
  const gm = outM / s.groups;
  const depth = gc * kh * kw;
  const nw = s.weightShifts.length;
  const passes = s.signedInput ? 2 : 1;
  const out = new Array<number>(c.batch * outM * outP * outQ).fill(0);
  const stats = emptyStats();
  const weightSum = (m: number) => {
    const g = Math.floor(m / gm);
    let sum = 0;
    for (let k = 0; k < depth; k++) sum += s.weights[(g * depth + k) * gm + (m % gm)]!;
    return sum;
  };
  for (let n = 0; n < c.batch; n++) {
    for (let oy = 0; oy < outP; oy++) {
      for (let ox = 0; ox < outQ; ox++) {
        const partial = new Array<number>(outM).fill(0);
        for (let g = 0; g < s.groups; g++) {
          const xcol: number[] = [];
          for (let ci = 0; ci < gc; ci++) {
            for (let r = 0; r < kh; r++) {
              for (let t = 0; t < kw; t++) {
                const iy = oy * s.strides[0] - s.pads[0] + r * s.dilations[0];
                const ix = ox * s.strides[1] - s.pads[1] + t * s.dilations[1];
                const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                xcol.push(inside ? c.x[((n * inC + g * gc + ci) * h + iy) * w + ix]! : s.zeroPoint);
              }
            }
          }
          const sumX = xcol.reduce((a, b) => a + b, 0);
          for (let m = g * gm; m < (g + 1) * gm; m++) partial[m]! -= c.offset * sumX;
          for (const tile of s.tiles.filter((t) => t.group === g)) {
            const columns = tile.channelCount * nw;
            const columnSum = (col: number, value: (r: number) => number) => {
              let sum = 0;
              for (let r = 0; r < tile.rowCount; r++) {
                const at = tile.offset + r * tile.stride + col;
                const neg = tile.negativeOffset === undefined ? 0 : tile.levels[tile.negativeOffset + r * tile.stride + col]!;
                sum += value(r) * (tile.levels[at]! - neg);
              }
              return sum;
            };
            for (let pass = 0; pass < passes; pass++) {
              const sign = pass === 0 ? 1 : -1;
              const mag = xcol.map((v) => Math.max(sign * v, 0));
              for (const slice of s.speculation ?? []) {
                const mask = 2 ** slice.width - 1;
                const value = (r: number) => (mag[tile.rowStart + r]! >> slice.shift) & mask;
                let total = 0;
                for (let r = 0; r < tile.rowCount; r++) total += value(r);
                const fits = total * tile.maxPositive < s.adcMax && -total * tile.maxNegative > s.adcMin;
                if (c.skip && fits) stats.folded += columns;
                else stats.computed += columns;
                for (let col = 0; col < columns; col++) {
                  const m = g * gm + tile.channelStart + Math.floor(col / nw);
                  const place = 2 ** s.weightShifts[col % nw]!;
                  const sum = columnSum(col, value);
                  const code = Math.min(s.adcMax, Math.max(s.adcMin, sum));
                  if (code !== s.adcMin && code !== s.adcMax) {
                    partial[m]! += sign * 2 ** slice.shift * place * code;
                    continue;
                  }
                  stats.failed++;
                  for (let b = slice.shift; b < slice.shift + slice.width; b++) {
                    const bit = (r: number) => (mag[tile.rowStart + r]! >> b) & 1;
                    let ones = 0;
                    for (let r = 0; r < tile.rowCount; r++) ones += bit(r);
                    stats.recoveryConversions++;
                    if (c.skip && ones * tile.maxPositive <= s.adcMax && -ones * tile.maxNegative >= s.adcMin) stats.folded++;
                    else stats.computed++;
                    const bitSum = columnSum(col, bit);
                    const bitCode = Math.min(s.adcMax, Math.max(s.adcMin, bitSum));
                    if (bitCode !== bitSum) {
                      stats.saturated++;
                      stats.recoverySaturated++;
                    }
                    partial[m]! += sign * 2 ** b * place * bitCode;
                  }
                }
              }
              for (const slice of s.speculation === undefined ? s.inputSlices : []) {
                const mask = 2 ** slice.width - 1;
                const value = (r: number) => (mag[tile.rowStart + r]! >> slice.shift) & mask;
                let total = 0;
                for (let r = 0; r < tile.rowCount; r++) total += value(r);
                const fits = total * tile.maxPositive <= s.adcMax && -total * tile.maxNegative >= s.adcMin;
                if (c.skip && (tile.alwaysFold || total === 0 || fits)) stats.folded += columns;
                else stats.computed += columns;
                for (let col = 0; col < columns; col++) {
                  const sum = columnSum(col, value);
                  const code = Math.min(s.adcMax, Math.max(s.adcMin, sum));
                  if (code !== sum) stats.saturated++;
                  const m = g * gm + tile.channelStart + Math.floor(col / nw);
                  partial[m]! += sign * 2 ** slice.shift * 2 ** s.weightShifts[col % nw]! * code;
                }
              }
            }
          }
        }
        for (let m = 0; m < outM; m++) {
          const v = BigInt((partial[m]! - s.zeroPoint * weightSum(m) + c.bias[m]!) | 0);
          const shift = BigInt(s.shift[m]!);
          const half = shift === 0n ? 0n : 1n << (shift - 1n);
          const y = Number((v * BigInt(s.multiplier[m]!) + half) >> shift) + s.outputZeroPoint;
          out[((n * outM + m) * outP + oy) * outQ + ox] = Math.min(s.clampMax, Math.max(s.clampMin, y));
        }
      }
    }
  }
  return { out, stats };
}

function runLayer(c: Case): { out: number[]; stats: CrossbarRunStats } {
  const layer = new CrossbarLayer(c.spec);
  const [outM, outP, outQ] = c.spec.outShape;
  const size = c.batch * outM * outP * outQ;
  const out = c.spec.signedOutput ? new Int8Array(size) : new Uint8Array(size);
  const stats = emptyStats();
  layer.run(c.x, c.batch, out, { skipExactSlices: c.skip }, stats);
  return { out: Array.from(out), stats };
}

describe('CrossbarLayer: bit-exact against a bit-serial reference', () => {
  it('on 150 random layers (geometry, groups, cells, slices, clipping ADCs, tiling)', () => {
    const rng = new Random(12345);
    let saturated = 0;
    for (let i = 0; i < 150; i++) {
      const c = randomCase(rng);
      const want = reference(c);
      const got = runLayer(c);
      expect(got.out, `#${i} ${c.description}`).toEqual(want.out);
      expect(got.stats, `#${i} ${c.description}`).toEqual(want.stats);
      saturated += want.stats.saturated;
    }
    // The cases must exercise the clipping corrections, not only the exact product.
    expect(saturated).toBeGreaterThan(1000);
  });

  it('under speculation on 60 random layers (slicings, failures and clipped recoveries, unsigned ADCs)', () => {
    const rng = new Random(4242);
    const totals = emptyStats();
    for (let i = 0; i < 60; i++) {
      const c = randomCase(rng, { speculate: true });
      const want = reference(c);
      const got = runLayer(c);
      expect(got.out, `#${i} ${c.description}`).toEqual(want.out);
      expect(got.stats, `#${i} ${c.description}`).toEqual(want.stats);
      for (const key of Object.keys(totals) as (keyof CrossbarRunStats)[]) totals[key] += want.stats[key];
    }
    // Speculation that succeeds, fails, recovers exactly and recovers with clipping, all exercised.
    expect(totals.folded).toBeGreaterThan(0);
    expect(totals.failed).toBeGreaterThan(1000);
    expect(totals.recoverySaturated).toBeGreaterThan(100);
    expect(totals.recoveryConversions - totals.recoverySaturated).toBeGreaterThan(1000);
  });

  it('the same on several threads as on one (a layer large enough to be split)', () => {
    const before = getThreads();
    try {
      const rng = new Random(99);
      for (let i = 0; i < 4; i++) {
        const c = { ...randomCase(rng, { large: true, speculate: i >= 2 }), skip: i % 2 === 0 };
        setThreads(1);
        const one = runLayer(c);
        setThreads(3);
        const three = runLayer(c);
        expect(three).toEqual(one);
      }
    } finally {
      setThreads(before);
    }
  });

  it('runs again with the same result (resident tables reused)', () => {
    const c = randomCase(new Random(7));
    const layer = new CrossbarLayer(c.spec);
    const [outM, outP, outQ] = c.spec.outShape;
    const results = [0, 1].map(() => {
      const out = new Int8Array(c.batch * outM * outP * outQ);
      layer.run(c.x, c.batch, c.spec.signedOutput ? out : new Uint8Array(out.buffer), { skipExactSlices: true }, emptyStats());
      return Array.from(out);
    });
    expect(results[1]).toEqual(results[0]);
  });

  it('refuses inputs and outputs of the wrong size', () => {
    const c = randomCase(new Random(3));
    const layer = new CrossbarLayer(c.spec);
    expect(() => layer.run(c.x.subarray(1), c.batch, new Uint8Array(1), { skipExactSlices: true }, emptyStats())).toThrow(
      /CrossbarLayer.run: batch/,
    );
  });
});

describe('crossbar layout', () => {
  it('the host and assembly/crossbar-layout.ts agree on every field', () => {
    const text = readFileSync(new URL('../assembly/crossbar-layout.ts', import.meta.url), 'utf8');
    const fields = [...text.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(fields.length).toBeGreaterThan(40);
    expect(Object.entries(layout).sort()).toEqual([...fields].sort());
  });
});
