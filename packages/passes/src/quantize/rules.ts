import {
  isStatic,
  onnxOps,
  Tensor,
  windowGeometry,
  type Attrs,
  type ConvAttrs,
  type GemmAttrs,
  type Node,
  type Value,
} from '@pimc/ir';
import { clampBounds, type QuantizeContext } from './context.js';
import { sharedShiftMultipliers } from './fixed-point.js';
import { quantizeValue, sameParams, type QuantParams } from './params.js';
import { quantizeBatchNorm, quantizeConstantAffine } from './channel-affine.js';
import { qdqParams } from './qdq.js';
import { layerResult, quantizeWeighted } from './weighted.js';
import type { QValue } from './writer.js';

/**
 * One rule per op type: it rewrites a node of the float graph into the quantized dialect and returns
 * undefined, or returns why it cannot (the node then stays in float, unchanged). Rules check what
 * they can before they create anything; whatever a refusing rule did create (a QuantizeLinear of an
 * operand) is read by nobody and dropped when the pass finishes.
 */
export type QuantizeRule = (node: Node, qc: QuantizeContext) => string | undefined;

/** Ops whose float survival counts as a layer left in float (the rest are "float ops"). */
export const COMPUTE_LAYERS: ReadonlySet<string> = new Set([
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'AveragePool',
  'GlobalAveragePool',
  'BatchNormalization',
]);

// ---------------------------------------------------------------------------------------------
// Layers with weights

const quantizeConv: QuantizeRule = (node, qc) => {
  const a = node.attrs as ConvAttrs;
  const x = node.inputs[0]!;
  const w = qc.constantFloat(node.inputs[1]);
  if (w === undefined) return 'its weights are not a float32 constant';
  const b = node.inputs[2] === undefined ? undefined : qc.constantFloat(node.inputs[2]);
  if (node.inputs[2] !== undefined && b === undefined) return 'its bias is not a float32 constant';
  const shape = x.type.shape;
  if (shape === undefined) return 'the rank of its input is unknown';
  const rank = shape.length - 2;
  const kernel = w.shape.slice(2);
  const ones = new Array<number>(rank).fill(1);
  const strides = a.strides.length > 0 ? [...a.strides] : ones;
  const dilations = a.dilations.length > 0 ? [...a.dilations] : ones;
  let pads = a.pads.length > 0 && a.auto_pad === 'NOTSET' ? [...a.pads] : new Array<number>(2 * rank).fill(0);
  if (a.auto_pad === 'SAME_UPPER' || a.auto_pad === 'SAME_LOWER') {
    const spatial = shape.slice(2);
    if (!isStatic(spatial)) return `auto_pad ${a.auto_pad} needs static spatial sizes`;
    pads = [...windowGeometry(spatial, kernel, { strides, dilations, autoPad: a.auto_pad, what: node.name }).pads];
  }
  const geometry = { pads, strides, dilations, group: a.group };
  return quantizeWeighted(node, qc, { op: 'PimQConv', x, weights: w.data, shape: w.shape, bias: b?.data, geometry });
};

/** A fully connected layer `Y = X·Wᵀ + b` with W [M, K] (transposed and scaled already) and b [M]. */
function fullyConnected(
  node: Node,
  qc: QuantizeContext,
  w: Float32Array | Float64Array,
  m: number,
  bias: Float64Array | undefined,
): string | undefined {
  const x = node.inputs[0]!;
  if (x.type.shape?.length !== 2) return 'its input is not a matrix [N, K]';
  return quantizeWeighted(node, qc, { op: 'PimQGemm', x, weights: w, shape: [m, w.length / m], bias, geometry: {} });
}

