import type { Chip } from '@pimc/arch';

/**
 * A compiled program for one chip: the contract between the compiler (which builds it) and the
 * simulator (which runs it and knows nothing else of the compiler). Everything the simulator needs
 * to reproduce the integer results bit for bit is here, in plain data; `.pimb` is its binary form.
 *
 * Conventions (docs/design/quantized-dialect.md): activations are u8/i8 tensors with a per-tensor
 * scale and zero point; crossbar layers compute `acc = Σ (x − x_zp)·w + bias` in integers and
 * requantize with a 24-bit multiplier and a shift per output channel. RAPIDNN programs
 * (algorithms.md §2.3) instead carry index tensors (u8 cluster indices with a `codebook`), encode
 * real values with `cam-encode`, compute layers by table lookups with `lut-mvm` and return to real
 * values with the digital `decode`.
 */
export const PIMB_FORMAT_VERSION = 1;

export type ElementType = 'u8' | 'i8' | 'i32' | 'f32';

export interface TensorDesc {
  readonly id: number;
  /** The IR value name, for messages and golden outputs. */
  readonly name: string;
  readonly type: ElementType;
  /** Static shape (NCHW for activations). */
  readonly shape: readonly number[];
  /** Quantization of u8/i8 tensors: real = scale · (q − zeroPoint). */
  readonly scale?: number;
  readonly zeroPoint?: number;
  /**
   * RAPIDNN index tensor (algorithms.md §2.3): the elements (type 'u8') are cluster indices into
   * `codebook`, the clusters' real values, strictly ascending (1..256 finite entries). Absent for
   * ordinary tensors.
   */
  readonly codebook?: Float32Array;
}

/** One physical crossbar's programmed contents and where it sits on the chip. */
export interface CrossbarImage {
  readonly id: number;
  readonly tile: number;
  readonly macro: number;
  /** Index of the crossbar inside its macro. */
  readonly index: number;
  readonly rows: number;
  readonly columns: number;
  /**
   * Cell levels, row-major `rows × columns`, each in [0, 2^bitsPerCell). For differential (2T2R)
   * cells the array holds two planes, positive then negative (`2 · rows · columns`); a cell's
   * signed value is positive − negative.
   */
  readonly levels: Uint8Array;
}

/** How the weight of one (row, output channel) is stored across cells (algorithms.md §1.4). */
export interface WeightEncoding {
  /**
   * `offset`: w + offset stored unsigned (offset binary, 128 for int8), the `offset · Σx` term
   * removed digitally. `differential`: |w| on the positive or negative plane (sign-magnitude).
   */
  readonly scheme: 'offset' | 'differential';
  readonly offset: number;
  /** Slice widths in bits, most significant first; they sum to the weight bits (8). */
  readonly slices: readonly number[];
}

/** How inputs are fed to the rows over time. */
export interface InputEncoding {
  /**
   * The input's zero point. Inputs are fed as their stored codes (non-negative for u8), and the
   * `zeroPoint · Σ_k w` term is subtracted digitally, as is the weight offset's `offset · Σ_k x`.
   */
  readonly zeroPoint: number;
  /** Input slice widths in bits, most significant first (1-bit slices for a 1-bit DAC). */
  readonly slices: readonly number[];
  /** Bits of an input code; signed (i8) inputs are fed in two passes, positive then negative (§1.2). */
  readonly bits: number;
  readonly signed: boolean;
  /**
   * Speculative input slicing (RAELLA, algorithms.md §3.4). Absent: every slice of `slices` is
   * converted for every column. Present: each speculative slice (widths MSB first, adding up to
   * `bits`) is driven whole and every column converted; a column whose code is the ADC's minimum
   * or maximum fails and is recomputed with one 1-bit cycle per bit of that slice (each converted,
   * clipped); the others keep the speculative code. `slices` is then all 1-bit (the recovery cycles).
   */
  readonly speculation?: { readonly slices: readonly number[] };
}

export interface AdcSpec {
  readonly bits: number;
  readonly signed: boolean;
  /** Column sums are divided by this before clipping (1: the ADC sees the raw sum). */
  readonly lsb: number;
}

/** im2col geometry of a crossbar layer (a fully connected layer is a 1×1 conv on 1×1 input). */
export interface MvmGeometry {
  /** Input activation [C, H, W] (batch handled by the simulator loop). */
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** top, left, bottom, right */
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly groups: number;
}

/**
 * A block of one layer's weight matrix on one crossbar: rows [rowStart, rowStart + rowCount) of the
 * group's im2col dimension K = C/g·R·S, output channels [channelStart, channelStart + channelCount)
 * of the group, laid out from crossbar row 0 and column 0 with `slices.length` columns per channel
 * (channel-major, slice-minor).
 */
export interface MvmTile {
  readonly group: number;
  readonly rowStart: number;
  readonly rowCount: number;
  readonly channelStart: number;
  readonly channelCount: number;
  readonly crossbar: number;
  /**
   * Center+Offset (RAELLA, algorithms.md §3.2), differential weights only: the integer center of
   * each of the tile's channels. The crossbar stores the signed offsets w − center (sign-magnitude,
   * on the positive or negative device) and the digital unit adds center · Σ_rows x (the running
   * input sum over the tile's rows, padding taps included). Absent: every center is 0.
   */
  readonly centers?: Int16Array;
}

