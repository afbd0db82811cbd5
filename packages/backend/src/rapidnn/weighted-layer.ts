import { convGeometry, isFloatTensor, type ConvAttrs, type GemmAttrs, type Node, type Tensor, type Value } from '@pimc/ir';
import type { MvmGeometry } from '@pimc/isa';
import { PimcError } from '@pimc/support';

/** The IR ops RAPIDNN computes by table lookups (when their weights are constant). */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set(['Conv', 'Gemm', 'MatMul']);

/**
 * A Conv, Gemm or MatMul with constant weights, read as the matrix product the lookup tables
 * implement: real weights W [M][depth] in im2col order (row k = (c·R + r)·S + s of the group), a
 * real bias per output channel, and the window geometry. Gemm's alpha and beta are folded in.
 */
export interface WeightedLayer {
  readonly node: Node;
  /** The data operand (the only non-constant one). */
  readonly data: Value;
  /**
   * The layer's result: the node's own, or that of a following Add of a constant per-channel bias,
   * which is folded into `bias` (TensorFlow-style MatMul + Add).
   */
  readonly result: Value;
  readonly biasAdd: Node | undefined;
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly outChannels: number;
  readonly depth: number;
  readonly geometry: MvmGeometry;
}

/** Facts about the graph the layer reader needs: who reads each value, and which values are outputs. */
export interface UseInfo {
  readonly uses: ReadonlyMap<Value, readonly Node[]>;
  readonly graphOutputs: ReadonlySet<Value>;
}

function fail(node: Node, message: string, notes: readonly string[] = []): never {
  throw new PimcError('unsupported-model', message, { location: { node: node.name, opType: node.op }, notes });
}

/** The float numbers of a constant operand, or an error naming it. */
function floatConstant(node: Node, value: Value | undefined, what: string): Tensor {
  const t = value?.constant;
  if (t === undefined || !isFloatTensor(t)) {
    fail(node, `its ${what} is not a float constant`, ['RAPIDNN maps layers with constant (clustered) float weights']);
  }
  return t;
}

/** Static dims of a value after the (possibly symbolic) batch axis. */
function staticShape(node: Node, value: Value): number[] {
  const shape = value.type.shape;
  if (shape === undefined) fail(node, `value '${value.name}' has an unknown shape`);
  return shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return 1;
    return fail(node, `value '${value.name}' has symbolic dimension '${d}' on axis ${i}`);
  });
}

/**
 * Reads a Conv, Gemm or MatMul as a weighted layer. Throws `unsupported-model` for a shape the
 * lookup tables cannot express (non-constant weights, transA, a 3-D convolution, …).
 */
export function readWeightedLayer(node: Node, info: UseInfo): WeightedLayer {
  const layer = node.op === 'Conv' ? readConv(node) : node.op === 'Gemm' ? readGemm(node) : readMatMul(node);
  return foldBiasAdd(layer, info);
}

type BareLayer = Omit<WeightedLayer, 'result' | 'biasAdd'>;

function readConv(node: Node): BareLayer {
  const data = node.inputs[0]!;
  const w = floatConstant(node, node.inputs[1], 'weight W');
  const b = node.inputs[2] === undefined ? undefined : floatConstant(node, node.inputs[2], 'bias B');
  const x = staticShape(node, data);
  if (x.length !== 3 && x.length !== 4) fail(node, `only 1-D and 2-D convolutions map to lookup tables; X has rank ${x.length}`);
  const g = convGeometry(x, w.shape, node.attrs as ConvAttrs);
  const m = g.outChannels;
  const depth = w.size / m;
  const geometry: MvmGeometry =
    x.length === 4
      ? {
          inShape: [x[1]!, x[2]!, x[3]!],
          outShape: [m, g.window.output[0]!, g.window.output[1]!],
          kernel: [g.window.kernel[0]!, g.window.kernel[1]!],
          strides: [g.window.strides[0]!, g.window.strides[1]!],
          pads: [g.window.pads[0]!, g.window.pads[1]!, g.window.pads[2]!, g.window.pads[3]!],
          dilations: [g.window.dilations[0]!, g.window.dilations[1]!],
          groups: g.group,
        }
      : {
          // A 1-D convolution is a 2-D one on H = 1.
          inShape: [x[1]!, 1, x[2]!],
          outShape: [m, 1, g.window.output[0]!],
          kernel: [1, g.window.kernel[0]!],
          strides: [1, g.window.strides[0]!],
          pads: [0, g.window.pads[0]!, 0, g.window.pads[1]!],
          dilations: [1, g.window.dilations[0]!],
          groups: g.group,
        };
  return {
    node,
    data,
    weights: Float64Array.from(w.data),
    bias: b === undefined ? new Float64Array(m) : Float64Array.from(b.data),
    outChannels: m,
    depth,
    geometry,
  };
}

