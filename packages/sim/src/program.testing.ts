import { getPreset, validateChip, type Chip } from '@pimc/arch';
import {
  PIMB_FORMAT_VERSION,
  type CrossbarImage,
  type CrossbarMvm,
  type DigitalOp,
  type Program,
  type TensorDesc,
} from '@pimc/isa';

/*
 * Hand-built programs for the simulator's own tests (no compiler involved): one fully connected
 * layer on one crossbar, weights encoded here the way docs/lowering.md defines it.
 */

export function isaacWithAdc(bits: number): Chip {
  return bits === 8
    ? getPreset('isaac')
    : validateChip({ extends: 'isaac', name: `isaac-adc${bits}`, tiles: { macro: { adc: { bits } } } });
}

/** A 2T2R chip with 4-bit cells, 4-bit DAC and a signed ADC of `bits`, small arrays. */
export function differentialChip(bits: number): Chip {
  return validateChip({
    extends: 'raella',
    name: `raella-16x16-adc${bits}`,
    tiles: { macro: { adc: { bits }, crossbar: { rows: 16, columns: 16 } } },
  });
}

export interface GemmSpec {
  readonly chip: Chip;
  /** Weights [M][K], int8. */
  readonly weights: readonly (readonly number[])[];
  readonly inputType?: 'u8' | 'i8';
  readonly zeroPoint?: number;
  readonly bias?: readonly number[];
  readonly multiplier?: number;
  readonly shift?: number;
  readonly outputType?: 'u8' | 'i8';
  readonly outputZeroPoint?: number;
  readonly batch?: number;
  /** Center+Offset (differential chips): one center per channel; the cells hold w − center. */
  readonly centers?: readonly number[];
  /** Speculative input slices (the recovery slices are then 1-bit). */
  readonly speculation?: readonly number[];
  /** Weight slices (default: the chip's cells, narrowest first). */
  readonly weightSlices?: readonly number[];
  /** The program's ADC resolution (default the chip's). */
  readonly adcBits?: number;
}

/** Offset binary or sign-magnitude cells of one weight (or offset from its center), MSB slice first. */
export function cellsOf(
  w: number,
  scheme: 'offset' | 'differential',
  widths: readonly number[],
): { pos: number[]; neg: number[] } {
  const split = (v: number) => {
    let end = 8;
    return widths.map((width) => {
      end -= width;
      return (v >> end) & ((1 << width) - 1);
    });
  };
  if (scheme === 'offset') return { pos: split(w + 128), neg: widths.map(() => 0) };
  return { pos: split(Math.max(w, 0)), neg: split(Math.max(-w, 0)) };
}

export function widthsOf(bits: number, cell: number): number[] {
  const n = Math.ceil(bits / cell);
  return Array.from({ length: n }, (_, i) => (i === 0 ? bits - cell * (n - 1) : cell));
}

/** A one-layer program: `y = requant(Σ_k (x_k − zp)·W[m][k] + bias[m])`, K ≤ rows, M·slices ≤ columns. */
export function gemmProgram(spec: GemmSpec): Program {
  const chip = spec.chip;
  const macro = chip.tiles.macro!;
  const { rows, columns, bitsPerCell } = macro.crossbar;
  const differential = macro.crossbar.cell === 'differential-2t2r';
  const scheme = differential ? 'differential' : 'offset';
  const slices = spec.weightSlices ?? widthsOf(8, bitsPerCell);
  const m = spec.weights.length;
  const k = spec.weights[0]!.length;
  const planes = differential ? 2 : 1;
  const levels = new Uint8Array(rows * columns * planes);
  spec.weights.forEach((row, ch) =>
    row.forEach((w, r) => {
      const { pos, neg } = cellsOf(w - (spec.centers?.[ch] ?? 0), scheme, slices);
      pos.forEach((l, s) => (levels[r * columns + ch * slices.length + s] = l));
      if (differential) neg.forEach((l, s) => (levels[rows * columns + r * columns + ch * slices.length + s] = l));
    }),
  );
  const batch = spec.batch ?? 1;
  const inputType = spec.inputType ?? 'u8';
  const outputType = spec.outputType ?? 'u8';
  const tensors: TensorDesc[] = [
    { id: 0, name: 'x', type: inputType, shape: [batch, k], scale: 1, zeroPoint: spec.zeroPoint ?? 0 },
    { id: 1, name: 'y', type: outputType, shape: [batch, m], scale: 1, zeroPoint: spec.outputZeroPoint ?? 0 },
  ];
  const crossbar: CrossbarImage = { id: 0, tile: 0, macro: 0, index: 0, rows, columns, levels };
  const mvm: CrossbarMvm = {
    op: 'crossbar-mvm',
    name: 'fc',
    input: 0,
    output: 1,
    geometry: {
      inShape: [k, 1, 1],
      outShape: [m, 1, 1],
      kernel: [1, 1],
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      groups: 1,
    },
    weights: { scheme, offset: scheme === 'offset' ? 128 : 0, slices },
    inputs: {
      zeroPoint: spec.zeroPoint ?? 0,
      slices: spec.speculation === undefined ? widthsOf(8, macro.dac.bits) : new Array<number>(8).fill(1),
      bits: 8,
      signed: inputType === 'i8',
      ...(spec.speculation === undefined ? {} : { speculation: { slices: spec.speculation } }),
    },
    adc: { bits: spec.adcBits ?? macro.adc.bits, signed: macro.adc.signed, lsb: 1 },
    tiles: [
      {
        group: 0,
        rowStart: 0,
        rowCount: k,
        channelStart: 0,
        channelCount: m,
        crossbar: 0,
        ...(spec.centers === undefined ? {} : { centers: Int16Array.from(spec.centers) }),
      },
    ],
    bias: Int32Array.from(spec.bias ?? new Array<number>(m).fill(0)),
    multiplier: new Int32Array(m).fill(spec.multiplier ?? 2 ** 23),
    shift: new Int32Array(m).fill(spec.shift ?? 23),
    outputZeroPoint: spec.outputZeroPoint ?? 0,
    clampMin: outputType === 'u8' ? 0 : -128,
    clampMax: outputType === 'u8' ? 255 : 127,
  };
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip,
    tensors,
    crossbars: [crossbar],
    instructions: [mvm],
    inputs: [0],
    outputs: [1],
    metadata: { source: 'hand-built test program' },
  };
}

/** A program of one digital op from `in` tensors to one result. */
export function digitalProgram(
  chip: Chip,
  kind: DigitalOp['kind'],
  attrs: DigitalOp['attrs'],
  inputs: readonly Omit<TensorDesc, 'id'>[],
  output: Omit<TensorDesc, 'id'>,
): Program {
  const tensors = [...inputs, output].map((t, id) => ({ ...t, id }));
  const op: DigitalOp = {
    op: 'digital',
    name: kind,
    kind,
    inputs: inputs.map((_, i) => i),
    outputs: [inputs.length],
    attrs,
  };
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip,
    tensors,
    crossbars: [],
    instructions: [op],
    inputs: inputs.map((_, i) => i),
    outputs: [inputs.length],
    metadata: {},
  };
}
