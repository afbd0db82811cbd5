import * as L from './crossbar-layout.js';
import { beginCall, byteView, crossbarBlocks, getThreads, kernels, residentBytes, threadScratch, workspace } from './wasm.js';

/*
 * A crossbar layer of a bit-accurate PIM simulation, run in WebAssembly (assembly/crossbar.ts):
 * the exact integer product of the input codes with the values the cells store, plus, for the
 * column sums the ADC may clip, popcount column sums from the cells' bit-planes and the
 * clipping corrections. The layer's tables (weights, bit-planes, requantization) are built once
 * and stay resident in linear memory across runs.
 *
 * The package knows nothing of programs or chips: the caller (the simulator) states the
 * geometry, the encodings and which slices may be folded.
 */

/** One input slice: bits [shift, shift + width) of a code. */
export interface CrossbarSlice {
  readonly shift: number;
  readonly width: number;
}

/** One crossbar's block of a layer's weight matrix. */
export interface CrossbarTile {
  readonly group: number;
  /** Rows [rowStart, rowStart + rowCount) of the group's im2col depth K. */
  readonly rowStart: number;
  readonly rowCount: number;
  /** Output channels [channelStart, channelStart + channelCount) of the group. */
  readonly channelStart: number;
  readonly channelCount: number;
  /**
   * Cell levels: used column c (channel ⌊c / weight slices⌋, weight slice c mod weight slices) of
   * tile row r at `levels[offset + r·stride + c]`; for differential cells the negative device at
   * `levels[negativeOffset + r·stride + c]`.
   */
  readonly levels: Uint8Array;
  readonly offset: number;
  readonly stride: number;
  readonly negativeOffset?: number | undefined;
  /** Largest positive and negative cell value (positive − negative level) of the tile. */
  readonly maxPositive: number;
  readonly maxNegative: number;
  /** Every slice's column sums fit the ADC whatever the inputs (folded without a look when folding). */
  readonly alwaysFold: boolean;
}

export interface CrossbarLayerSpec {
  /** Per image: input [C, H, W], output [M, P, Q]. */
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** Top and left padding (bottom and right follow from the shapes). */
  readonly pads: readonly [number, number];
  readonly groups: number;
  readonly signedInput: boolean;
  /** What padding taps feed. */
  readonly zeroPoint: number;
  /**
   * The value each (row k, output channel m) of each group multiplies its input by, row-major
   * [groups][K][M/groups]: Σ over the weight slices of 2^shift · cell, minus the weight offset.
   * Every value must fit int16.
   */
  readonly weights: Int16Array;
  /** Per output channel: the accumulator's starting value (bias − zp·Σw, wrapped to int32). */
  readonly init: Int32Array;
  /** Per output channel: y = clamp(outputZeroPoint + ((acc·multiplier + 2^(shift−1)) >> shift)). */
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly signedOutput: boolean;
  readonly outputZeroPoint: number;
  readonly clampMin: number;
  readonly clampMax: number;
  /** The ADC's code range (lsb 1: a column sum converts to itself, clipped). */
  readonly adcMin: number;
  readonly adcMax: number;
  readonly inputSlices: readonly CrossbarSlice[];
  /** Place value (shift) of each weight slice, in column order within a channel. */
  readonly weightShifts: readonly number[];
  readonly cellBits: number;
  readonly tiles: readonly CrossbarTile[];
}

/** What a run did beyond its outputs. */
export interface CrossbarRunStats {
  /** Column sums computed and converted. */
  computed: number;
  /** Column sums that provably fit the ADC and were folded into the exact product. */
  folded: number;
  /** Conversions clipped to the ADC's range. */
  saturated: number;
}

export interface CrossbarRunOptions {
  /** Fold slices whose column sums provably pass the ADC unchanged (false: convert every slice). */
  readonly skipExactSlices: boolean;
}

/** Bytes of the X panels one position block may take (they stay in L2 across the channel panels). */
const X_BLOCK_BYTES = 256 * 1024;
const MAX_BLOCK = 1024;
/** Below this many multiply-adds a layer runs on the calling thread. */
const PARALLEL_MIN_MACS = 1 << 22;

