import type { Node, Value } from '@pimc/ir';
import { channelVector } from '../channel-constant.js';
import type { QuantizeContext } from './context.js';
import type { QuantizeRule } from './rules.js';
import { quantizeWeighted } from './weighted.js';

/*
 * Per-channel affine maps `y[n, c, ...] = x[n, c, ...]·s[c] + t[c]` that stay after fold-batchnorm and
 * fold-affine (a BatchNormalization after a Concat or a pooling, as in DenseNet; a Mul or Add by a
 * per-channel constant after a non-foldable layer) become a depthwise 1×1 PimQConv: one int8 weight
 * per channel (s quantized symmetric per channel: ±127, or 0), the int32 bias t, and the usual
 * per-channel requantization. The dialect needs no new op, the executor's integer kernel computes
 * it, and the backend runs a convolution of this shape on the digital units (docs/lowering.md).
 */

/** Quantizes `x·s + t` (over channel axis 1 of a rank-3 or rank-4 `x`) as a depthwise 1×1 PimQConv. */
function quantizeChannelAffine(node: Node, qc: QuantizeContext, x: Value, s: Float64Array, t: Float64Array): string | undefined {
  const shape = x.type.shape;
  if (shape === undefined || shape.length < 3 || shape.length > 4) return 'its input is not [N, C, L] or [N, C, H, W]';
  const channels = s.length;
  const spatial = shape.length - 2;
  const ones = new Array<number>(spatial).fill(1);
  return quantizeWeighted(node, qc, {
    op: 'PimQConv',
    x,
    weights: s,
    shape: [channels, 1, ...ones],
    bias: t,
    geometry: { pads: [...ones, ...ones].map(() => 0), strides: ones, dilations: ones, group: channels },
  });
}

/** The channel count of a rank ≥ 3 value, when known. */
function channelsOf(x: Value): number | undefined {
  const c = x.type.shape?.[1];
  return typeof c === 'number' && (x.type.shape?.length ?? 0) >= 3 ? c : undefined;
}

/** Inference BatchNormalization: `s = scale / sqrt(var + ε)`, `t = bias − mean·s`. */
export const quantizeBatchNorm: QuantizeRule = (node, qc) => {
  if (node.outputs.length !== 1) return 'it is in training mode';
  const x = node.inputs[0]!;
  const params = node.inputs.slice(1, 5).map((v) => qc.constantFloat(v));
  if (params.length !== 4 || params.some((p) => p === undefined)) return 'its parameters are not float32 constants';
  const [scale, bias, mean, variance] = params.map((p) => p!.toNumbers());
  const epsilon = node.attrs['epsilon'] as number;
  const channels = scale!.length;
  const s = Float64Array.from({ length: channels }, (_, c) => scale![c]! / Math.sqrt(variance![c]! + epsilon));
  const t = Float64Array.from({ length: channels }, (_, c) => bias![c]! - mean![c]! * s[c]!);
  return quantizeChannelAffine(node, qc, x, s, t);
};

/**
 * Mul or Add of a tensor by a per-channel float32 constant (either operand order), or undefined when
 * the node is not of that form (the caller then tries its own rule).
 */
export function quantizeConstantAffine(node: Node, qc: QuantizeContext): string | undefined {
  const [a, b] = [node.inputs[0]!, node.inputs[1]!];
  const [x, c] = a.constant !== undefined ? [b, a] : [a, b];
  const constant = qc.constantFloat(c);
  const channels = channelsOf(x);
  if (x.constant !== undefined || constant === undefined || channels === undefined) {
    return 'it is not a tensor times or plus a per-channel constant';
  }
  const shape = node.outputs[0]!.type.shape;
  const same = shape !== undefined && shape.length === x.type.shape!.length && shape.every((d, i) => d === x.type.shape![i]);
  const v = same ? channelVector(constant, shape, channels) : undefined;
  if (v === undefined) return 'its constant operand is not per channel';
  const mul = node.op === 'Mul';
  const s = mul ? v : new Float64Array(channels).fill(1);
  const t = mul ? new Float64Array(channels) : v;
  return quantizeChannelAffine(node, qc, x, s, t);
}
