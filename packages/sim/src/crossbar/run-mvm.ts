import type { CrossbarLayer } from '@pimc/kernels';
import { clamp, multiplyShift } from '../fixed-point.js';
import { allocate, type SimData } from '../sim-tensor.js';
import { bitplaneColumnSums, packInputBits, rowColumnSums } from './column-sums.js';
import { foldableBits, sliceFits } from './fold.js';
import type { MvmStats } from './mvm-stats.js';
import type { PreparedMvm, PreparedTile } from './prepare.js';
import { accumulateSpeculativeTile } from './speculate.js';

/**
 * How a crossbar layer is computed; every choice gives the same result bit for bit. `wasm`: the
 * WebAssembly layer (exact integer product, popcount column sums where the ADC may clip) where
 * the arithmetic is all integers (no noise, ADC lsb 1), else as `auto`; `auto`: `wasm` where it
 * applies, else `bitplanes` for 1-bit input slices without noise and `rows` otherwise.
 */
export type ColumnSumKernel = 'auto' | 'wasm' | 'rows' | 'bitplanes';

export interface MvmOptions {
  /**
   * Skip the slice-by-slice work where it cannot change the result (default true): an input slice
   * whose column sums provably fit the ADC unchanged (bounded by Σ slice values × the largest cell,
   * lsb 1, no noise) is folded into one exact integer product with the stored values. Slices that
   * could clip or round are always computed column by column and converted. Under speculation, a
   * speculative slice folds when its sums provably stay strictly inside the ADC's range (no column
   * can fail), and the other slices' sums are always computed.
   */
  readonly skipExactSlices: boolean;
  readonly kernel: ColumnSumKernel;
}

/** Scratch buffers of one layer's run, sized for its largest tile. */
export interface Scratch {
  readonly sums: Float64Array;
  readonly values: Int32Array;
  readonly words: Uint32Array;
  readonly sliceTotals: Float64Array;
  /** Per input bit, one column sum per column (speculation: the 1-bit sums a slice is made of). */
  readonly bitSums: readonly Float64Array[];
  /** Per column: 1 when its speculative conversion failed. */
  readonly failed: Uint8Array;
  /** Input bits that can be folded without looking at the data, per tile (see `foldableBits`). */
  readonly alwaysFold: Map<PreparedTile, number>;
}

/**
 * Runs a crossbar-mvm over a batch: for every image and output position, im2col of the input
 * (padding fed as the zero point), then per tile and input pass the bit-serial crossbar work, the
 * digital corrections, bias and requantization. Returns the output storage ([N, M, P, Q]).
 * `layer` gives the layer's WebAssembly form (see wasm-mvm.ts) when it has one; the `wasm` and
 * `auto` kernels run it instead of the JavaScript loops below.
 */
