import { allocate, integerRange, PimQAdd, PimRequantize, Tensor, type TypedArray } from '@pimc/ir';
import { binaryBroadcast } from '../../broadcast.js';
import { kernel, operand } from '../../kernel.js';
import { clamp, prepareShift } from './fixed-point.js';

/**
 * PimQAdd: `y = clamp(y_zp + ((a − a_zp)·a_mult + (b − b_zp)·b_mult + 2^(shift−1)) >> shift, y_min, y_max)`.
 * The weighted sum is below 2^33 in magnitude (8-bit operands, 24-bit multipliers), so it is exact
 * and `roundingShift` applies.
 */
export const qaddKernel = kernel(PimQAdd, (inputs, attrs, ctx) => {
  const a = operand(inputs, 0, ctx, 'A');
  const b = operand(inputs, 1, ctx, 'B');
  const { a_zero_point: az, b_zero_point: bz, a_multiplier: am, b_multiplier: bm, shift, y_zero_point: yz } = attrs;
  const [dlo, dhi] = integerRange(attrs.y_dtype);
  const lo = Math.max(attrs.y_min, dlo);
  const hi = Math.min(attrs.y_max, dhi);
  const { half, inverse } = prepareShift(shift);
  return [
    binaryBroadcast(
      a,
      b,
      attrs.y_dtype,
      (x, y) => clamp(yz + Math.floor(((x - az) * am + (y - bz) * bm + half) * inverse), lo, hi),
      'PimQAdd',
    ),
  ];
});

/** PimRequantize: `y = clamp(y_zp + ((x − x_zp)·mult + 2^(shift−1)) >> shift)` to the output dtype's range. */
export const requantizeKernel = kernel(PimRequantize, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const [lo, hi] = integerRange(attrs.y_dtype);
  const xd = x.data as TypedArray;
  const out = allocate(attrs.y_dtype, x.size) as TypedArray;
  const { x_zero_point: xz, multiplier, shift, y_zero_point: yz } = attrs;
  const { half, inverse } = prepareShift(shift);
  for (let i = 0; i < xd.length; i++) out[i] = clamp(yz + Math.floor(((xd[i]! - xz) * multiplier + half) * inverse), lo, hi);
  return [new Tensor(attrs.y_dtype, x.shape, out as never)];
});