interface RangeInfo {
  readonly group: number;
  readonly rowStart: number;
  readonly rowCount: number;
  readonly tiles: CrossbarTile[];
}

export class CrossbarLayer {
  private readonly blob: Uint8Array;
  /** Byte offsets in the blob of i32 fields holding blob-relative addresses (made absolute when resident). */
  private readonly pointerFields: number[] = [];
  /** The descriptor with blob-relative addresses (and no per-run fields). */
  private readonly template = new Int32Array(L.DESCRIPTOR_WORDS);
  private readonly kPairs: number;
  private readonly mPad: number;
  private readonly bitWords: number;
  private readonly maxColumns: number;
  private readonly macsPerPosition: number;

  constructor(readonly spec: CrossbarLayerSpec) {
    checkSpec(spec);
    const [inC, inH, inW] = spec.inShape;
    const [outM, outP, outQ] = spec.outShape;
    const g = spec.groups;
    const groupC = inC / g;
    const groupM = outM / g;
    const depth = groupC * spec.kernel[0] * spec.kernel[1];
    this.kPairs = Math.ceil(depth / 2);
    this.mPad = Math.ceil(groupM / L.MR) * L.MR;
    this.macsPerPosition = depth * outM;
    const ranges = rangesOf(spec.tiles);
    this.bitWords = ranges.reduce((most, r) => Math.max(most, Math.ceil(r.rowCount / 64)), 1);
    const tiles = ranges.flatMap((r) => r.tiles);
    const nw = spec.weightShifts.length;
    this.maxColumns = tiles.reduce((most, t) => Math.max(most, t.channelCount * nw), 1);
    const planeWords = (t: CrossbarTile) => t.channelCount * nw * spec.cellBits * Math.ceil(t.rowCount / 64) * 2;

    // The blob: [weights][init][multiplier][shift][input slices][weight shifts][ranges][tiles][bit-planes…]
    const sizes = {
      weights: g * this.mPad * this.kPairs * 4,
      channels: outM * 4,
      inputSlices: spec.inputSlices.length * 8,
      weightShifts: nw * 4,
      ranges: ranges.length * L.RANGE_WORDS * 4,
      tiles: tiles.length * L.TILE_WORDS * 4,
    };
    let at = 0;
    const take = (bytes: number) => {
      const start = at;
      at += Math.ceil(bytes / 16) * 16;
      return start;
    };
    const offsets = {
      weights: take(sizes.weights),
      init: take(sizes.channels),
      multiplier: take(sizes.channels),
      shift: take(sizes.channels),
      inputSlices: take(sizes.inputSlices),
      weightShifts: take(sizes.weightShifts),
      ranges: take(sizes.ranges),
      tiles: take(sizes.tiles),
    };
    const planes = tiles.map((t) => ({
      positive: take(planeWords(t) * 4),
      negative: t.negativeOffset !== undefined && hasNegative(t, spec) ? take(planeWords(t) * 4) : 0,
    }));
    this.blob = new Uint8Array(at);
    const i32 = new Int32Array(this.blob.buffer);
    const u32 = new Uint32Array(this.blob.buffer);

    packWeights(
      spec,
      groupM,
      depth,
      this.kPairs,
      this.mPad,
      new Int16Array(this.blob.buffer, offsets.weights, sizes.weights / 2),
    );
    i32.set(spec.init, offsets.init / 4);
    i32.set(spec.multiplier, offsets.multiplier / 4);
    i32.set(spec.shift, offsets.shift / 4);
    spec.inputSlices.forEach((s, j) => i32.set([s.shift, s.width], offsets.inputSlices / 4 + 2 * j));
    i32.set(spec.weightShifts, offsets.weightShifts / 4);
    let tileIndex = 0;
    ranges.forEach((r, ri) => {
      const row = offsets.ranges / 4 + ri * L.RANGE_WORDS;
      i32[row + L.R_GROUP] = r.group;
      i32[row + L.R_ROW_START] = r.rowStart;
      i32[row + L.R_ROW_COUNT] = r.rowCount;
      i32[row + L.R_FIRST_TILE] = tileIndex;
      i32[row + L.R_TILE_COUNT] = r.tiles.length;
      i32[row + L.R_ALWAYS_FOLD] = r.tiles.every((t) => t.alwaysFold) ? 1 : 0;
      i32[row + L.R_SCREEN_MAX] = screenLimit(r, spec);
      i32[row + L.R_SLICE_COLUMNS] = r.tiles.reduce((n, t) => n + t.channelCount * nw, 0) * spec.inputSlices.length;
      i32[row + L.R_WORDS] = Math.ceil(r.rowCount / 64);
      tileIndex += r.tiles.length;
    });
    const pack = planePacker(tiles, nw, spec.cellBits);
    tiles.forEach((t, ti) => {
      const row = offsets.tiles / 4 + ti * L.TILE_WORDS;
      i32[row + L.T_CHANNEL_START] = t.channelStart;
      i32[row + L.T_CHANNEL_COUNT] = t.channelCount;
      i32[row + L.T_COLUMNS] = t.channelCount * nw;
      i32[row + L.T_MAX_POSITIVE] = t.maxPositive;
      i32[row + L.T_MAX_NEGATIVE] = t.maxNegative;
      i32[row + L.T_ALWAYS_FOLD] = t.alwaysFold ? 1 : 0;
      const { positive, negative } = planes[ti]!;
      i32[row + L.T_POSITIVE] = positive;
      this.pointerFields.push((row + L.T_POSITIVE) * 4);
      pack(t, t.offset, t.channelCount * nw, u32, positive / 4);
      if (negative !== 0) {
        i32[row + L.T_NEGATIVE] = negative;
        this.pointerFields.push((row + L.T_NEGATIVE) * 4);
        pack(t, t.negativeOffset!, t.channelCount * nw, u32, negative / 4);
      }
    });

    const d = this.template;
    const set = (field: number, value: number) => (d[field] = value);
    [inC, inH, inW, outM, outP, outQ].forEach((v, i) => set(L.D_IN_C + i, v));
    set(L.D_KERNEL_H, spec.kernel[0]);
    set(L.D_KERNEL_W, spec.kernel[1]);
    set(L.D_STRIDE_H, spec.strides[0]);
    set(L.D_STRIDE_W, spec.strides[1]);
    set(L.D_DILATION_H, spec.dilations[0]);
    set(L.D_DILATION_W, spec.dilations[1]);
    set(L.D_PAD_TOP, spec.pads[0]);
    set(L.D_PAD_LEFT, spec.pads[1]);
    set(L.D_GROUPS, g);
    set(L.D_GROUP_C, groupC);
    set(L.D_GROUP_M, groupM);
    set(L.D_DEPTH, depth);
    set(L.D_K_PAIRS, this.kPairs);
    set(L.D_M_PAD, this.mPad);
    set(L.D_SIGNED_INPUT, spec.signedInput ? 1 : 0);
    set(L.D_ZERO_POINT, spec.zeroPoint);
    set(L.D_SIGNED_OUTPUT, spec.signedOutput ? 1 : 0);
    set(L.D_OUTPUT_ZERO_POINT, spec.outputZeroPoint);
    set(L.D_CLAMP_MIN, spec.clampMin);
    set(L.D_CLAMP_MAX, spec.clampMax);
    set(L.D_ADC_MIN, spec.adcMin);
    set(L.D_ADC_MAX, spec.adcMax);
    set(L.D_INPUT_SLICES, spec.inputSlices.length);
    set(L.D_WEIGHT_SLICES, nw);
    set(L.D_CELL_BITS, spec.cellBits);
    set(L.D_RANGES, ranges.length);
    // Blob-relative addresses, made absolute per run.
    set(L.D_WEIGHTS, offsets.weights);
    set(L.D_INIT, offsets.init);
    set(L.D_MULTIPLIER, offsets.multiplier);
    set(L.D_SHIFT, offsets.shift);
    set(L.D_INPUT_SLICE_TABLE, offsets.inputSlices);
    set(L.D_WEIGHT_SHIFT_TABLE, offsets.weightShifts);
    set(L.D_RANGE_TABLE, offsets.ranges);
    set(L.D_TILE_TABLE, offsets.tiles);
  }

