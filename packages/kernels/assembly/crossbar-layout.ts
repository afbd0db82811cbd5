// Memory layout of a crossbar layer as the host describes it to crossbar.ts. The host
// (src/crossbar-layout.ts) writes the same numbers; a test reads this file and compares them.
//
// The descriptor is an array of i32 words; pointer fields are byte addresses in linear memory.

// Geometry (one image): input [IN_C, IN_H, IN_W], output [OUT_M, OUT_P, OUT_Q].
export const D_IN_C: i32 = 0;
export const D_IN_H: i32 = 1;
export const D_IN_W: i32 = 2;
export const D_OUT_M: i32 = 3;
export const D_OUT_P: i32 = 4;
export const D_OUT_Q: i32 = 5;
export const D_KERNEL_H: i32 = 6;
export const D_KERNEL_W: i32 = 7;
export const D_STRIDE_H: i32 = 8;
export const D_STRIDE_W: i32 = 9;
export const D_DILATION_H: i32 = 10;
export const D_DILATION_W: i32 = 11;
export const D_PAD_TOP: i32 = 12;
export const D_PAD_LEFT: i32 = 13;
export const D_GROUPS: i32 = 14;
/** Input and output channels per group, and the im2col depth K = C/g·R·S. */
export const D_GROUP_C: i32 = 15;
export const D_GROUP_M: i32 = 16;
export const D_DEPTH: i32 = 17;
/** ⌈K / 2⌉: the products take rows two at a time. */
export const D_K_PAIRS: i32 = 18;
/** Output channels per group rounded up to MR. */
export const D_M_PAD: i32 = 19;
/** 1 for int8 input codes, 0 for uint8. */
export const D_SIGNED_INPUT: i32 = 20;
/** The input zero point: what padding taps feed. */
export const D_ZERO_POINT: i32 = 21;
export const D_SIGNED_OUTPUT: i32 = 22;
export const D_OUTPUT_ZERO_POINT: i32 = 23;
export const D_CLAMP_MIN: i32 = 24;
export const D_CLAMP_MAX: i32 = 25;
/** Weight panels: per group, per MR output channels, per row pair, MR (w[2kk], w[2kk+1]) i16 pairs. */
export const D_WEIGHTS: i32 = 26;
/** i32 per output channel: the accumulator's starting value (bias − zp·Σw, wrapped). */
export const D_INIT: i32 = 27;
/** i32 per output channel: requantization multiplier and shift. */
export const D_MULTIPLIER: i32 = 28;
export const D_SHIFT: i32 = 29;
export const D_ADC_MIN: i32 = 30;
export const D_ADC_MAX: i32 = 31;
/** Input slices: count, and a table of (shift, width) i32 pairs. */
export const D_INPUT_SLICES: i32 = 32;
export const D_INPUT_SLICE_TABLE: i32 = 33;
/** Weight slices: count, and a table of their shifts (i32). */
export const D_WEIGHT_SLICES: i32 = 34;
export const D_WEIGHT_SHIFT_TABLE: i32 = 35;
/** Bits per cell: bit-planes per column. */
export const D_CELL_BITS: i32 = 36;
/** Row ranges (RANGE_WORDS i32 each), sorted by group. */
export const D_RANGES: i32 = 37;
export const D_RANGE_TABLE: i32 = 38;
/** Tiles (TILE_WORDS i32 each), the tiles of a range consecutive. */
export const D_TILE_TABLE: i32 = 39;
/** 1: fold slices whose column sums provably pass the ADC unchanged; 0: convert every slice. */
export const D_SKIP_EXACT: i32 = 40;
/** Positions per block (a multiple of NR): the unit of work of one call. */
export const D_BLOCK: i32 = 41;
/** Byte offsets inside a thread's scratch: im2col block, accumulators, transposition buffers, input bits, lane table. */
export const D_SCRATCH_X: i32 = 42;
export const D_SCRATCH_ACC: i32 = 43;
export const D_SCRATCH_GATHER: i32 = 44;
export const D_SCRATCH_BITS: i32 = 45;
export const D_SCRATCH_LANES: i32 = 46;
/** Byte offset inside a thread's scratch of one tile's column sums (i32 per used column). */
export const D_SCRATCH_SUMS: i32 = 47;
/**
 * Speculative input slices (RAELLA): count (0: no speculation; the input slices are then all
 * converted) and a table of (shift, width) i32 pairs, MSB first.
 */
