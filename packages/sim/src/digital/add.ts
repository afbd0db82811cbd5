import { clamp, roundingShift } from '../fixed-point.js';
import { programError } from '../program-error.js';
import { allocate, formatShape, integerRange, requireFloat, requireInteger, sizeOf, type SimTensor } from '../sim-tensor.js';
import { integerAttr, optionalNumberAttr, rejectAttrs } from './attrs.js';
import { countTraffic, operand, single, type DigitalContext, type DigitalKernel, type OutputSlot } from './context.js';

/**
 * Strides of `shape` read as `out`-shaped by numpy broadcasting (0 along broadcast axes), or
 * undefined when the shapes do not broadcast.
 */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] | undefined {
  if (shape.length > out.length) return undefined;
  const strides = new Array<number>(out.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, o = out.length - 1; i >= 0; i--, o--) {
    const d = shape[i]!;
    if (d !== out[o] && d !== 1) return undefined;
    strides[o] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return strides;
}

/**
 * `add` {aZeroPoint, bZeroPoint, aMultiplier, bMultiplier, shift, outZeroPoint, min, max}: residual
 * add of two integer tensors (numpy broadcasting to the result's shape), each rescaled to the
 * result's scale with one shared shift:
 * `y = clamp(outZeroPoint + ((a − aZp)·aMult + (b − bZp)·bMult + 2^(shift−1)) >> shift, max(min, lo), min(max, hi))`
 * with lo, hi the result type's range. The weighted sum is below 2^34 in magnitude: exact.
 *
 * On f32 operands and result (RAPIDNN programs, between `decode` and `cam-encode`) the attributes
 * are only the optional bounds {min, max}: `y = f32(min(max(a + b, min), max))`.
 */
export const add: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const a = operand(ctx, 0);
  const b = operand(ctx, 1);
  if (slot.desc.type === 'f32') return addFloat(ctx, slot, a, b);
  const ad = requireInteger(a, 'add');
  const bd = requireInteger(b, 'add');
  const type = slot.desc.type;
  const [tlo, thi] = integerRange(type);
  const op = ctx.op;
  const az = integerAttr(op, 'aZeroPoint', -128, 255);
  const bz = integerAttr(op, 'bZeroPoint', -128, 255);
  const am = integerAttr(op, 'aMultiplier', 0, 2 ** 24 - 1);
  const bm = integerAttr(op, 'bMultiplier', 0, 2 ** 24 - 1);
  const shift = integerAttr(op, 'shift', 0, 63);
  const zp = integerAttr(op, 'outZeroPoint', tlo, thi);
  const lo = Math.max(integerAttr(op, 'min'), tlo);
  const hi = Math.min(integerAttr(op, 'max'), thi);
  const shape = slot.shape;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  if (sa === undefined || sb === undefined) {
    throw programError(
      op,
      `operands ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast to ${formatShape(shape)}`,
    );
  }
  const total = sizeOf(shape);
  const out = allocate(type, total);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < total; i++) {
    out[i] = clamp(zp + roundingShift((ad[ia]! - az) * am + (bd[ib]! - bz) * bm, shift), lo, hi);
    // Odometer over the result's index, moving both operand offsets by their (broadcast) strides.
    for (let d = rank - 1; d >= 0; d--) {
      ia += sa[d]!;
      ib += sb[d]!;
      if (++index[d]! < shape[d]!) break;
      ia -= sa[d]! * shape[d]!;
      ib -= sb[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  ctx.events.digitalMacs(24, 2 * total);
  ctx.events.digitalAdds(32, total);
  const result = { type, shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

/** The f32 form of `add`: the sum in double precision, clamped to the optional bounds, rounded once. */
function addFloat(ctx: DigitalContext, slot: OutputSlot, a: SimTensor, b: SimTensor): SimTensor[] {
  const op = ctx.op;
  const ad = requireFloat(a, 'add');
  const bd = requireFloat(b, 'add');
  rejectAttrs(op, ['aZeroPoint', 'bZeroPoint', 'aMultiplier', 'bMultiplier', 'shift', 'outZeroPoint'], 'f32');
  const lo = optionalNumberAttr(op, 'min') ?? -Infinity;
  const hi = optionalNumberAttr(op, 'max') ?? Infinity;
  const shape = slot.shape;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  if (sa === undefined || sb === undefined) {
    throw programError(
      op,
      `operands ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast to ${formatShape(shape)}`,
    );
  }
  const total = sizeOf(shape);
  const out = new Float32Array(total);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < total; i++) {
    const v = ad[ia]! + bd[ib]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
    for (let d = rank - 1; d >= 0; d--) {
      ia += sa[d]!;
      ib += sb[d]!;
      if (++index[d]! < shape[d]!) break;
      ia -= sa[d]! * shape[d]!;
      ib -= sb[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  const bounded = (lo > -Infinity ? 1 : 0) + (hi < Infinity ? 1 : 0);
  ctx.events.digitalAdds(32, (1 + bounded) * total);
  const result: SimTensor = { type: 'f32', shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
}