  /** Bytes of the layer's resident tables. */
  get residentBytes(): number {
    return this.blob.length;
  }

  /**
   * Runs the layer on `batch` images of input codes ([N, C, H, W]) into `out` ([N, M, P, Q]), on
   * up to getThreads() threads; the statistics are added to `stats`.
   */
  run(
    x: Uint8Array | Int8Array,
    batch: number,
    out: Uint8Array | Int8Array,
    options: CrossbarRunOptions,
    stats: CrossbarRunStats,
  ): void {
    const [inC, inH, inW] = this.spec.inShape;
    const [outM, outP, outQ] = this.spec.outShape;
    const inLength = batch * inC * inH * inW;
    const outLength = batch * outM * outP * outQ;
    if (!Number.isInteger(batch) || batch < 0 || x.length !== inLength || out.length !== outLength) {
      throw new RangeError(
        `CrossbarLayer.run: batch ${batch} needs ${inLength} input and ${outLength} output codes, got ${x.length} and ${out.length}`,
      );
    }
    if (outLength === 0) return;
    const total = batch * outP * outQ;
    const threads = total * this.macsPerPosition >= PARALLEL_MIN_MACS ? Math.min(getThreads(), Math.ceil(total / 8)) : 1;
    const block = this.blockSize(total, threads);

    beginCall();
    const base = residentBytes(this.blob, (at) => this.fill(at));
    const scratchLayout = this.scratchLayout(block);
    const scratch = Array.from({ length: threads }, (_, t) => threadScratch(t, scratchLayout.bytes));
    // Workspace: [descriptor][x + 16 bytes the stride-2 loads may read past it][out]
    const descriptorBytes = L.DESCRIPTOR_WORDS * 4;
    const xAt = descriptorBytes;
    const outAt = xAt + Math.ceil((inLength + 16) / 64) * 64;
    const space = workspace(Math.ceil((outAt + outLength) / 4));

    const d = Int32Array.from(this.template);
    for (const f of [
      L.D_WEIGHTS,
      L.D_INIT,
      L.D_MULTIPLIER,
      L.D_SHIFT,
      L.D_INPUT_SLICE_TABLE,
      L.D_WEIGHT_SHIFT_TABLE,
      L.D_RANGE_TABLE,
      L.D_TILE_TABLE,
    ]) {
      d[f] = d[f]! + base;
    }
    d[L.D_SKIP_EXACT] = options.skipExactSlices ? 1 : 0;
    d[L.D_BLOCK] = block;
    d[L.D_SCRATCH_X] = scratchLayout.x;
    d[L.D_SCRATCH_ACC] = scratchLayout.acc;
    d[L.D_SCRATCH_GATHER] = scratchLayout.gather;
    d[L.D_SCRATCH_BITS] = scratchLayout.bits;
    d[L.D_SCRATCH_LANES] = scratchLayout.lanes;
    d[L.D_SCRATCH_SUMS] = scratchLayout.sums;

    const bytes = byteView();
    bytes.set(new Uint8Array(d.buffer), space);
    bytes.set(new Uint8Array(x.buffer, x.byteOffset, x.length), space + xAt);
    bytes.fill(0, space + xAt + inLength, space + xAt + inLength + 16);
    for (const at of scratch) new Float64Array(bytes.buffer, at, 4).fill(0);
    crossbarBlocks(space, space + xAt, space + outAt, total, scratch);
    const after = byteView();
    new Uint8Array(out.buffer, out.byteOffset, out.length).set(after.subarray(space + outAt, space + outAt + outLength));
    for (const at of scratch) {
      const counters = new Float64Array(after.buffer, at, 4);
      stats.computed += counters[L.S_COMPUTED]!;
      stats.folded += counters[L.S_FOLDED]!;
      stats.saturated += counters[L.S_SATURATED]!;
    }
  }