export function runMvm(
  p: PreparedMvm,
  x: Exclude<SimData, Float32Array>,
  batch: number,
  options: MvmOptions,
  stats: MvmStats,
  layer?: () => CrossbarLayer | undefined,
): SimData {
  const mvm = p.instruction;
  const g = mvm.geometry;
  const positions = p.outP * p.outQ;
  const out = allocate(p.output.type, batch * p.outM * positions);
  const tiles = p.tilesByGroup.flat();
  countFixedStats(p, batch * positions, stats);
  const accelerated = options.kernel === 'auto' || options.kernel === 'wasm' ? layer?.() : undefined;
  if (accelerated !== undefined && isBytes(x) && isBytes(out)) {
    const counts = { computed: 0, folded: 0, saturated: 0, failed: 0, recoveryConversions: 0, recoverySaturated: 0 };
    accelerated.run(x, batch, out, { skipExactSlices: options.skipExactSlices }, counts);
    stats.columnSumsComputed += counts.computed;
    stats.columnSumsFolded += counts.folded;
    stats.saturated += counts.saturated;
    stats.failedColumns += counts.failed;
    stats.recoveryConversions += counts.recoveryConversions;
    stats.recoverySaturations += counts.recoverySaturated;
    return out;
  }
  const xcol = new Int32Array(p.depth);
  const magnitudes = new Int32Array(p.depth);
  const partial = new Float64Array(p.outM);
  const maxRows = tiles.reduce((most, t) => Math.max(most, t.tile.rowCount), 1);
  const maxColumns = tiles.reduce((most, t) => Math.max(most, t.columns), 1);
  const scratch: Scratch = {
    sums: new Float64Array(maxColumns),
    values: new Int32Array(maxRows),
    words: new Uint32Array(Math.ceil(maxRows / 32)),
    sliceTotals: new Float64Array(p.inputSlices.length),
    bitSums: Array.from({ length: p.instruction.inputs.bits }, () => new Float64Array(maxColumns)),
    failed: new Uint8Array(maxColumns),
    alwaysFold: new Map(tiles.map((t) => [t, options.skipExactSlices ? foldableBits(p, t) : 0])),
  };
  const zp = mvm.inputs.zeroPoint;
  const offset = mvm.weights.offset;
  const inPlane = p.inH * p.inW;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const [pt, pl] = g.pads;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < p.outP; oy++) {
      for (let ox = 0; ox < p.outQ; ox++) {
        partial.fill(0);
        for (let gi = 0; gi < g.groups; gi++) {
          // im2col: row k = (c·R + r)·S + s of the group; a tap in the padding reads the zero point.
          let k = 0;
          let sumX = 0;
          for (let c = 0; c < p.groupChannels; c++) {
            const plane = (n * p.inC + gi * p.groupChannels + c) * inPlane;
            for (let r = 0; r < p.kernelH; r++) {
              const iy = oy * sh - pt + r * dh;
              for (let s = 0; s < p.kernelW; s++) {
                const ix = ox * sw - pl + s * dw;
                const v = iy >= 0 && iy < p.inH && ix >= 0 && ix < p.inW ? x[plane + iy * p.inW + ix]! : zp;
                xcol[k++] = v;
                sumX += v;
              }
            }
          }
          for (let pass = 0; pass < p.passes; pass++) {
            // Signed inputs go in two passes of magnitudes: the positive codes, then the negated negative ones.
            const sign = pass === 0 ? 1 : -1;
            if (p.passes === 1) magnitudes.set(xcol);
            else for (let i = 0; i < p.depth; i++) magnitudes[i] = sign * xcol[i]! > 0 ? sign * xcol[i]! : 0;
            for (const tile of p.tilesByGroup[gi]!) {
              (p.speculation === undefined ? accumulateTile : accumulateSpeculativeTile)(
                p,
                tile,
                magnitudes,
                sign,
                partial,
                gi * p.groupOutputs + tile.tile.channelStart,
                options,
                scratch,
                stats,
              );
            }
          }
          addCenterTerms(p, gi, xcol, partial);
          // Digital corrections: the weight offset's offset·Σx, and the input zero point's zp·Σw.
          for (let m = gi * p.groupOutputs; m < (gi + 1) * p.groupOutputs; m++) {
            partial[m]! -= offset * sumX + zp * p.weightSums[m]!;
          }
        }
        const outBase = n * p.outM * positions + oy * p.outQ + ox;
        for (let m = 0; m < p.outM; m++) {
          // wrap to the int32 accumulator, add the bias there, then the exact fixed-point rescale.
          const v = (partial[m]! + mvm.bias[m]!) | 0;
          const y = mvm.outputZeroPoint + multiplyShift(v, p.multipliers[m]!);
          out[outBase + m * positions] = clamp(y, mvm.clampMin, mvm.clampMax);
        }
      }
    }
  }
  return out;
}

/** The statistics that do not depend on the data, for `vectors` input vectors (images × positions). */
function countFixedStats(p: PreparedMvm, vectors: number, stats: MvmStats): void {
  const spec = p.speculation;
  const cycles = spec === undefined ? p.inputSlices.length : spec.length + p.instruction.inputs.bits;
  const perPass = vectors * p.passes;
  for (const t of p.tilesByGroup.flat()) {
    stats.crossbarCycles += perPass * cycles;
    // Every cycle drives the whole tile, recovery cycles included.
    stats.sliceMacs += perPass * cycles * t.tile.rowCount * t.columns;
    stats.baselineConversions += perPass * t.columns * p.instruction.inputs.bits;
    if (spec !== undefined) stats.speculativeConversions += perPass * t.columns * spec.length;
  }
}

/**
 * Center+Offset: each tile's channels get center · Σ_rows x, the running input sum over the tile's
 * rows of the raw codes (signed for i8, the zero point for padding taps), once per input vector.
 */
