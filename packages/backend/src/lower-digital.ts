import {
  integerRange,
  normalizeAxis,
  pimAvgPoolWindow,
  transposePerm,
  windowGeometry,
  type ConcatAttrs,
  type DType,
  type LRNAttrs,
  type MaxPoolAttrs,
  type Node,
  type PimQAddAttrs,
  type PimQAvgPoolAttrs,
  type PimRequantizeAttrs,
  type SoftmaxAttrs,
  type TransposeAttrs,
  type Value,
} from '@pimc/ir';
import type { DigitalOp, TensorDesc } from '@pimc/isa';
import { PimcError } from '@pimc/support';
import { affineAttrs, isChannelwiseConv } from './lower-affine.js';

type Attrs = DigitalOp['attrs'];
type Kind = DigitalOp['kind'];

/** A digital op before tensor ids are known: its kind, attributes, and which node operands it reads. */
export interface DigitalLowering {
  readonly kind: Kind;
  readonly attrs: Attrs;
  /** Indices of the node's operands that are tensors of the program (the rest are compile-time constants). */
  readonly operands: readonly number[];
}

function fail(node: Node, message: string, notes: readonly string[] = []): never {
  throw new PimcError('unsupported-op', message, { location: { node: node.name, opType: node.op }, notes });
}

/** The single number of a constant scalar operand (or `fallback` when the operand is absent). */
function scalarConstant(node: Node, index: number, what: string, fallback?: number): number {
  const v = node.inputs[index];
  if (v === undefined && fallback !== undefined) return fallback;
  const t = v?.constant;
  if (t === undefined || t.size !== 1) fail(node, `${what} must be a constant scalar (per-tensor quantization only)`);
  return t.toNumbers()[0]!;
}

function isInteger(dtype: DType): boolean {
  return dtype === 'uint8' || dtype === 'int8' || dtype === 'int32';
}

/** Ops that only relabel the shape of their first operand (Dropout: the identity at inference; its schema refuses training mode). */
const LAYOUT = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

/**
 * The digital-unit form of a non-crossbar node of the quantized graph (docs/lowering.md, "Digital
 * ops"), with the attributes the simulator defines (docs/simulator.md). `x` and `y` are the
 * descriptors of the first operand and the result.
 */
export function lowerDigital(node: Node, x: TensorDesc, y: TensorDesc): DigitalLowering {
  const data = node.inputs[0]!;
  switch (node.op) {
    case 'QuantizeLinear': {
      if (node.inputs[1]?.constant?.dtype !== 'float32') fail(node, 'y_scale must be a float32 constant');
      return {
        kind: 'quantize',
        attrs: { scale: scalarConstant(node, 1, 'y_scale'), zeroPoint: scalarConstant(node, 2, 'y_zero_point', 0) },
        operands: [0],
      };
    }
    case 'DequantizeLinear': {
      if (node.inputs[1]?.constant?.dtype !== 'float32' || y.type !== 'f32') {
        fail(node, 'only float32 dequantization is supported');
      }
      return {
        kind: 'dequantize',
        attrs: { scale: scalarConstant(node, 1, 'x_scale'), zeroPoint: scalarConstant(node, 2, 'x_zero_point', 0) },
        operands: [0],
      };
    }
    case 'PimRequantize': {
      const a = node.attrs as PimRequantizeAttrs;
      return {
        kind: 'requantize',
        attrs: { inZeroPoint: a.x_zero_point, multiplier: a.multiplier, shift: a.shift, outZeroPoint: a.y_zero_point },
        operands: [0],
      };
    }
    case 'PimQAdd': {
      const a = node.attrs as PimQAddAttrs;
      return {
        kind: 'add',
        attrs: {
          aZeroPoint: a.a_zero_point,
          bZeroPoint: a.b_zero_point,
          aMultiplier: a.a_multiplier,
          bMultiplier: a.b_multiplier,
          shift: a.shift,
          outZeroPoint: a.y_zero_point,
          min: a.y_min,
          max: a.y_max,
        },
        operands: [0, 1],
      };
    }
    case 'MaxPool':
      if (!isInteger(data.type.dtype)) fail(node, 'a float MaxPool has no digital-unit form; quantize the model first');
      return { kind: 'maxpool', attrs: maxPoolAttrs(node, x, y), operands: [0] };
    case 'PimQAvgPool':
      return { kind: 'avgpool', attrs: avgPoolAttrs(node, x, y), operands: [0] };
    case 'Concat': {
      const axis = normalizeAxis((node.attrs as ConcatAttrs).axis, y.shape.length, node.name);
      return { kind: 'concat', attrs: { axis }, operands: node.inputs.map((_, i) => i) };
    }
    case 'Transpose': {
      const perm = transposePerm(x.shape.length, (node.attrs as TransposeAttrs).perm);
      return { kind: 'transpose', attrs: { perm }, operands: [0] };
    }
    case 'Softmax': {
      if (x.type !== 'f32') fail(node, 'Softmax runs on float32 (after DequantizeLinear)');
      const axis = normalizeAxis((node.attrs as SoftmaxAttrs).axis, x.shape.length, node.name);
      return { kind: 'softmax', attrs: { axis }, operands: [0] };
    }
    case 'PimQConv':
      if (!isChannelwiseConv(node)) fail(node, 'only a channel-wise PimQConv (depthwise 1×1) runs on the digital units');
      return { kind: 'affine', attrs: affineAttrs(node), operands: [0] };
    case 'LRN': {
      if (x.type !== 'f32' || y.type !== 'f32') fail(node, 'LRN runs on float32 (between DequantizeLinear and QuantizeLinear)');
      const a = node.attrs as LRNAttrs;
      return { kind: 'lrn', attrs: { size: a.size, alpha: a.alpha, beta: a.beta, bias: a.bias }, operands: [0] };
    }
    case 'Clip':
    case 'Relu': {
      if (!isInteger(data.type.dtype)) fail(node, `a float ${node.op} has no digital-unit form; quantize the model first`);
      const [lo, hi] = integerRange(data.type.dtype);
      const min = node.op === 'Relu' ? 0 : scalarConstant(node, 1, 'min', lo);
      const max = node.op === 'Relu' ? hi : scalarConstant(node, 2, 'max', hi);
      return { kind: 'clamp', attrs: { min, max }, operands: [0] };
    }
    default:
      if (LAYOUT.has(node.op)) return { kind: 'reshape', attrs: {}, operands: [0] };
      return fail(node, `${node.op} has no crossbar or digital-unit form`, unsupportedNotes(node, data));
  }
}