  /** Writes the blob at `at` with its addresses made absolute. */
  private fill(at: number): void {
    const bytes = byteView();
    bytes.set(this.blob, at);
    const view = new Int32Array(bytes.buffer, at, this.blob.length / 4);
    for (const field of this.pointerFields) view[field / 4] = view[field / 4]! + at;
  }

  /** Positions per block: X panels within X_BLOCK_BYTES, and enough blocks to share among threads. */
  private blockSize(total: number, threads: number): number {
    const roundUp = (v: number) => Math.ceil(v / L.NR) * L.NR;
    let block = Math.floor(X_BLOCK_BYTES / (this.kPairs * 4) / L.NR) * L.NR;
    block = Math.max(L.NR, Math.min(MAX_BLOCK, block, roundUp(total)));
    if (threads > 1) block = Math.max(L.NR, Math.min(block, roundUp(Math.ceil(total / (4 * threads)))));
    return block;
  }

  private scratchLayout(block: number): {
    x: number;
    acc: number;
    gather: number;
    bits: number;
    lanes: number;
    sums: number;
    bytes: number;
  } {
    let at = L.STATS_BYTES;
    const take = (bytes: number) => {
      const start = at;
      at += Math.ceil(bytes / 64) * 64;
      return start;
    };
    const x = take(block * this.kPairs * 4);
    const acc = take(this.mPad * block * 4);
    // The 8×8 transposition's two buffers, and 8 input bits × (words + 1) u64 for each lane of a panel.
    const gather = take(256);
    const bits = take(L.NR * 8 * (this.bitWords + 1) * 8);
    const lanes = take(256);
    const sums = take(this.maxColumns * 4);
    return { x, acc, gather, bits, lanes, sums, bytes: at };
  }
}

