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
  /**
   * Every slice's column sums fit the ADC whatever the inputs (folded without a look when folding);
   * under speculation, every speculative slice's sums stay strictly inside the ADC's range.
   */
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
  /**
   * Speculative input slices (RAELLA, algorithms.md §3.4), MSB first, covering the 8 input bits:
   * each converts every column once, and a column whose code is the ADC's minimum or maximum is
   * recomputed bit by bit (each 1-bit conversion clipped). `inputSlices` is then not used.
   */
  readonly speculation?: readonly CrossbarSlice[] | undefined;
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
  /** Conversions clipped to the ADC's range (under speculation: recovery conversions only). */
  saturated: number;
  /** Speculative conversions whose code was the ADC's minimum or maximum (0 without speculation). */
  failed: number;
  /** Recovery conversions: the failed columns' bits, each converted on its own. */
  recoveryConversions: number;
  /** Recovery conversions that clipped. */
  recoverySaturated: number;
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
  private readonly specSlices: number;
  /** Row pairs of the tallest row range. */
  private readonly maxPairs: number;

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
    const speculation = spec.speculation ?? [];
    // Under speculation the popcounts serve the recovery only, on two's-complement planes of the
    // signed cells (one more plane than the cells' bits); otherwise one set per device.
    const planeBits = speculation.length > 0 ? spec.cellBits + 1 : spec.cellBits;
    const planeWords = (t: CrossbarTile) => t.channelCount * nw * planeBits * Math.ceil(t.rowCount / 64) * 2;
    this.specSlices = speculation.length;
    this.maxPairs = ranges.reduce((most, r) => Math.max(most, Math.ceil(r.rowCount / 2)), 1);
    // Speculation: each tile's signed cells as int16 panels of MR columns × row pairs.
    const cellBytes = (t: CrossbarTile) => Math.ceil((t.channelCount * nw) / L.MR) * L.MR * Math.ceil(t.rowCount / 2) * 4;

    // The blob: [weights][init][multiplier][shift][input slices][speculative slices][weight shifts][ranges][tiles]
    // [bit-planes, cell panels…]
    const sizes = {
      weights: g * this.mPad * this.kPairs * 4,
      channels: outM * 4,
      inputSlices: spec.inputSlices.length * 8,
      specSlices: speculation.length * 8,
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
      specSlices: take(sizes.specSlices),
      weightShifts: take(sizes.weightShifts),
      ranges: take(sizes.ranges),
      tiles: take(sizes.tiles),
    };
    const planes = tiles.map((t) => ({
      positive: take(planeWords(t) * 4),
      negative: speculation.length === 0 && t.negativeOffset !== undefined && hasNegative(t, spec) ? take(planeWords(t) * 4) : 0,
      cells: speculation.length > 0 ? take(cellBytes(t)) : 0,
      planes: speculation.length > 0 ? take(t.channelCount * nw) : 0,
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
    speculation.forEach((s, j) => i32.set([s.shift, s.width], offsets.specSlices / 4 + 2 * j));
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
      i32[row + L.R_SCREEN_MAX] = speculation.length > 0 ? speculationScreenLimit(r, spec, speculation) : screenLimit(r, spec);
      const slicesPerPass = speculation.length > 0 ? speculation.length : spec.inputSlices.length;
      i32[row + L.R_SLICE_COLUMNS] = r.tiles.reduce((n, t) => n + t.channelCount * nw, 0) * slicesPerPass;
      i32[row + L.R_WORDS] = Math.ceil(r.rowCount / 64);
      tileIndex += r.tiles.length;
    });
    const { pack, packWritten } = planePacker(tiles, nw, planeBits);
    tiles.forEach((t, ti) => {
      const row = offsets.tiles / 4 + ti * L.TILE_WORDS;
      i32[row + L.T_CHANNEL_START] = t.channelStart;
      i32[row + L.T_CHANNEL_COUNT] = t.channelCount;
      i32[row + L.T_COLUMNS] = t.channelCount * nw;
      i32[row + L.T_MAX_POSITIVE] = t.maxPositive;
      i32[row + L.T_MAX_NEGATIVE] = t.maxNegative;
      i32[row + L.T_ALWAYS_FOLD] = t.alwaysFold ? 1 : 0;
      const { positive, negative, cells, planes: planeCounts } = planes[ti]!;
      i32[row + L.T_POSITIVE] = positive;
      this.pointerFields.push((row + L.T_POSITIVE) * 4);
      if (cells !== 0) {
        i32[row + L.T_CELLS] = cells;
        i32[row + L.T_PLANES] = planeCounts;
        this.pointerFields.push((row + L.T_CELLS) * 4, (row + L.T_PLANES) * 4);
        const columns = t.channelCount * nw;
        const panels = new Int16Array(this.blob.buffer, cells, cellBytes(t) / 2);
        // The two's-complement cells go straight to the packer's workspace in linear memory.
        packWritten(t.rowCount, columns, u32, positive / 4, (bits) => {
          new Uint8Array(this.blob.buffer, planeCounts, columns).set(signedCells(t, columns, planeBits, panels, bits));
        });
      } else {
        pack(t, t.offset, t.channelCount * nw, u32, positive / 4);
      }
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
    set(L.D_SPEC_SLICES, speculation.length);
    set(L.D_SPEC_SLICE_TABLE, offsets.specSlices);
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
      L.D_SPEC_SLICE_TABLE,
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
    d[L.D_SCRATCH_SPEC] = scratchLayout.spec;

    const bytes = byteView();
    bytes.set(new Uint8Array(d.buffer), space);
    bytes.set(new Uint8Array(x.buffer, x.byteOffset, x.length), space + xAt);
    bytes.fill(0, space + xAt + inLength, space + xAt + inLength + 16);
    for (const at of scratch) new Float64Array(bytes.buffer, at, L.STATS_BYTES / 8).fill(0);
    crossbarBlocks(space, space + xAt, space + outAt, total, scratch);
    const after = byteView();
    new Uint8Array(out.buffer, out.byteOffset, out.length).set(after.subarray(space + outAt, space + outAt + outLength));
    for (const at of scratch) {
      const counters = new Float64Array(after.buffer, at, L.STATS_BYTES / 8);
      stats.computed += counters[L.S_COMPUTED]!;
      stats.folded += counters[L.S_FOLDED]!;
      stats.saturated += counters[L.S_SATURATED]!;
      stats.failed += counters[L.S_FAILED]!;
      stats.recoveryConversions += counters[L.S_RECOVERY]!;
      stats.recoverySaturated += counters[L.S_RECOVERY_SATURATED]!;
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
    spec: number;
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
    // Speculation: lane bit counts, one column panel's sums per slice, the slice panels.
    const s = this.specSlices;
    const spec = s === 0 ? 0 : take(L.SPEC_ONES_BYTES + s * L.MR * L.NR * 4 + s * this.maxPairs * L.NR * 4);
    return { x, acc, gather, bits, lanes, sums, spec, bytes: at };
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
  const speculation = spec.speculation ?? [];
  if (speculation.length > 0) {
    let covered = 0;
    for (const s of speculation) {
      if (!(s.shift >= 0 && s.width >= 1 && s.shift + s.width <= 8)) {
        fail('speculative slices must lie within the 8 bits of a code');
      }
      covered |= ((1 << s.width) - 1) << s.shift;
    }
    if (covered !== 0xff || speculation.reduce((n, s) => n + s.width, 0) !== 8) {
      fail('speculative slices must cover the 8 bits of a code once');
    }
    if (spec.cellBits > 7) fail(`speculation with cells of ${spec.cellBits} bits (at most 7)`);
  }
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

/**
 * screenLimit under speculation: the largest count of non-zero rows for which no speculative slice
 * of any tile of the range can fail (its sums bounded strictly inside the ADC's range); −1 when
 * even all-zero inputs fail (an ADC whose range does not have 0 strictly inside).
 */
function speculationScreenLimit(r: RangeInfo, spec: CrossbarLayerSpec, speculation: readonly CrossbarSlice[]): number {
  if (!(spec.adcMin < 0 && spec.adcMax > 0)) return -1;
  let limit = r.rowCount;
  for (const t of r.tiles) {
    for (const s of speculation) {
      const top = 2 ** s.width - 1;
      if (t.maxPositive > 0) limit = Math.min(limit, Math.floor((spec.adcMax - 1) / (top * t.maxPositive)));
      if (t.maxNegative > 0) limit = Math.min(limit, Math.floor((-spec.adcMin - 1) / (top * t.maxNegative)));
    }
  }
  return limit;
}

/**
 * A tile's signed cells (positive − negative level), written as int16 panels to `panels` (layout
 * T_CELLS of crossbar-layout.ts: per MR columns, per row pair, MR (row 2kk, row 2kk + 1) pairs)
 * and row-major rows × columns in `planeBits`-bit two's complement to `bits` (for bit-planes).
 * Returns per column the fewest bits that hold its values in two's complement (0 for an all-zero
 * column). One pass over the levels: a layer holds up to tens of millions of cells.
 */
function signedCells(t: CrossbarTile, columns: number, planeBits: number, panels: Int16Array, bits: Uint8Array): Uint8Array {
  const low = new Int32Array(columns);
  const high = new Int32Array(columns);
  const mask = (1 << planeBits) - 1;
  const levels = t.levels;
  const mr = L.MR;
  const panelElements = Math.ceil(t.rowCount / 2) * mr * 2;
  for (let r = 0; r < t.rowCount; r++) {
    const pos = t.offset + r * t.stride;
    const neg = t.negativeOffset === undefined ? -1 : t.negativeOffset + r * t.stride;
    const rowBase = (r >> 1) * mr * 2 + (r & 1);
    let at = r * columns;
    for (let c0 = 0, panel = rowBase; c0 < columns; c0 += mr, panel += panelElements) {
      const end = Math.min(mr, columns - c0);
      for (let c = 0; c < end; c++, at++) {
        const column = c0 + c;
        const v = neg < 0 ? levels[pos + column]! : levels[pos + column]! - levels[neg + column]!;
        panels[panel + c * 2] = v;
        bits[at] = v & mask;
        if (v < low[column]!) low[column] = v;
        if (v > high[column]!) high[column] = v;
      }
    }
  }
  // w bits hold [−2^(w−1), 2^(w−1) − 1]: w = 1 + the bit length of max(high, −low − 1).
  return Uint8Array.from({ length: columns }, (_, c) =>
    low[c] === 0 && high[c] === 0 ? 0 : 33 - Math.clz32(Math.max(high[c]!, -low[c]! - 1)),
  );
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
 * Packs bit-planes of tiles' cells with the wasm transposition (assembly/crossbar-planes.ts): for
 * used column c and cell bit b, ⌈rows / 64⌉ u64 words (u32 pairs, little-endian) with bit r of
 * row r, written to dst[at…]. `pack` takes one device plane's levels from `offset`; `packWritten`
 * lets `write` put rows × columns levels (row-major) straight into the workspace first.
 */
function planePacker(
  tiles: readonly CrossbarTile[],
  weightSlices: number,
  cellBits: number,
): {
  pack: (t: CrossbarTile, offset: number, columns: number, dst: Uint32Array, at: number) => void;
  packWritten: (rows: number, columns: number, dst: Uint32Array, at: number, write: (levels: Uint8Array) => void) => void;
} {
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
  const packSpace = (rows: number, stride: number, columns: number, dst: Uint32Array, at: number) => {
    exports.packCellPlanes(space, stride, rows, columns, cellBits, planes, scratch);
    const words = columns * cellBits * Math.ceil(rows / 64) * 2;
    dst.set(new Uint32Array(byteView().buffer, planes, words), at);
  };
  return {
    pack: (t, offset, columns, dst, at) => {
      const bytes = byteView();
      const length = t.rowCount * t.stride;
      const end = Math.min(t.levels.length, offset + length);
      bytes.set(t.levels.subarray(offset, end), space);
      bytes.fill(0, space + end - offset, space + length + 16);
      packSpace(t.rowCount, t.stride, columns, dst, at);
    },
    packWritten: (rows, columns, dst, at, write) => {
      const length = rows * columns;
      write(new Uint8Array(byteView().buffer, space, length));
      byteView().fill(0, space + length, space + length + 16);
      packSpace(rows, columns, columns, dst, at);
    },
  };
}