export interface CrossbarMvm {
  readonly op: 'crossbar-mvm';
  readonly name: string;
  readonly input: number;
  readonly output: number;
  readonly geometry: MvmGeometry;
  readonly weights: WeightEncoding;
  readonly inputs: InputEncoding;
  readonly adc: AdcSpec;
  readonly tiles: readonly MvmTile[];
  /** Per output channel (M of them): int32 bias, 24-bit multiplier, shift. */
  readonly bias: Int32Array;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly outputZeroPoint: number;
  /** Clamp bounds after requantization (output dtype range, narrowed by a fused activation). */
  readonly clampMin: number;
  readonly clampMax: number;
}

/** Work on the tiles' digital units; `kind` names the operation, `attrs` its parameters. */
export interface DigitalOp {
  readonly op: 'digital';
  readonly name: string;
  readonly kind:
    | 'quantize'
    | 'dequantize'
    | 'requantize'
    | 'add'
    | 'maxpool'
    | 'avgpool'
    | 'concat'
    | 'reshape'
    | 'transpose'
    | 'softmax'
    | 'clamp'
    | 'affine'
    | 'lrn'
    | 'decode';
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly attrs: Readonly<Record<string, number | string | readonly number[]>>;
}

/** A nearest-distance CAM (algorithms.md §2.3): stored keys and the index each entry returns. */
export interface CamTable {
  /** Entry keys in fixed point, non-decreasing, each within the signed `keyBits` range. */
  readonly keys: Int32Array;
  /** The cluster index each entry returns (same length as keys). */
  readonly values: Uint8Array;
  /** Key width in bits (1..32, at most the chip's tiles.cam.keyBits; 16 by default). */
  readonly keyBits: number;
  /**
   * Bits the search compares (1..keyBits): the top `camBits` of each key, k >> (keyBits − camBits)
   * (arithmetic shift) for the query and every entry alike; the entry at the smallest absolute
   * difference wins, ties go to the lower entry.
   */
  readonly camBits: number;
}

/** Encodes real values to cluster indices by a CAM search (the network input, or after a digital op). */
export interface CamEncode {
  readonly op: 'cam-encode';
  readonly name: string;
  /** f32 tensor id. */
  readonly input: number;
  /** Index tensor id (its codebook is the clusters the CAM returns). */
  readonly output: number;
  /**
   * Query key of a value x: clamp(roundHalfEven(x / keyScale)) to the signed keyBits range, in f64.
   * NaN → the lowest key.
   */
  readonly keyScale: number;
  readonly cam: CamTable;
}

/** Fused activation + encoding of a lut-mvm's accumulators (algorithms.md §2.3 step 4). */
export interface LutActivation {
  /**
   * The query key is q = clamp(acc >> keyShift) to the signed keyBits range, the shift rounding half
   * up ((acc + 2^(keyShift−1)) >> keyShift) when keyShift > 0; 0..52.
   */
  readonly keyShift: number;
  readonly cam: CamTable;
}

/** An RNA block (a lookup table + a CAM on one tile). */
export interface LutBlockRef {
  readonly tile: number;
  /** Index of the block on its tile (< tiles.lut.count, and < tiles.cam.count with an activation). */
  readonly block: number;
}

/**
 * A layer computed by table lookups (algorithms.md §2.3): for output channel m and position p,
 * acc = bias[m] + Σ_k lut[table(m)][iW[m][k]][iU(x_k)] over the im2col taps k of p that are not
 * padding (a padding tap adds nothing: zero padding is exact), exact integer arithmetic (in-memory
 * adders). The pre-activation is acc · lutScale.
 */
export interface LutMvm {
  readonly op: 'lut-mvm';
  readonly name: string;
  /** Index tensor id; its codebook has kU entries. */
  readonly input: number;
  /**
   * Index tensor id when `activation` is present, else an f32 tensor holding acc · lutScale (f64
   * product rounded to f32 once).
   */
  readonly output: number;
  /** As for crossbar-mvm (im2col row k = (c·R + r)·S + s of the group). */
  readonly geometry: MvmGeometry;
  /** Weight cluster index of each (output channel m, im2col row k of its group), row-major [M][depth]. */
  readonly weightIndices: Uint8Array;
  /** Weight clusters (1..256). */
  readonly kW: number;
  /** Input clusters (1..256): the input codebook's length. */
  readonly kU: number;
  /**
   * Product tables [tables][kW][kU], tables = 1 (per-layer weight clusters) or M (per output
   * channel); signed lutBits-bit integers.
   */
  readonly lut: Int32Array;
  /** 1..32, at most the chip's tiles.lut.entryBits. */
  readonly lutBits: number;
  /** Real value of one LUT unit (finite, > 0). */
  readonly lutScale: number;
  /** Per output channel, in LUT units. */
  readonly bias: Int32Array;
  /** Fused activation + encoding into the output tensor's codebook; absent: f32 output. */
  readonly activation?: LutActivation;
  /** The RNA blocks holding a copy of this layer's table; neurons run on them in parallel. */
  readonly blocks: readonly LutBlockRef[];
}

export type Instruction = CrossbarMvm | DigitalOp | CamEncode | LutMvm;

export interface Program {
  readonly formatVersion: number;
  /** The chip the program was compiled for (resolved description). */
  readonly chip: Chip;
  readonly tensors: readonly TensorDesc[];
  readonly crossbars: readonly CrossbarImage[];
  /** In execution order. */
  readonly instructions: readonly Instruction[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** Provenance: source model, pipeline text, pimc version. */
  readonly metadata: Readonly<Record<string, string>>;
}