function checkSpec(spec: CrossbarLayerSpec): void {
  const fail = (what: string) => {
    throw new RangeError(`CrossbarLayer: ${what}`);
  };
  const [inC] = spec.inShape;
  const [outM] = spec.outShape;
  const g = spec.groups;
  if (!(g >= 1 && inC % g === 0 && outM % g === 0)) fail(`${inC} → ${outM} channels do not divide into ${g} groups`);
  const depth = (inC / g) * spec.kernel[0] * spec.kernel[1];
  if (spec.weights.length !== depth * outM) fail(`weights hold ${spec.weights.length} values, not K·M = ${depth * outM}`);
  for (const [name, a] of [
    ['init', spec.init],
    ['multiplier', spec.multiplier],
    ['shift', spec.shift],
  ] as const) {
    if (a.length !== outM) fail(`${name} holds ${a.length} values, not ${outM}`);
  }
  if (!spec.inputSlices.every((s) => s.shift >= 0 && s.width >= 1 && s.shift + s.width <= 8)) {
    fail('input slices must lie within the 8 bits of a code');
  }
  if (spec.cellBits < 1 || spec.cellBits > 8) fail(`cells of ${spec.cellBits} bits`);
  for (const t of spec.tiles) {
    if (t.rowStart < 0 || t.rowStart + t.rowCount > depth || t.channelStart + t.channelCount > outM / g) {
      fail(`tile rows [${t.rowStart}, +${t.rowCount}) channels [${t.channelStart}, +${t.channelCount}) outside the layer`);
    }
  }
}

/** Tiles grouped by (group, rowStart, rowCount), in that order. */
function rangesOf(tiles: readonly CrossbarTile[]): RangeInfo[] {
  const byKey = new Map<string, RangeInfo>();
  for (const t of tiles) {
    const key = `${t.group}:${t.rowStart}:${t.rowCount}`;
    let r = byKey.get(key);
    if (r === undefined) byKey.set(key, (r = { group: t.group, rowStart: t.rowStart, rowCount: t.rowCount, tiles: [] }));
    r.tiles.push(t);
  }
  return [...byKey.values()].sort((a, b) => a.group - b.group || a.rowStart - b.rowStart || a.rowCount - b.rowCount);
}

