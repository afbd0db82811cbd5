import { requireMacro, type Chip } from '@pimc/arch';
import type { AdcSpec, InputEncoding, WeightEncoding } from '@pimc/isa';
import { PimcError } from '@pimc/support';

/** Bits of a weight and of an activation code. */
export const WEIGHT_BITS = 8;
export const INPUT_BITS = 8;
/** Offset-binary bias of an int8 weight: w + 128 is a u8 (algorithms.md §1.2). */
export const INT8_OFFSET = 128;

export type WeightScheme = WeightEncoding['scheme'];

/**
 * `bits` cut into slices of at most `width` bits, most significant first; the narrower remainder
 * (if any) is the most significant slice: 8 bits by 2 → [2, 2, 2, 2], by 3 → [2, 3, 3].
 */
export function sliceWidths(bits: number, width: number): number[] {
  if (!Number.isInteger(width) || width < 1) {
    throw new PimcError('invalid-chip', `a slice width must be a positive integer, got ${width}`);
  }
  const n = Math.ceil(bits / width);
  return Array.from({ length: n }, (_, i) => (i === 0 ? bits - width * (n - 1) : width));
}

/**
 * How weights are stored on this chip: single-ended cells hold offset binary (w + 128, the
 * offset·Σx term removed digitally); differential (2T2R) cells hold |w| on the positive or negative
 * device. 8-bit magnitudes either way (|−128| needs all 8), sliced by the chip's bits per cell.
 */
export function weightEncoding(chip: Chip, scheme: WeightScheme | undefined, slices: readonly number[] = []): WeightEncoding {
  const xb = requireMacro(chip, 'crossbar lowering').crossbar;
  const chosen = scheme ?? (xb.cell === 'differential-2t2r' ? 'differential' : 'offset');
  if (chosen === 'differential' && xb.cell !== 'differential-2t2r') {
    throw new PimcError(
      'invalid-chip',
      `differential weights need 2T2R cells, but chip '${chip.name}' has ${xb.cell} cells (tiles.macro.crossbar.cell)`,
    );
  }
  const wide = slices.find((width) => width > xb.bitsPerCell);
  if (wide !== undefined) {
    throw new PimcError(
      'invalid-chip',
      `a ${wide}-bit weight slice needs ${wide}-bit cells, but chip '${chip.name}' stores ${xb.bitsPerCell} bits per cell (tiles.macro.crossbar.bitsPerCell)`,
      { notes: ['slice the weights for this chip: raella-slice{maxBitsPerCell=…} or compile again for it'] },
    );
  }
  return {
    scheme: chosen,
    offset: chosen === 'offset' ? INT8_OFFSET : 0,
    slices: slices.length > 0 ? [...slices] : sliceWidths(WEIGHT_BITS, xb.bitsPerCell),
  };
}

/**
 * Inputs fed as their stored codes, bit-serially by the chip's DAC bits; or, with `speculation`
 * (RAELLA), as the speculative slices with 1-bit recovery slices, each no wider than the DAC.
 */
export function inputEncoding(
  chip: Chip,
  zeroPoint: number,
  signed: boolean,
  speculation: readonly number[] = [],
): InputEncoding {
  const dac = requireMacro(chip, 'crossbar lowering').dac;
  if (speculation.length === 0) return { zeroPoint, slices: sliceWidths(INPUT_BITS, dac.bits), bits: INPUT_BITS, signed };
  const wide = speculation.find((width) => width > dac.bits);
  if (wide !== undefined) {
    throw new PimcError(
      'invalid-chip',
      `a ${wide}-bit speculative input slice needs a ${wide}-bit DAC, but chip '${chip.name}' has ${dac.bits}-bit DACs (tiles.macro.dac.bits)`,
    );
  }
  return { zeroPoint, slices: sliceWidths(INPUT_BITS, 1), bits: INPUT_BITS, signed, speculation: { slices: [...speculation] } };
}

/** The chip's ADC; `lsb` > 1 models a full-range ADC that drops low bits (algorithms.md §3.5). */
export function adcSpec(chip: Chip, lsb = 1): AdcSpec {
  const adc = requireMacro(chip, 'crossbar lowering').adc;
  if (!(Number.isFinite(lsb) && lsb > 0)) throw new PimcError('invalid-input', `ADC lsb must be a positive number, got ${lsb}`);
  return { bits: adc.bits, signed: adc.signed, lsb };
}

/**
 * The cell levels of every int8 weight, slice by slice (MSB first): `positive[(w + 128)·n + s]` and
 * `negative[…]` for n slices. Offset binary puts w + offset on the positive plane (the negative
 * plane stays 0); differential puts |w| on the plane of its sign. A table, because a layer writes
 * millions of weights and only 256 values exist.
 */
export interface CellTable {
  readonly slices: number;
  readonly positive: Uint8Array;
  readonly negative: Uint8Array;
}

export function cellTable(encoding: WeightEncoding): CellTable {
  const n = encoding.slices.length;
  const positive = new Uint8Array(256 * n);
  const negative = new Uint8Array(256 * n);
  const write = (value: number, plane: Uint8Array, at: number) => {
    let end = WEIGHT_BITS;
    encoding.slices.forEach((width, s) => {
      end -= width;
      plane[at + s] = (value >>> end) & (2 ** width - 1);
    });
  };
  for (let w = -128; w < 128; w++) {
    const at = (w + 128) * n;
    if (encoding.scheme === 'offset') write(w + encoding.offset, positive, at);
    else if (w >= 0) write(w, positive, at);
    else write(-w, negative, at);
  }
  return { slices: n, positive, negative };
}

/** Largest magnitude a stored Center+Offset value can have: w − center with both int8. */
export const MAX_STORED_MAGNITUDE = 255;

/**
 * Differential cells of every stored signed value v ∈ [−255, 255] (sign-magnitude: |v| sliced MSB
 * first onto the device of v's sign): `positive[(v + 255)·n + s]`, `negative[…]`. Center+Offset
 * stores w − center, which needs the full 8-bit magnitude on each side.
 */
export function magnitudeCellTable(slices: readonly number[]): CellTable {
  const n = slices.length;
  const size = 2 * MAX_STORED_MAGNITUDE + 1;
  const positive = new Uint8Array(size * n);
  const negative = new Uint8Array(size * n);
  for (let v = -MAX_STORED_MAGNITUDE; v <= MAX_STORED_MAGNITUDE; v++) {
    const plane = v >= 0 ? positive : negative;
    const magnitude = Math.abs(v);
    let end = WEIGHT_BITS;
    slices.forEach((width, s) => {
      end -= width;
      plane[(v + MAX_STORED_MAGNITUDE) * n + s] = (magnitude >>> end) & (2 ** width - 1);
    });
  }
  return { slices: n, positive, negative };
}