/** A fully connected layer's geometry: a 1×1 convolution on a 1×1 input of `depth` channels. */
function denseGeometry(depth: number, m: number): MvmGeometry {
  return {
    inShape: [depth, 1, 1],
    outShape: [m, 1, 1],
    kernel: [1, 1],
    strides: [1, 1],
    pads: [0, 0, 0, 0],
    dilations: [1, 1],
    groups: 1,
  };
}

/** Row-major [rows, cols] → [cols, rows], scaled. */
function transposed(x: ArrayLike<number>, rows: number, cols: number, scale: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = scale * x[r * cols + c]!;
  return out;
}

function readGemm(node: Node): BareLayer {
  const a = node.attrs as GemmAttrs;
  const data = node.inputs[0]!;
  if (a.transA !== 0) fail(node, 'transA is set: the data operand must be [N, K]');
  if (data.constant !== undefined) fail(node, 'its data operand A is a constant');
  const b = floatConstant(node, node.inputs[1], 'weight B');
  if (b.rank !== 2) fail(node, `B must be a matrix, got shape [${b.shape.join(', ')}]`);
  const [m, depth] = a.transB !== 0 ? [b.shape[0]!, b.shape[1]!] : [b.shape[1]!, b.shape[0]!];
  // W [M, K] is B itself with transB (the usual layout), else its transpose; alpha folded in.
  const weights = a.transB !== 0 ? Float64Array.from(b.data, (v) => a.alpha * v) : transposed(b.data, depth, m, a.alpha);
  const bias = new Float64Array(m);
  if (node.inputs[2] !== undefined) {
    const c = floatConstant(node, node.inputs[2], 'bias C');
    const perColumn = c.size === m && (c.rank === 1 || (c.rank === 2 && c.shape[0] === 1));
    if (c.size !== 1 && !perColumn) {
      fail(node, `its bias C of shape [${c.shape.join(', ')}] is not one value per output column`);
    }
    for (let i = 0; i < m; i++) bias[i] = a.beta * c.data[c.size === 1 ? 0 : i]!;
  }
  return { node, data, weights, bias, outChannels: m, depth, geometry: denseGeometry(depth, m) };
}

function readMatMul(node: Node): BareLayer {
  const data = node.inputs[0]!;
  if (data.constant !== undefined) {
    fail(node, 'its first operand is a constant; only X · W with a constant W maps to lookup tables');
  }
  const b = floatConstant(node, node.inputs[1], 'weight operand B');
  if (b.rank !== 2) fail(node, `B must be a matrix, got shape [${b.shape.join(', ')}]`);
  if (data.type.shape?.length !== 2) fail(node, `its data operand '${data.name}' must be a matrix [N, K]`);
  const [depth, m] = [b.shape[0]!, b.shape[1]!];
  return {
    node,
    data,
    weights: transposed(b.data, depth, m, 1),
    bias: new Float64Array(m),
    outChannels: m,
    depth,
    geometry: denseGeometry(depth, m),
  };
}

/**
 * Folds `layer + c` into the bias when the layer's result feeds only an Add whose other operand is a
 * constant with one value per output channel (or one value), broadcast along the channel axis 1.
 */
function foldBiasAdd(layer: BareLayer, info: UseInfo): WeightedLayer {
  const y = layer.node.outputs[0]!;
  const unfolded = { ...layer, result: y, biasAdd: undefined };
  const readers = info.uses.get(y) ?? [];
  const add = readers[0];
  if (readers.length !== 1 || info.graphOutputs.has(y) || add?.op !== 'Add') return unfolded;
  const other = add.inputs[0] === y ? add.inputs[1] : add.inputs[0];
  const c = other?.constant;
  if (c === undefined || !isFloatTensor(c)) return unfolded;
  const perChannel = channelValues(c, y.type.shape?.length ?? 0, layer.outChannels);
  if (perChannel === undefined) return unfolded;
  const bias = Float64Array.from(layer.bias, (b, m) => b + perChannel[m]!);
  return { ...layer, bias, result: add.outputs[0]!, biasAdd: add };
}

/** The value per output channel of a constant broadcast onto [N, M, ...] (rank `rank`), if it is one. */
function channelValues(c: Tensor, rank: number, m: number): Float64Array | undefined {
  if (c.size === 1) return new Float64Array(m).fill(Number(c.data[0]));
  if (c.rank > rank || c.size !== m) return undefined;
  // Right-aligned onto the result's axes, only axis 1 may be longer than 1.
  const offset = rank - c.rank;
  const ok = c.shape.every((d, i) => d === 1 || i + offset === 1);
  return ok ? Float64Array.from(c.data as ArrayLike<number>) : undefined;
}