/**
 * The largest count of non-zero rows for which every slice of every tile of the range fits the
 * ADC: each slice's Σ values is at most that count × the slice's largest value.
 */
function screenLimit(r: RangeInfo, spec: CrossbarLayerSpec): number {
  let limit = r.rowCount;
  for (const t of r.tiles) {
    for (const s of spec.inputSlices) {
      const top = 2 ** s.width - 1;
      if (t.maxPositive > 0) limit = Math.min(limit, Math.floor(spec.adcMax / (top * t.maxPositive)));
      if (t.maxNegative > 0) limit = Math.min(limit, Math.floor(-spec.adcMin / (top * t.maxNegative)));
    }
  }
  return Math.max(0, limit);
}

function hasNegative(t: CrossbarTile, spec: CrossbarLayerSpec): boolean {
  const columns = t.channelCount * spec.weightShifts.length;
  for (let r = 0; r < t.rowCount; r++) {
    const at = t.negativeOffset! + r * t.stride;
    for (let c = 0; c < columns; c++) if (t.levels[at + c] !== 0) return true;
  }
  return false;
}

/**
 * Weight panels of assembly/crossbar-gemm.ts: per group, per MR channels, per row pair kk, the MR
 * (w[2kk][m], w[2kk + 1][m]) pairs; zeros past K and past the group's channels.
 */
function packWeights(
  spec: CrossbarLayerSpec,
  groupM: number,
  depth: number,
  kPairs: number,
  mPad: number,
  dst: Int16Array,
): void {
  for (let g = 0; g < spec.groups; g++) {
    const src = g * depth * groupM;
    const group = g * mPad * kPairs * 2;
    for (let m = 0; m < groupM; m++) {
      const panel = group + Math.floor(m / L.MR) * kPairs * L.MR * 2 + (m % L.MR) * 2;
      for (let k = 0; k < depth; k++) {
        dst[panel + (k >> 1) * L.MR * 2 + (k & 1)] = spec.weights[src + k * groupM + m]!;
      }
    }
  }
}

/**
 * Packs bit-planes of tiles' cells (one device plane, levels from `offset`) with the wasm
 * transposition (assembly/crossbar-planes.ts): for used column c and cell bit b, ⌈rows / 64⌉ u64
 * words (u32 pairs, little-endian) with bit r of row r, written to dst[at…]. Uses the workspace.
 */
function planePacker(
  tiles: readonly CrossbarTile[],
  weightSlices: number,
  cellBits: number,
): (t: CrossbarTile, offset: number, columns: number, dst: Uint32Array, at: number) => void {
  const roundUp = (v: number) => Math.ceil(v / 64) * 64;
  const levelBytes = roundUp(tiles.reduce((most, t) => Math.max(most, t.rowCount * t.stride), 0) + 16);
  const planeBytes = tiles.reduce(
    (most, t) => Math.max(most, t.channelCount * weightSlices * cellBits * Math.ceil(t.rowCount / 64) * 8),
    0,
  );
  const exports = kernels();
  const space = workspace((levelBytes + 512 + planeBytes) / 4);
  const scratch = space + levelBytes;
  const planes = scratch + 512;
  return (t, offset, columns, dst, at) => {
    const bytes = byteView();
    const length = t.rowCount * t.stride;
    const end = Math.min(t.levels.length, offset + length);
    bytes.set(t.levels.subarray(offset, end), space);
    bytes.fill(0, space + end - offset, space + length + 16);
    exports.packCellPlanes(space, t.stride, t.rowCount, columns, cellBits, planes, scratch);
    const words = columns * cellBits * Math.ceil(t.rowCount / 64) * 2;
    dst.set(new Uint32Array(byteView().buffer, planes, words), at);
  };
}
