import { clamp, roundHalfEven, roundingShift } from '../fixed-point.js';
import { programError } from '../program-error.js';
import { allocate, integerRange, requireFloat, requireInteger, type IntegerType, type SimTensor } from '../sim-tensor.js';
import { integerAttr, numberAttr, optionalNumberAttr } from './attrs.js';
import { countTraffic, operand, requireSize, single, type DigitalContext, type DigitalKernel } from './context.js';

/** The result slot's integer type, or an error when the program declared a float result. */
function integerResult(ctx: DigitalContext): IntegerType {
  const type = single(ctx).desc.type;
  if (type === 'f32') throw programError(ctx.op, `result '${single(ctx).desc.name}' must be an integer tensor, not f32`);
  return type;
}

/**
 * `quantize` {scale, zeroPoint}: f32 → u8/i8 (the result's type),
 * `y = saturate(roundHalfEven(f32(x / f32(scale))) + zeroPoint)`, NaN → the type's minimum
 * (ONNX QuantizeLinear, per tensor, division in float32).
 */
export const quantize: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireFloat(x, 'quantize');
  requireSize(ctx, x, slot);
  const type = integerResult(ctx);
  const [lo, hi] = integerRange(type);
  const scale = Math.fround(numberAttr(ctx.op, 'scale'));
  if (!(scale > 0)) throw programError(ctx.op, `scale ${scale} must be positive`);
  const zp = integerAttr(ctx.op, 'zeroPoint', lo, hi);
  const out = allocate(type, xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = Math.fround(xs[i]! / scale);
    out[i] = Number.isNaN(v) ? lo : clamp(roundHalfEven(v) + zp, lo, hi);
  }
  ctx.events.digitalMacs(32, xs.length);
  const result = { type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

/** `dequantize` {scale, zeroPoint}: u8/i8/i32 → f32, `y = f32(f32(x − zeroPoint) · f32(scale))` (ONNX DequantizeLinear). */
export const dequantize: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireInteger(x, 'dequantize');
  requireSize(ctx, x, slot);
  if (slot.desc.type !== 'f32') throw programError(ctx.op, `result '${slot.desc.name}' must be f32, not ${slot.desc.type}`);
  const scale = Math.fround(numberAttr(ctx.op, 'scale'));
  const zp = integerAttr(ctx.op, 'zeroPoint');
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = Math.fround(Math.fround(xs[i]! - zp) * scale);
  ctx.events.digitalMacs(32, xs.length);
  const result: SimTensor = { type: 'f32', shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

/**
 * `requantize` {inZeroPoint, multiplier, shift, outZeroPoint}: rescale to another scale and zero
 * point, `y = clamp(outZeroPoint + ((x − inZeroPoint)·multiplier + 2^(shift−1)) >> shift)` to the
 * result type's range (the product is below 2^33: exact).
 */
export const requantize: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireInteger(x, 'requantize');
  requireSize(ctx, x, slot);
  const type = integerResult(ctx);
  const [lo, hi] = integerRange(type);
  const inZp = integerAttr(ctx.op, 'inZeroPoint', -128, 255);
  const mult = integerAttr(ctx.op, 'multiplier', 0, 2 ** 24 - 1);
  const shift = integerAttr(ctx.op, 'shift', 0, 63);
  const outZp = integerAttr(ctx.op, 'outZeroPoint', lo, hi);
  const out = allocate(type, xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = clamp(outZp + roundingShift((xs[i]! - inZp) * mult, shift), lo, hi);
  ctx.events.digitalMacs(24, xs.length);
  ctx.events.digitalAdds(8, xs.length);
  const result = { type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

/**
 * `clamp` {min, max}: `y = min(max(x, min), max)` on an integer tensor (a ReLU/Clip at quantized
 * bounds). On f32 both bounds are optional numbers (absent: unbounded on that side) and NaN stays NaN.
 */
export const clampOp: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  if (x.type === 'f32' || slot.desc.type === 'f32') return clampFloat(ctx);
  const xs = requireInteger(x, 'clamp');
  requireSize(ctx, x, slot);
  const type = integerResult(ctx);
  if (type !== x.type) throw programError(ctx.op, `operand is ${x.type} but result '${slot.desc.name}' is ${type}`);
  const lo = integerAttr(ctx.op, 'min');
  const hi = integerAttr(ctx.op, 'max');
  if (lo > hi) throw programError(ctx.op, `min ${lo} exceeds max ${hi}`);
  const out = allocate(type, xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = clamp(xs[i]!, lo, hi);
  ctx.events.digitalAdds(8, 2 * xs.length);
  const result = { type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

function clampFloat(ctx: DigitalContext): SimTensor[] {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireFloat(x, 'clamp');
  requireSize(ctx, x, slot);
  if (slot.desc.type !== 'f32') throw programError(ctx.op, `operand is f32 but result '${slot.desc.name}' is ${slot.desc.type}`);
  const lo = optionalNumberAttr(ctx.op, 'min') ?? -Infinity;
  const hi = optionalNumberAttr(ctx.op, 'max') ?? Infinity;
  if (lo > hi) throw programError(ctx.op, `min ${lo} exceeds max ${hi}`);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  ctx.events.digitalAdds(32, 2 * xs.length);
  const result: SimTensor = { type: 'f32', shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
}
