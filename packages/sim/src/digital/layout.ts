import { programError } from '../program-error.js';
import { allocate, formatShape, sizeOf, type SimTensor } from '../sim-tensor.js';
import { axisAttr, intListAttr } from './attrs.js';
import { countTraffic, operand, requireSize, single, type DigitalKernel } from './context.js';

/**
 * `reshape` {}: the same elements in the result's declared shape (Flatten, Reshape, Squeeze,
 * Unsqueeze, Identity). A view: no data moves, so no events.
 */
export const reshape: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  requireSize(ctx, x, slot);
  if (x.type !== slot.desc.type) {
    throw programError(ctx.op, `operand is ${x.type} but result '${slot.desc.name}' is ${slot.desc.type}`);
  }
  return [{ type: x.type, shape: slot.shape, data: x.data }];
};

/** `concat` {axis}: operands joined along `axis` (all of one type, equal elsewhere). */
export const concat: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const first = operand(ctx, 0);
  const rank = slot.shape.length;
  const axis = axisAttr(ctx.op, 'axis', rank);
  const outer = sizeOf(slot.shape.slice(0, axis));
  const inner = sizeOf(slot.shape.slice(axis + 1));
  let along = 0;
  for (const t of ctx.inputs) {
    const same = t.type === first.type && t.shape.length === rank && t.shape.every((d, i) => i === axis || d === slot.shape[i]);
    if (!same) {
      throw programError(ctx.op, `operand ${t.type}${formatShape(t.shape)} does not join into ${formatShape(slot.shape)}`);
    }
    along += t.shape[axis]!;
  }
  if (along !== slot.shape[axis] || first.type !== slot.desc.type) {
    throw programError(ctx.op, `operands give ${along} along axis ${axis}, the result declares ${formatShape(slot.shape)}`);
  }
  const out = allocate(first.type, sizeOf(slot.shape));
  let offset = 0;
  for (const t of ctx.inputs) {
    const block = t.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * block, (o + 1) * block), o * along * inner + offset);
    offset += block;
  }
  const result = { type: first.type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

/** `transpose` {perm}: result axis i is operand axis perm[i]. */
export const transpose: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const rank = x.shape.length;
  const perm = intListAttr(ctx.op, 'perm', rank);
  const valid = [...perm].sort((a, b) => a - b).every((v, i) => v === i);
  if (!valid || perm.some((p, i) => x.shape[p] !== slot.shape[i])) {
    throw programError(ctx.op, `perm [${perm.join(', ')}] does not take ${formatShape(x.shape)} to ${formatShape(slot.shape)}`);
  }
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= x.shape[d]!;
  }
  const strides = perm.map((p) => inStrides[p]!);
  const out = allocate(x.type, x.data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x.data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      src += strides[d]!;
      if (++index[d]! < slot.shape[d]!) break;
      src -= strides[d]! * slot.shape[d]!;
      index[d] = 0;
    }
  }
  const result: SimTensor = { type: x.type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};
