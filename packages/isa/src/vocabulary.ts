import type { DigitalOp, ElementType } from './program.js';

/** Bits of a stored weight: the widths of a weight's slices add up to this (int8 weights). */
export const WEIGHT_BITS = 8;

/** Every element type, with the range of its integer codes (f32 has none). */
export const ELEMENT_TYPES: Readonly<Record<ElementType, { readonly min: number; readonly max: number } | undefined>> = {
  u8: { min: 0, max: 255 },
  i8: { min: -128, max: 127 },
  i32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  f32: undefined,
};

/** Every digital op kind (a Record so that a kind added to program.ts must be added here). */
const DIGITAL_KIND_SET: Readonly<Record<DigitalOp['kind'], true>> = {
  quantize: true,
  dequantize: true,
  requantize: true,
  add: true,
  maxpool: true,
  avgpool: true,
  concat: true,
  reshape: true,
  transpose: true,
  softmax: true,
  clamp: true,
  affine: true,
  lrn: true,
  decode: true,
};
export const DIGITAL_OP_KINDS = Object.keys(DIGITAL_KIND_SET) as readonly DigitalOp['kind'][];

export function isDigitalOpKind(kind: string): kind is DigitalOp['kind'] {
  return Object.hasOwn(DIGITAL_KIND_SET, kind);
}

export function isElementType(type: string): type is ElementType {
  return Object.hasOwn(ELEMENT_TYPES, type);
}
