import { clamp, makeMultiplier, multiplyShift } from '../fixed-point.js';
import { programError } from '../program-error.js';
import { allocate, formatShape, integerRange, requireInteger, sizeOf } from '../sim-tensor.js';
import { integerAttr, intListAttr } from './attrs.js';
import { countTraffic, operand, single, type DigitalKernel } from './context.js';

/**
 * `affine` {inZeroPoint, weight[C], bias[C], multiplier[C], shift[C], outZeroPoint, min, max}: a
 * per-channel integer multiply-add on [N, C, ...] (channel axis 1), requantized per channel like a
 * crossbar layer — a depthwise 1×1 convolution, which the compiler runs here rather than on a
 * crossbar with one row per channel:
 * `acc = wrap32((x − inZeroPoint)·weight[c] + bias[c])`,
 * `y = clamp(outZeroPoint + ((acc·multiplier[c] + 2^(shift[c]−1)) >> shift[c]), max(min, lo), min(max, hi))`
 * with lo, hi the result type's range. The product is below 2^16 and the sum exact; the rescale is
 * the exact 64-bit one of `multiplyShift`.
 */
export const affine: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireInteger(x, 'affine');
  const op = ctx.op;
  const type = slot.desc.type;
  if (type === 'f32' || type === 'i32' || x.type === 'f32' || x.type === 'i32') {
    throw programError(op, `maps u8/i8 to u8/i8: operand ${x.type}, result '${slot.desc.name}' ${type}`);
  }
  const same = x.shape.length === slot.shape.length && x.shape.every((d, i) => d === slot.shape[i]);
  if (!same || x.shape.length < 2) {
    throw programError(op, `operand ${formatShape(x.shape)} and result ${formatShape(slot.shape)} must be one [N, C, ...] shape`);
  }
  const [xlo, xhi] = integerRange(x.type);
  const [tlo, thi] = integerRange(type);
  const channels = x.shape[1]!;
  const inZp = integerAttr(op, 'inZeroPoint', xlo, xhi);
  const weight = intListAttr(op, 'weight', channels);
  const bias = intListAttr(op, 'bias', channels);
  const mult = intListAttr(op, 'multiplier', channels);
  const shift = intListAttr(op, 'shift', channels);
  const outZp = integerAttr(op, 'outZeroPoint', tlo, thi);
  const lo = Math.max(integerAttr(op, 'min'), tlo);
  const hi = Math.min(integerAttr(op, 'max'), thi);
  const multipliers = weight.map((w, c) => {
    const [m, s, b] = [mult[c]!, shift[c]!, bias[c]!];
    if (w < -128 || w > 127 || m < 0 || m >= 2 ** 24 || s < 0 || s > 63 || b < -(2 ** 31) || b >= 2 ** 31) {
      throw programError(
        op,
        `channel ${c}: weight ${w} (int8), bias ${b} (int32), multiplier ${m} (< 2^24) or shift ${s} (0–63) out of range`,
      );
    }
    return makeMultiplier(m, s);
  });
  const plane = sizeOf(x.shape.slice(2));
  const out = allocate(type, xs.length);
  for (let i = 0; i < xs.length; i++) {
    const c = Math.floor(i / plane) % channels;
    const acc = ((xs[i]! - inZp) * weight[c]! + bias[c]!) | 0;
    out[i] = clamp(outZp + multiplyShift(acc, multipliers[c]!), lo, hi);
  }
  // Per element: the 8-bit product, the 32-bit bias add, and the requantization (as `requantize`).
  ctx.events.digitalMacs(8, xs.length);
  ctx.events.digitalAdds(32, xs.length);
  ctx.events.digitalMacs(24, xs.length);
  ctx.events.digitalAdds(8, xs.length);
  const result = { type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};