export const D_SPEC_SLICES: i32 = 48;
export const D_SPEC_SLICE_TABLE: i32 = 49;
/**
 * Byte offset inside a thread's scratch of the speculation work area: per lane and input bit the
 * set bits of the range's rows (NR × 8 i32, SPEC_ONES_BYTES), then the speculative column sums of
 * one column panel (slices × MR × NR i32), then the slice panels (slices × range row pairs × NR
 * i16 pairs).
 */
export const D_SCRATCH_SPEC: i32 = 50;
export const DESCRIPTOR_WORDS: i32 = 51;

// A row range: rows [ROW_START, ROW_START + ROW_COUNT) of a group's K, shared by its tiles.
export const R_GROUP: i32 = 0;
export const R_ROW_START: i32 = 1;
export const R_ROW_COUNT: i32 = 2;
export const R_FIRST_TILE: i32 = 3;
export const R_TILE_COUNT: i32 = 4;
/** 1 when every tile of the range folds every slice whatever the data (short tiles). */
export const R_ALWAYS_FOLD: i32 = 5;
/**
 * The largest count of non-zero rows for which every slice of every tile of the range folds
 * (Σ slice values ≤ nonzero rows × the slice's largest value); −1 when none does.
 */
export const R_SCREEN_MAX: i32 = 6;
/** Σ over the range's tiles of used columns × input slices: the column sums of one pass. */
export const R_SLICE_COLUMNS: i32 = 7;
/** u64 words per bit-plane column: ⌈ROW_COUNT / 64⌉. */
export const R_WORDS: i32 = 8;
export const RANGE_WORDS: i32 = 9;

// A tile: output channels [CHANNEL_START, + CHANNEL_COUNT) of the group, COLUMNS used columns.
export const T_CHANNEL_START: i32 = 0;
export const T_CHANNEL_COUNT: i32 = 1;
export const T_COLUMNS: i32 = 2;
/** Largest positive and negative cell value. */
export const T_MAX_POSITIVE: i32 = 3;
export const T_MAX_NEGATIVE: i32 = 4;
export const T_ALWAYS_FOLD: i32 = 5;
/**
 * Bit-planes: u64 words, [column][cell bit][word]; NEGATIVE 0 when the tile has no negative plane.
 * Under speculation, POSITIVE holds the signed cells (positive − negative level) in two's
 * complement, cell bits + 1 planes per column, and NEGATIVE is 0.
 */
export const T_POSITIVE: i32 = 6;
export const T_NEGATIVE: i32 = 7;
/**
 * Speculation: the signed cell values (positive − negative level) as int16, in panels of MR columns
 * ([column panel][row pair][MR][2]: cell(2kr + e, panel·MR + c) at ((panel·pairs + kr)·MR + c)·2 + e,
 * zeros past the tile), for the int16 products of the speculative slices; 0 without speculation.
 */
export const T_CELLS: i32 = 8;
/**
 * Speculation: per used column one byte, the bits w that hold its signed cells in two's complement
 * (0: all zero): its first w bit-planes, the top one weighing −2^(w−1).
 */
export const T_PLANES: i32 = 9;
export const TILE_WORDS: i32 = 10;

// Per-thread statistics at the start of its scratch: f64 counters.
export const S_COMPUTED: i32 = 0;
export const S_FOLDED: i32 = 1;
export const S_SATURATED: i32 = 2;
/** Speculative conversions that failed, the recovery conversions, and those of them that clipped. */
export const S_FAILED: i32 = 3;
export const S_RECOVERY: i32 = 4;
export const S_RECOVERY_SATURATED: i32 = 5;
export const STATS_BYTES: i32 = 64;
/** Bytes of the per-lane input bit counts at the start of the speculation work area (NR × 8 i32). */
export const SPEC_ONES_BYTES: i32 = 256;

/** Microkernel tile: MR output channels × NR positions. */
export const MR: i32 = 4;
export const NR: i32 = 8;