const quantizeGemm: QuantizeRule = (node, qc) => {
  const a = node.attrs as GemmAttrs;
  if (a.transA !== 0) return 'transA is set';
  const b = qc.constantFloat(node.inputs[1]);
  if (b === undefined || b.rank !== 2) return 'B is not a constant float32 matrix';
  const c = node.inputs[2] === undefined ? undefined : qc.constantFloat(node.inputs[2]);
  if (node.inputs[2] !== undefined && c === undefined) return 'C is not a float32 constant';
  const [m, k] = a.transB !== 0 ? [b.shape[0]!, b.shape[1]!] : [b.shape[1]!, b.shape[0]!];
  const bd = b.data as Float32Array;
  // W [M, K]: B itself with transB (the usual layout), else its transpose; alpha folded in.
  let w: Float32Array | Float64Array = a.transB !== 0 ? bd : transpose(bd, k, m);
  if (a.alpha !== 1) w = Float64Array.from(w, (v) => a.alpha * v);
  let bias: Float64Array | undefined;
  if (c !== undefined) {
    const perColumn = c.size === m && (c.rank === 1 || (c.rank === 2 && c.shape[0] === 1));
    if (c.size !== 1 && !perColumn) return `C of shape [${c.shape.join(', ')}] does not broadcast along rows`;
    const cd = c.data as Float32Array;
    bias = Float64Array.from({ length: m }, (_, i) => a.beta * cd[c.size === 1 ? 0 : i]!);
  }
  return fullyConnected(node, qc, w, m, bias);
};

const quantizeMatMul: QuantizeRule = (node, qc) => {
  const b = qc.constantFloat(node.inputs[1]);
  if (b === undefined || b.rank !== 2) return 'B is not a constant float32 matrix';
  const [k, m] = [b.shape[0]!, b.shape[1]!];
  return fullyConnected(node, qc, transpose(b.data as Float32Array, k, m), m, undefined);
};

