import { Tensor, type Attrs, type Node, type Value } from '@pimc/ir';
import { clampBounds, type QuantizeContext } from './context.js';
import { fixedPointMultiplier } from './fixed-point.js';
import { accumulatorFits, quantizeBias, quantizeWeights, type QuantParams } from './params.js';

/*
 * Layers with constant weights (Conv, Gemm, MatMul and per-channel affine maps) in the quantized
 * dialect: int8 weights, int32 bias and per-channel 24-bit requantization.
 */

/** Per-channel requantization of a layer: int32 bias, 24-bit multipliers and shifts, clamp bounds. */
interface ChannelRequant {
  readonly bias: Int32Array;
  readonly multiplier: number[];
  readonly shift: number[];
  readonly yMin: number;
  readonly yMax: number;
}

function channelRequant(
  x: QuantParams,
  wScales: Float64Array,
  y: QuantParams,
  bias: ArrayLike<number> | undefined,
  weights: Int8Array,
  activation: Node | undefined,
): ChannelRequant | string {
  const channels = wScales.length;
  const b = quantizeBias(bias, channels, x.scale, wScales);
  if (b === undefined) return 'the quantized bias does not fit int32';
  if (!accumulatorFits(weights, b, channels)) return 'its accumulators could exceed int32';
  const multiplier: number[] = [];
  const shift: number[] = [];
  for (let m = 0; m < channels; m++) {
    const f = fixedPointMultiplier((x.scale * wScales[m]!) / y.scale);
    if (f === undefined) return `the requantization multiplier of channel ${m} is 2^24 or more`;
    multiplier.push(f.mult);
    shift.push(f.shift);
  }
  const [yMin, yMax] = clampBounds(y, activation);
  return { bias: b, multiplier, shift, yMin, yMax };
}

/** The result a layer produces once quantized: its fused activation's, if any. */
export function layerResult(node: Node, qc: QuantizeContext): { activation: Node | undefined; result: Value } {
  const activation = qc.fusedActivation(node);
  return { activation, result: activation?.outputs[0] ?? node.outputs[0]! };
}

/** A layer with constant weights, as the rules for Conv, Gemm and MatMul describe it. */
export interface WeightedLayer {
  readonly op: 'PimQConv' | 'PimQGemm';
  readonly x: Value;
  /** Float weights, output channel first ([M, ...]), and their shape. */
  readonly weights: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly bias: ArrayLike<number> | undefined;
  /** Explicit convolution geometry (PimQConv only). */
  readonly geometry: Attrs;
}

/**
 * Quantizes a weighted layer: int8 weights, int32 bias and per-channel requantization from the input
 * and result parameters, the fused activation folded into the output clamp. Every check comes before
 * the first node is created.
 */
export function quantizeWeighted(node: Node, qc: QuantizeContext, layer: WeightedLayer): string | undefined {
  const { activation, result } = layerResult(node, qc);
  const xp = qc.operandParams(layer.x);
  if (xp === undefined) return `its input '${layer.x.name}' has no quantization parameters`;
  const yp = qc.paramsFor(result);
  if (yp === undefined) return `its result '${result.name}' has no calibration range`;
  const weights = quantizeWeights(layer.weights, layer.shape[0]!, qc.settings.perChannel);
  const r = channelRequant(xp, weights.scales, yp, layer.bias, weights.values, activation);
  if (typeof r === 'string') return r;
  const w = qc.writer;
  const xq = qc.integerOperand(layer.x)!;
  const wValue = w.constant(`${node.name}/W_q`, new Tensor('int8', layer.shape, weights.values));
  const bValue = w.constant(`${node.name}/B_q`, new Tensor('int32', [r.bias.length], r.bias));
  const attrs: Attrs = {
    ...layer.geometry,
    x_zero_point: xp.zeroPoint,
    multiplier: r.multiplier,
    shift: r.shift,
    y_dtype: yp.dtype,
    y_zero_point: yp.zeroPoint,
    y_min: r.yMin,
    y_max: r.yMax,
    activation: (activation?.attrs['activation'] as string | undefined) ?? 'none',
    y_scale: yp.scale,
    x_scale: xp.scale,
    w_scale: [...weights.scales],
  };
  const y = w.add(layer.op, [xq.value, wValue, bValue], node.name, attrs, [w.integerName(result)]).outputs[0]!;
  w.setQuantized(result, { value: y, params: yp });
  if (activation !== undefined) {
    qc.consumed.add(activation);
    qc.count('fusedActivations');
  }
  qc.count('quantizedLayers');
  return undefined;
}
