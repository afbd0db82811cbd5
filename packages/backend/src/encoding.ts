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
export function weightEncoding(chip: Chip, scheme: WeightScheme | undefined): WeightEncoding {
  const xb = requireMacro(chip, 'crossbar lowering').crossbar;
  const chosen = scheme ?? (xb.cell === 'differential-2t2r' ? 'differential' : 'offset');
  if (chosen === 'differential' && xb.cell !== 'differential-2t2r') {
    throw new PimcError(
      'invalid-chip',
      `differential weights need 2T2R cells, but chip '${chip.name}' has ${xb.cell} cells (tiles.macro.crossbar.cell)`,
    );
  }
  return {
    scheme: chosen,
    offset: chosen === 'offset' ? INT8_OFFSET : 0,
    slices: sliceWidths(WEIGHT_BITS, xb.bitsPerCell),
  };
}

/** Inputs fed as their stored codes, bit-serially by the chip's DAC bits. */
export function inputEncoding(chip: Chip, zeroPoint: number, signed: boolean): InputEncoding {
  const dac = requireMacro(chip, 'crossbar lowering').dac;
  return { zeroPoint, slices: sliceWidths(INPUT_BITS, dac.bits), bits: INPUT_BITS, signed };
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