/** The transpose of a row-major [rows, cols] matrix. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Residual add and average pooling

const quantizeAdd: QuantizeRule = (node, qc) => {
  const [a, b] = [node.inputs[0]!, node.inputs[1]!];
  // A per-channel constant makes it an affine map (a bias per channel), else two tensors add.
  if (a.constant !== undefined || b.constant !== undefined) return quantizeConstantAffine(node, qc);
  const ap = qc.operandParams(a);
  const bp = qc.operandParams(b);
  if (ap === undefined || bp === undefined) return `operand '${(ap === undefined ? a : b).name}' has no quantization parameters`;
  if (ap.dtype !== bp.dtype) return `its operands are ${ap.dtype} and ${bp.dtype}`;
  const { activation, result } = layerResult(node, qc);
  const yp = qc.paramsFor(result);
  if (yp === undefined) return `its result '${result.name}' has no calibration range`;
  const m = sharedShiftMultipliers(ap.scale / yp.scale, bp.scale / yp.scale);
  if (m === undefined) return 'its rescaling multipliers are 2^24 or more';
  const [yMin, yMax] = clampBounds(yp, activation);
  const w = qc.writer;
  const [aq, bq] = [qc.integerOperand(a)!, qc.integerOperand(b)!];
  const attrs: Attrs = {
    a_zero_point: ap.zeroPoint,
    b_zero_point: bp.zeroPoint,
    a_multiplier: m.a,
    b_multiplier: m.b,
    shift: m.shift,
    y_dtype: yp.dtype,
    y_zero_point: yp.zeroPoint,
    y_min: yMin,
    y_max: yMax,
    activation: (activation?.attrs['activation'] as string | undefined) ?? 'none',
    y_scale: yp.scale,
    a_scale: ap.scale,
    b_scale: bp.scale,
  };
  const y = w.add('PimQAdd', [aq.value, bq.value], node.name, attrs, [w.integerName(result)]).outputs[0]!;
  w.setQuantized(result, { value: y, params: yp });
  if (activation !== undefined) {
    qc.consumed.add(activation);
    qc.count('fusedActivations');
  }
  qc.count('quantizedLayers');
  return undefined;
};

/** AveragePool and GlobalAveragePool keep their input's scale and zero point. */
const quantizeAveragePool: QuantizeRule = (node, qc) => {
  const x = node.inputs[0]!;
  const xp = qc.operandParams(x);
  if (xp === undefined) return `its input '${x.name}' has no quantization parameters`;
  const window =
    node.op === 'GlobalAveragePool'
      ? {}
      : Object.fromEntries(
          ['auto_pad', 'ceil_mode', 'count_include_pad', 'dilations', 'kernel_shape', 'pads', 'strides'].map((k) => [
            k,
            node.attrs[k],
          ]),
        );
  const w = qc.writer;
  const xq = qc.integerOperand(x)!;
  const out = node.outputs[0]!;
  const attrs: Attrs = { ...window, zero_point: xp.zeroPoint, scale: xp.scale };
  const y = w.add('PimQAvgPool', [xq.value], node.name, attrs, [w.integerName(out)]).outputs[0]!;
  w.setQuantized(out, { value: y, params: xq.params });
  qc.count('quantizedLayers');
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Ops that run on integer tensors with their ONNX meaning

/**
 * Emits `op` on the integer form of operand 0 (other operands as they are); the result keeps the
 * scale. Applies when operand 0 is quantized already, or is a graph input.
 */
function sameScale(
  node: Node,
  qc: QuantizeContext,
  op: string,
  attrs: Attrs,
  rest: (x: QValue) => readonly (Value | undefined)[],
): string | undefined {
  const x = node.inputs[0]!;
  // A graph input is quantized at the boundary even when a layout op reads it first (MLP: Flatten).
  const xq = qc.writer.quantized(x) ?? (qc.isGraphInput(x) ? qc.integerOperand(x) : undefined);
  if (xq === undefined) return 'its input is float';
  const out = node.outputs[0]!;
  const w = qc.writer;
  const y = w.add(op, [xq.value, ...rest(xq)], node.name, attrs, [w.integerName(out)]).outputs[0]!;
  w.setQuantized(out, { value: y, params: xq.params });
  qc.count('integerOps');
  return undefined;
}

/** Ops that only move elements, so they commute with quantization exactly. */
const LAYOUT_OPS = ['Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Slice', 'Gather'].filter((op) =>
  onnxOps.has(op),
);

const quantizeLayout: QuantizeRule = (node, qc) => {
  if (node.outputs.length !== 1) return 'it has several results';
  return sameScale(node, qc, node.op, node.attrs, () =>
    node.inputs.slice(1).map((v) => (v === undefined ? undefined : qc.writer.operand(v))),
  );
};

/**
 * A max pool of a float value (the result of a float op such as LRN) quantizes its operand first:
 * quantization is monotonic, so it commutes with the maximum, and the integer pool feeds the next
 * quantized layer without a float round trip.
 */
function quantizeFloatOperand(node: Node, qc: QuantizeContext): void {
  const x = node.inputs[0]!;
  if (qc.writer.quantized(x) === undefined && qc.operandParams(x) !== undefined) qc.integerOperand(x);
}

const quantizeMaxPool: QuantizeRule = (node, qc) => {
  if (node.outputs.slice(1).some((v) => (qc.uses.get(v)?.length ?? 0) > 0 || qc.graphOutputs.has(v))) {
    return 'its Indices are used';
  }
  quantizeFloatOperand(node, qc);
  return sameScale(node, qc, 'MaxPool', node.attrs, () => []);
};

const quantizeGlobalMaxPool: QuantizeRule = (node, qc) => {
  const spatial = node.inputs[0]!.type.shape?.slice(2);
  if (spatial === undefined || !isStatic(spatial)) return 'its spatial sizes are not static';
  quantizeFloatOperand(node, qc);
  return sameScale(node, qc, 'MaxPool', { kernel_shape: spatial }, () => []);
};

/** Relu, Clip and a PimFusedActivation that could not be fused: an integer Clip at the quantized bounds. */
const quantizeClamp: QuantizeRule = (node, qc) => {
  if (qc.writer.quantized(node.inputs[0]!) === undefined) return 'its input is float';
  let lo: number | undefined;
  let hi: number | undefined;
  if (node.op === 'Relu') lo = 0;
  else if (node.op === 'PimFusedActivation') {
    lo = node.attrs['min'] as number | undefined;
    hi = node.attrs['max'] as number | undefined;
  } else {
    const [min, max] = [node.inputs[1], node.inputs[2]];
    if ((min !== undefined && min.constant === undefined) || (max !== undefined && max.constant === undefined)) {
      return 'its bounds are not constant';
    }
    lo = min?.constant?.toNumbers()[0];
    hi = max?.constant?.toNumbers()[0];
  }
  const bound = (v: number | undefined, name: string, p: QuantParams) =>
    v === undefined ? undefined : qc.writer.constant(`${node.name}/${name}`, Tensor.scalar(p.dtype, quantizeValue(v, p)));
  return sameScale(node, qc, 'Clip', {}, (xq) => [bound(lo, 'min', xq.params), bound(hi, 'max', xq.params)]);
};

const quantizePad: QuantizeRule = (node, qc) => {
  if (node.attrs['mode'] !== 'constant') return `mode ${String(node.attrs['mode'])} is not constant`;
  const value = node.inputs[2];
  if (value !== undefined && (value.constant === undefined || value.constant.toNumbers()[0] !== 0)) {
    return 'it pads with a value other than 0';
  }
  const axes = node.inputs[3];
  return sameScale(node, qc, 'Pad', node.attrs, (xq) => [
    qc.writer.operand(node.inputs[1]!),
    qc.writer.constant(`${node.name}/constant_value`, Tensor.scalar(xq.params.dtype, xq.params.zeroPoint)),
    ...(axes === undefined ? [] : [qc.writer.operand(axes)]),
  ]);
};

/** Concat: inputs of different scales are requantized to the result's. */
const quantizeConcat: QuantizeRule = (node, qc) => {
  const inputs = node.inputs.filter((v): v is Value => v !== undefined);
  if (!inputs.some((v) => qc.writer.quantized(v) !== undefined)) return 'its inputs are float';
  const params = inputs.map((v) => qc.operandParams(v));
  if (params.some((p) => p === undefined)) return 'an input has no quantization parameters';
  const first = params[0]!;
  const out = node.outputs[0]!;
  const yp = params.every((p) => sameParams(p!, first)) ? first : qc.paramsFor(out);
  if (yp === undefined) return `inputs differ in scale and its result '${out.name}' has no calibration range`;
  if (params.some((p) => p!.dtype !== yp.dtype)) return 'its inputs differ in integer type';
  const w = qc.writer;
  const operands = [];
  for (const v of inputs) {
    const q = w.requantize(qc.integerOperand(v)!, yp, node.name);
    if (q === undefined) return `input '${v.name}' cannot be rescaled to the result's scale`;
    operands.push(q.value);
  }
  const y = w.add('Concat', operands, node.name, node.attrs, [w.integerName(out)]).outputs[0]!;
  w.setQuantized(out, { value: y, params: yp });
  qc.count('integerOps');
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// A QDQ model's own quantization nodes

/** QuantizeLinear: the integer form of its input with the node's parameters (reusing or rescaling one that exists). */
const readQuantize: QuantizeRule = (node, qc) => {
  const p = qdqParams(node);
  if (p === undefined) return 'its parameters are not constant, per-tensor and 8-bit';
  const x = node.inputs[0]!;
  const existing = qc.writer.quantized(x);
  const q = existing !== undefined ? qc.writer.requantize(existing, p, x.name) : qc.writer.quantizeAs(x, p);
  if (q === undefined) return 'its input cannot be rescaled to its scale';
  if (existing === undefined) qc.count('qdqValues');
  qc.writer.setPlain(node.outputs[0]!, q.value);
  return undefined;
};

/** DequantizeLinear: the integer operand becomes the integer form of the result; a float reader dequantizes lazily. */
const readDequantize: QuantizeRule = (node, qc) => {
  const x = node.inputs[0]!;
  if (node.inputs.every((v) => v === undefined || v.constant !== undefined)) {
    // Weights of a QDQ model: quantized layers read them as constants; a float reader gets the node.
    qc.writer.defer(node);
    return undefined;
  }
  const p = qdqParams(node);
  if (p === undefined) return 'its parameters are not constant, per-tensor and 8-bit';
  const xi = qc.writer.operand(x);
  qc.writer.setQuantized(node.outputs[0]!, { value: xi, params: p });
  return undefined;
};

/** The rule table, by op type. */
export const quantizeRules: ReadonlyMap<string, QuantizeRule> = new Map<string, QuantizeRule>([
  ['Conv', quantizeConv],
  ['Gemm', quantizeGemm],
  ['MatMul', quantizeMatMul],
  ['Add', quantizeAdd],
  ['Mul', quantizeConstantAffine],
  ['BatchNormalization', quantizeBatchNorm],
  ['AveragePool', quantizeAveragePool],
  ['GlobalAveragePool', quantizeAveragePool],
  ['MaxPool', quantizeMaxPool],
  ['GlobalMaxPool', quantizeGlobalMaxPool],
  ['Relu', quantizeClamp],
  ['Clip', quantizeClamp],
  ['PimFusedActivation', quantizeClamp],
  ['Pad', quantizePad],
  ['Concat', quantizeConcat],
  ['QuantizeLinear', readQuantize],
  ['DequantizeLinear', readDequantize],
  ...LAYOUT_OPS.map((op): [string, QuantizeRule] => [op, quantizeLayout]),
]);