function addCenterTerms(p: PreparedMvm, group: number, xcol: Int32Array, partial: Float64Array): void {
  for (const t of p.tilesByGroup[group]!) {
    const centers = t.centers;
    if (centers === undefined) continue;
    const { rowStart, rowCount, channelStart, channelCount } = t.tile;
    let sumX = 0;
    for (let r = rowStart; r < rowStart + rowCount; r++) sumX += xcol[r]!;
    const base = group * p.groupOutputs + channelStart;
    for (let ch = 0; ch < channelCount; ch++) partial[base + ch]! += centers[ch]! * sumX;
  }
}

/** u8/i8 storage (what a crossbar layer reads and writes; the program check guarantees it). */
function isBytes(data: SimData): data is Uint8Array | Int8Array {
  return data instanceof Uint8Array || data instanceof Int8Array;
}

/** One tile, one input pass: every input slice through the crossbar and the ADC, shift-added into `partial`. */
function accumulateTile(
  p: PreparedMvm,
  t: PreparedTile,
  magnitudes: Int32Array,
  sign: number,
  partial: Float64Array,
  channelBase: number,
  options: MvmOptions,
  scratch: Scratch,
  stats: MvmStats,
): void {
  const { rowStart, rowCount, channelCount } = t.tile;
  const slices = p.inputSlices;
  const weightSlices = p.weightSlices;
  const nw = weightSlices.length;
  const { lsb } = p.instruction.adc;
  const stored = t.stored;

  let foldMask = scratch.alwaysFold.get(t)!;
  if (options.skipExactSlices && foldMask === 0) {
    // Count each slice's Σ_rows (slice value): it bounds every column sum of the slice.
    const totals = scratch.sliceTotals;
    totals.fill(0);
    for (let r = 0; r < rowCount; r++) {
      const u = magnitudes[rowStart + r]!;
      if (u === 0) continue;
      for (let j = 0; j < slices.length; j++) totals[j]! += (u >>> slices[j]!.shift) & slices[j]!.mask;
    }
    for (let j = 0; j < slices.length; j++) if (sliceFits(p, t, totals[j]!)) foldMask |= slices[j]!.mask << slices[j]!.shift;
  }

  if (foldMask !== 0) {
    // These slices' sums all pass the ADC unchanged: Σ_j 2^shift_j Σ_sl 2^wshift_sl s_j,sl = Σ_r x_r·stored_r.
    for (let r = 0; r < rowCount; r++) {
      const xs = magnitudes[rowStart + r]! & foldMask;
      if (xs === 0) continue;
      const v = sign * xs;
      const base = r * channelCount;
      for (let ch = 0; ch < channelCount; ch++) partial[channelBase + ch]! += v * stored[base + ch]!;
    }
  }

  const useBitplanes = t.bitplanes !== undefined && !p.noisy && options.kernel !== 'rows';
  const sums = scratch.sums;
  for (let j = 0; j < slices.length; j++) {
    const slice = slices[j]!;
    if (((foldMask >>> slice.shift) & 1) === 1) {
      stats.columnSumsFolded += t.columns;
      continue;
    }
    stats.columnSumsComputed += t.columns;
    if (useBitplanes) {
      packInputBits(magnitudes, rowStart, rowCount, slice.shift, scratch.words);
      bitplaneColumnSums(scratch.words, t.bitplanes!(), t.columns, sums);
    } else {
      const values = scratch.values;
      for (let r = 0; r < rowCount; r++) values[r] = (magnitudes[rowStart + r]! >>> slice.shift) & slice.mask;
      if (t.noisyCells !== undefined) rowColumnSums(values, rowCount, t.noisyCells, t.columns, t.columns, sums);
      else rowColumnSums(values, rowCount, t.cells(), t.cellStride, t.columns, sums);
    }
    // ADC: divide by lsb, round half up, clip to the code range; then back to sum units and shift-add.
    let col = 0;
    for (let ch = 0; ch < channelCount; ch++) {
      let acc = 0;
      for (let sl = 0; sl < nw; sl++) {
        let code = Math.floor(sums[col++]! / lsb + 0.5);
        if (code > p.adcMax) {
          code = p.adcMax;
          stats.saturated++;
        } else if (code < p.adcMin) {
          code = p.adcMin;
          stats.saturated++;
        }
        acc += code * 2 ** weightSlices[sl]!.shift;
      }
      partial[channelBase + ch]! += sign * lsb * 2 ** slice.shift * acc;
    }
  }
}