function unsupportedNotes(node: Node, data: Value | undefined): string[] {
  const notes = ['the crossbar backend lowers the quantized dialect (PimQConv, PimQGemm, PimQAdd, PimQAvgPool, PimRequantize)'];
  notes.push('and integer MaxPool, Concat, Clip, Transpose and reshapes; Softmax and LRN in float after DequantizeLinear');
  if (data !== undefined && (data.type.dtype === 'float32' || node.op === 'Conv' || node.op === 'Gemm' || node.op === 'MatMul')) {
    notes.push('this node stayed in float: see the quantize log for why');
  }
  return notes;
}

/** Spatial window of a 1-D or 2-D pool on [N, C, ...]; the output size is checked against the result. */
function checkWindowOutput(node: Node, output: readonly number[], y: TensorDesc): void {
  const declared = y.shape.slice(2);
  if (output.length !== declared.length || output.some((d, i) => d !== declared[i])) {
    throw new PimcError('internal', `window output [${output.join(', ')}] differs from the inferred [${declared.join(', ')}]`, {
      location: { node: node.name, opType: node.op },
    });
  }
}

function maxPoolAttrs(node: Node, x: TensorDesc, y: TensorDesc): Attrs {
  const a = node.attrs as MaxPoolAttrs;
  const spatial = x.shape.slice(2);
  if (spatial.length < 1 || spatial.length > 2) fail(node, 'only 1-D and 2-D pools run on the digital units');
  const g = windowGeometry(spatial, a.kernel_shape, {
    strides: a.strides,
    dilations: a.dilations,
    pads: a.pads,
    autoPad: a.auto_pad,
    ceilMode: a.ceil_mode !== 0,
    what: node.name,
  });
  checkWindowOutput(node, g.output, y);
  return { kernel: [...g.kernel], strides: [...g.strides], pads: [...g.pads], dilations: [...g.dilations] };
}

function avgPoolAttrs(node: Node, x: TensorDesc, y: TensorDesc): Attrs {
  const a = node.attrs as PimQAvgPoolAttrs;
  const spatial = x.shape.slice(2);
  if (spatial.length < 1 || spatial.length > 2) fail(node, 'only 1-D and 2-D pools run on the digital units');
  const common = { zeroPoint: a.zero_point, countIncludePad: a.count_include_pad === 0 ? 0 : 1 };
  if (a.kernel_shape.length === 0) {
    // Global average pooling: one window over the whole plane.
    const ones = spatial.map(() => 1);
    return { kernel: [...spatial], strides: ones, pads: [...ones, ...ones].map(() => 0), dilations: ones, ...common };
  }
  const g = pimAvgPoolWindow(spatial, a, node.name);
  checkWindowOutput(node, g.output, y);
  return { kernel: [...g.kernel], strides: [...g.strides], pads: [...g.pads], dilations: [...g.dilations], ...common };
}
