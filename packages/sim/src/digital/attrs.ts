import type { DigitalOp } from '@pimc/isa';
import { programError } from '../program-error.js';

/*
 * Typed access to a digital op's attributes. The program is plain data written by another
 * package, so a missing or mistyped attribute is reported with the op and the attribute named.
 */

export function numberAttr(op: DigitalOp, name: string): number {
  const v = op.attrs[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw programError(op, `attribute '${name}' must be a finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function integerAttr(op: DigitalOp, name: string, lo = -(2 ** 53), hi = 2 ** 53): number {
  const v = numberAttr(op, name);
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw programError(op, `attribute '${name}' = ${v} must be an integer in [${lo}, ${hi}]`);
  }
  return v;
}

export function intListAttr(op: DigitalOp, name: string, length?: number): readonly number[] {
  const v = op.attrs[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw programError(op, `attribute '${name}' must be a list of integers, got ${JSON.stringify(v)}`);
  }
  const list = v as readonly number[];
  if (length !== undefined && list.length !== length) {
    throw programError(op, `attribute '${name}' must have ${length} values, got [${list.join(', ')}]`);
  }
  return list;
}

/** An axis attribute in [−rank, rank), normalized to [0, rank). */
export function axisAttr(op: DigitalOp, name: string, rank: number): number {
  const axis = integerAttr(op, name);
  if (axis < -rank || axis >= rank) throw programError(op, `attribute '${name}' = ${axis} is outside a rank-${rank} tensor`);
  return axis < 0 ? axis + rank : axis;
}

/** A number attribute that may be absent (undefined); present, it must be finite. */
export function optionalNumberAttr(op: DigitalOp, name: string): number | undefined {
  return op.attrs[name] === undefined ? undefined : numberAttr(op, name);
}

/**
 * Attributes an operand type does not take (the quantization parameters of an f32 op): present,
 * they are a compiler error, not something to ignore.
 */
export function rejectAttrs(op: DigitalOp, names: readonly string[], type: string): void {
  const present = names.filter((n) => op.attrs[n] !== undefined);
  if (present.length > 0) {
    throw programError(
      op,
      `attribute${present.length === 1 ? '' : 's'} ${present.map((n) => `'${n}'`).join(', ')} do not apply to ${type} operands`,
    );
  }
}
