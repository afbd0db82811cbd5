import type { CrossbarImage, CrossbarMvm, MvmTile, Program, TensorDesc } from '@pimc/isa';
import { checkProgram, programError } from '../program-error.js';
import { makeMultiplier, type Multiplier } from '../fixed-point.js';
import { integerRange } from '../sim-tensor.js';
import { packBitplanes, type Bitplanes } from './column-sums.js';
import { deviceFactors, type NoiseOptions } from './noise.js';

/** A slice of a value: bits [shift, shift + width) (widths listed MSB first, as the program does). */
export interface Slice {
  readonly width: number;
  readonly shift: number;
  readonly mask: number;
}

/** One MvmTile with its cells decoded into the forms the inner loops read. */
export interface PreparedTile {
  readonly tile: MvmTile;
  readonly image: CrossbarImage;
  /** Columns the tile uses: channelCount × weight slices (channel-major, slice-minor). */
  readonly columns: number;
  /**
   * Signed cell value (positive − negative plane) of used (row, column) at `cells()[row·cellStride + column]`:
   * the image's own levels for single-ended cells (no copy), a compact Int16Array for differential ones,
   * built on first use (the WebAssembly layer reads the levels itself).
   */
  readonly cells: () => Uint8Array | Int16Array;
  readonly cellStride: number;
  /** The same with each device's conductance factor applied (device noise on), stride `columns`; else undefined. */
  readonly noisyCells: Float64Array | undefined;
  /**
   * The value a (row, channel) stores: Σ over its weight slices of 2^shift · cell, row-major
   * [rowCount × channelCount]. The column sums of all slices, shift-added, equal Σ_rows x·stored
   * whenever the ADC passes every sum unchanged, which is what the no-clip shortcut uses.
   */
  readonly stored: Int32Array;
  /** Largest positive and negative cell value in the tile (bounds a column sum before it is computed). */
  readonly maxPositive: number;
  readonly maxNegative: number;
  /**
   * Packed bit-planes of the cells for popcount column sums, when the encoding allows them (1-bit
   * input slices); built on first use, since tiles whose slices all fold never need them.
   */
  readonly bitplanes: (() => Bitplanes) | undefined;
  /**
   * Center+Offset: the center of each of the tile's channels (the cells hold w − center); the
   * digital unit adds center · Σ_rows x. Undefined: every center is 0.
   */
  readonly centers: Int16Array | undefined;
}

/** A crossbar-mvm checked against its program and decoded for execution. */
export interface PreparedMvm {
  readonly instruction: CrossbarMvm;
  readonly input: TensorDesc;
  readonly output: TensorDesc;
  readonly inC: number;
  readonly inH: number;
  readonly inW: number;
  readonly outM: number;
  readonly outP: number;
  readonly outQ: number;
  readonly kernelH: number;
  readonly kernelW: number;
  /** Channels per group on the input (C/g) and output (M/g) side, and the im2col depth K = C/g·R·S. */
  readonly groupChannels: number;
  readonly groupOutputs: number;
  readonly depth: number;
  readonly tilesByGroup: readonly (readonly PreparedTile[])[];
  readonly weightSlices: readonly Slice[];
  /** The input slices; under speculation, the 1-bit recovery slices. */
  readonly inputSlices: readonly Slice[];
  /** Speculative input slices (RAELLA, MSB first), or undefined: every input slice is converted. */
  readonly speculation: readonly Slice[] | undefined;
  /** Σ_k w[k, m] per output channel, from the true signed weights (center + what the cells hold). */
  readonly weightSums: Float64Array;
  /** 2 for signed inputs (positive pass, then negative pass), else 1. */
  readonly passes: 1 | 2;
  readonly adcMin: number;
  readonly adcMax: number;
  readonly multipliers: readonly Multiplier[];
  readonly noisy: boolean;
  /** Bits per cell of the chip (bit-planes per column). */
  readonly cellBits: number;
}

export interface PrepareOptions {
  readonly noise?: NoiseOptions | undefined;
}

/** Widths (MSB first) → slices with their shifts; they must add up to `bits`. */
export function slicesOf(widths: readonly number[], bits: number, what: string, instruction: CrossbarMvm): Slice[] {
  checkProgram(
    widths.length > 0 && widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 16),
    instruction,
    () => `${what} slices [${widths.join(', ')}] must be integers in [1, 16]`,
  );
  const total = widths.reduce((a, b) => a + b, 0);
  checkProgram(total === bits, instruction, () => `${what} slices [${widths.join(', ')}] add up to ${total} bits, not ${bits}`);
  let end = bits;
  return widths.map((width) => {
    end -= width;
    return { width, shift: end, mask: 2 ** width - 1 };
  });
}

/** Checks a crossbar-mvm against its program and decodes its tiles. */
export function prepareMvm(
  program: Program,
  instruction: CrossbarMvm,
  tensors: ReadonlyMap<number, TensorDesc>,
  crossbars: ReadonlyMap<number, CrossbarImage>,
  options: PrepareOptions,
  noiseCache: Map<number, Float64Array>,
): PreparedMvm {
  const fail = (message: string) => programError(instruction, message);
  const g = instruction.geometry;
  const input = tensors.get(instruction.input);
  const output = tensors.get(instruction.output);
  if (input === undefined || output === undefined) {
    throw fail(`reads tensor ${instruction.input} and writes ${instruction.output}, which the program does not declare`);
  }
  checkProgram(
    input.type === 'u8' || input.type === 'i8',
    instruction,
    () => `input '${input.name}' is ${input.type}, not u8/i8`,
  );
  checkProgram(
    output.type === 'u8' || output.type === 'i8',
    instruction,
    () => `output '${output.name}' is ${output.type}, not u8/i8`,
  );

  const [inC, inH, inW] = g.inShape;
  const [outM, outP, outQ] = g.outShape;
  const [kernelH, kernelW] = g.kernel;
  checkGeometry(instruction, input, output);
  const groupChannels = inC / g.groups;
  const groupOutputs = outM / g.groups;
  const depth = groupChannels * kernelH * kernelW;

  const weightSlices = slicesOf(instruction.weights.slices, 8, 'weight', instruction);
  const inputSlices = slicesOf(instruction.inputs.slices, instruction.inputs.bits, 'input', instruction);
  const speculation = speculativeSlices(instruction, inputSlices);
  const signedInput = input.type === 'i8';
  checkProgram(
    instruction.inputs.signed === signedInput && instruction.inputs.bits === 8,
    instruction,
    () =>
      `input encoding (bits ${instruction.inputs.bits}, signed ${instruction.inputs.signed}) does not match the ${input.type} input`,
  );
  const [zlo, zhi] = integerRange(input.type);
  checkProgram(
    Number.isInteger(instruction.inputs.zeroPoint) && instruction.inputs.zeroPoint >= zlo && instruction.inputs.zeroPoint <= zhi,
    instruction,
    () => `input zero point ${instruction.inputs.zeroPoint} is not a ${input.type} value`,
  );
  checkScheme(instruction);
  const { adcMin, adcMax } = adcRange(instruction);
  const multipliers = checkRequantization(instruction, outM, output);

  const bitsPerCell = program.chip.tiles.macro?.crossbar.bitsPerCell ?? 8;
  checkProgram(
    weightSlices.every((s) => s.width <= bitsPerCell),
    instruction,
    () => `weight slices [${instruction.weights.slices.join(', ')}] are wider than the chip's ${bitsPerCell}-bit cells`,
  );
  const useBitplanes = inputSlices.every((s) => s.width === 1);
  const tilesByGroup: PreparedTile[][] = Array.from({ length: g.groups }, () => []);
  const coverage = Array.from({ length: g.groups }, () => new Uint8Array(depth * groupOutputs));
  const weightSums = new Float64Array(outM);
  const checkedImages = new Set<number>();
  for (const tile of instruction.tiles) {
    const image = crossbars.get(tile.crossbar);
    if (image === undefined) throw fail(`tile uses crossbar ${tile.crossbar}, which the program does not hold`);
    checkTile(instruction, tile, image, depth, groupOutputs, weightSlices.length);
    checkLevels(instruction, image, bitsPerCell, checkedImages);
    const prepared = decodeTile(tile, image, weightSlices, useBitplanes, options.noise, noiseCache, bitsPerCell);
    tilesByGroup[tile.group]!.push(prepared);
    markCoverage(instruction, tile, coverage[tile.group]!, depth);
    const offset = instruction.weights.offset;
    const first = tile.group * groupOutputs + tile.channelStart;
    const stored = prepared.stored;
    const centers = prepared.centers;
    for (let r = 0, at = 0; r < tile.rowCount; r++) {
      for (let ch = 0; ch < tile.channelCount; ch++, at++) {
        weightSums[first + ch]! += stored[at]! - offset + (centers === undefined ? 0 : centers[ch]!);
      }
    }
  }
  coverage.forEach((cells, group) => {
    const missing = cells.indexOf(0);
    if (missing >= 0) {
      throw fail(
        `the tiles of group ${group} leave weight (row ${Math.floor(missing / groupOutputs)}, channel ${missing % groupOutputs}) unmapped`,
      );
    }
  });
  return {
    instruction,
    input,
    output,
    inC,
    inH,
    inW,
    outM,
    outP,
    outQ,
    kernelH,
    kernelW,
    groupChannels,
    groupOutputs,
    depth,
    tilesByGroup,
    weightSlices,
    inputSlices,
    speculation,
    weightSums,
    passes: signedInput ? 2 : 1,
    adcMin,
    adcMax,
    multipliers,
    noisy: options.noise !== undefined && options.noise.sigma > 0,
    cellBits: bitsPerCell,
  };
}

/** The output size a window of this geometry produces, and everything else the shapes must agree on. */
function checkGeometry(instruction: CrossbarMvm, input: TensorDesc, output: TensorDesc): void {
  const g = instruction.geometry;
  const positive = (v: readonly number[]) => v.every((x) => Number.isInteger(x) && x >= 1);
  const [inC, inH, inW] = g.inShape;
  const [outM, outP, outQ] = g.outShape;
  checkProgram(
    positive(g.inShape) && positive(g.outShape) && positive(g.kernel) && positive(g.strides) && positive(g.dilations),
    instruction,
    () => 'geometry sizes, kernel, strides and dilations must be positive integers',
  );
  checkProgram(
    g.pads.every((p) => Number.isInteger(p) && p >= 0),
    instruction,
    () => `pads [${g.pads.join(', ')}] must be integers ≥ 0`,
  );
  checkProgram(
    Number.isInteger(g.groups) && g.groups >= 1 && inC % g.groups === 0 && outM % g.groups === 0,
    instruction,
    () => `${inC} input and ${outM} output channels do not divide into ${g.groups} groups`,
  );
  const size = (n: number, k: number, s: number, d: number, p0: number, p1: number) =>
    Math.floor((n + p0 + p1 - ((k - 1) * d + 1)) / s) + 1;
  const p = size(inH, g.kernel[0], g.strides[0], g.dilations[0], g.pads[0], g.pads[2]);
  const q = size(inW, g.kernel[1], g.strides[1], g.dilations[1], g.pads[1], g.pads[3]);
  checkProgram(
    p === outP && q === outQ,
    instruction,
    () => `a ${g.kernel.join('×')} window over [${g.inShape.join(', ')}] gives ${p}×${q} positions, not ${outP}×${outQ}`,
  );
  const perImage = (d: TensorDesc) => d.shape.slice(1).reduce((a, b) => a * b, 1);
  checkProgram(
    perImage(input) === inC * inH * inW && perImage(output) === outM * outP * outQ,
    instruction,
    () =>
      `tensors '${input.name}' [${input.shape.join(', ')}] and '${output.name}' [${output.shape.join(', ')}] do not hold ` +
      `[${g.inShape.join(', ')}] and [${g.outShape.join(', ')}] per image`,
  );
}

/** The speculative slices, if any: they cover the input bits, and the recovery slices are all 1-bit. */
function speculativeSlices(instruction: CrossbarMvm, inputSlices: readonly Slice[]): Slice[] | undefined {
  const speculation = instruction.inputs.speculation;
  if (speculation === undefined) return undefined;
  checkProgram(
    inputSlices.every((s) => s.width === 1),
    instruction,
    () => `speculates, so its recovery input slices must be 1-bit, not [${instruction.inputs.slices.join(', ')}]`,
  );
  return slicesOf(speculation.slices, instruction.inputs.bits, 'speculative input', instruction);
}

function checkScheme(instruction: CrossbarMvm): void {
  const w = instruction.weights;
  if (w.scheme === 'offset') {
    checkProgram(
      Number.isInteger(w.offset) && w.offset >= 0,
      instruction,
      () => `weight offset ${w.offset} must be an integer ≥ 0`,
    );
  } else {
    checkProgram(w.offset === 0, instruction, () => `differential weights take no offset (got ${w.offset})`);
  }
}

/** The ADC's code range. */
function adcRange(instruction: CrossbarMvm): { adcMin: number; adcMax: number } {
  const { bits, signed, lsb } = instruction.adc;
  checkProgram(Number.isInteger(bits) && bits >= 1 && bits <= 24, instruction, () => `ADC bits ${bits} must be in [1, 24]`);
  checkProgram(Number.isFinite(lsb) && lsb > 0, instruction, () => `ADC lsb ${lsb} must be a positive number`);
  return signed ? { adcMin: -(2 ** (bits - 1)), adcMax: 2 ** (bits - 1) - 1 } : { adcMin: 0, adcMax: 2 ** bits - 1 };
}

function checkRequantization(instruction: CrossbarMvm, channels: number, output: TensorDesc): Multiplier[] {
  const { bias, multiplier, shift } = instruction;
  checkProgram(
    bias.length === channels && multiplier.length === channels && shift.length === channels,
    instruction,
    () => `bias, multiplier and shift need ${channels} values each, got ${bias.length}, ${multiplier.length}, ${shift.length}`,
  );
  const [lo, hi] = integerRange(output.type === 'i8' ? 'i8' : 'u8');
  checkProgram(
    Number.isInteger(instruction.outputZeroPoint) && instruction.outputZeroPoint >= lo && instruction.outputZeroPoint <= hi,
    instruction,
    () => `output zero point ${instruction.outputZeroPoint} is not a ${output.type} value`,
  );
  checkProgram(
    instruction.clampMin >= lo && instruction.clampMax <= hi && instruction.clampMin <= instruction.clampMax,
    instruction,
    () => `clamp [${instruction.clampMin}, ${instruction.clampMax}] is not inside the ${output.type} range`,
  );
  return Array.from(multiplier, (m, i) => {
    const s = shift[i]!;
    checkProgram(
      m >= 0 && m < 2 ** 24 && s >= 0 && s <= 63,
      instruction,
      () => `channel ${i}: multiplier ${m} must be in [0, 2^24) and shift ${s} in [0, 63]`,
    );
    return makeMultiplier(m, s);
  });
}

function checkTile(
  instruction: CrossbarMvm,
  tile: MvmTile,
  image: CrossbarImage,
  depth: number,
  groupOutputs: number,
  slices: number,
): void {
  const where = `tile on crossbar ${tile.crossbar}`;
  checkProgram(
    Number.isInteger(tile.group) && tile.group >= 0 && tile.group < instruction.geometry.groups,
    instruction,
    () => `${where}: group ${tile.group} does not exist`,
  );
  checkProgram(
    tile.rowCount >= 1 && tile.rowStart >= 0 && tile.rowStart + tile.rowCount <= depth && tile.rowCount <= image.rows,
    instruction,
    () => `${where}: rows [${tile.rowStart}, +${tile.rowCount}) do not fit K = ${depth} and ${image.rows} crossbar rows`,
  );
  checkProgram(
    tile.channelCount >= 1 &&
      tile.channelStart >= 0 &&
      tile.channelStart + tile.channelCount <= groupOutputs &&
      tile.channelCount * slices <= image.columns,
    instruction,
    () =>
      `${where}: channels [${tile.channelStart}, +${tile.channelCount}) × ${slices} slices do not fit ` +
      `${groupOutputs} channels per group and ${image.columns} crossbar columns`,
  );
  const cells = image.rows * image.columns;
  checkProgram(
    image.levels.length === cells || image.levels.length === 2 * cells,
    instruction,
    () => `crossbar ${image.id} holds ${image.levels.length} levels for ${image.rows}×${image.columns} cells`,
  );
  checkProgram(
    instruction.weights.scheme !== 'differential' || image.levels.length === 2 * cells,
    instruction,
    () => `differential weights need crossbar ${image.id} to hold two planes`,
  );
  if (tile.centers !== undefined) {
    checkProgram(
      instruction.weights.scheme === 'differential',
      instruction,
      () => `${where}: centers (Center+Offset) need differential weights, not '${instruction.weights.scheme}'`,
    );
    checkProgram(
      tile.centers.length === tile.channelCount,
      instruction,
      () => `${where}: ${tile.centers!.length} centers for ${tile.channelCount} channels`,
    );
  }
}

/** Every level of a crossbar image fits the chip's cells (checked once per image). */
function checkLevels(instruction: CrossbarMvm, image: CrossbarImage, bitsPerCell: number, checked: Set<number>): void {
  if (checked.has(image.id)) return;
  checked.add(image.id);
  const top = 2 ** bitsPerCell;
  const levels = image.levels;
  // OR of all levels first (a level too large sets a bit at or above bitsPerCell), four at a time
  // when the bytes are aligned; look for the culprit only then.
  let any = 0;
  let i = 0;
  if (levels.byteOffset % 4 === 0) {
    const words = new Uint32Array(levels.buffer, levels.byteOffset, levels.length >>> 2);
    for (let w = 0; w < words.length; w++) any |= words[w]!;
    any = (any | (any >>> 8) | (any >>> 16) | (any >>> 24)) & 0xff;
    i = words.length * 4;
  }
  for (; i < levels.length; i++) any |= levels[i]!;
  if (any < top) return;
  for (let i = 0; i < levels.length; i++) {
    if (levels[i]! >= top) {
      throw programError(
        instruction,
        `crossbar ${image.id}: level ${levels[i]} at cell ${i} does not fit a ${bitsPerCell}-bit cell`,
      );
    }
  }
}

function markCoverage(instruction: CrossbarMvm, tile: MvmTile, cells: Uint8Array, depth: number): void {
  const groupOutputs = cells.length / depth;
  for (let r = tile.rowStart; r < tile.rowStart + tile.rowCount; r++) {
    const [start, end] = [r * groupOutputs + tile.channelStart, r * groupOutputs + tile.channelStart + tile.channelCount];
    let seen = 0;
    for (let i = start; i < end; i++) seen |= cells[i]!;
    if (seen !== 0) {
      const ch = cells.subarray(start, end).indexOf(1) + tile.channelStart;
      throw programError(instruction, `weight (row ${r}, channel ${ch}) of group ${tile.group} is mapped by two tiles`);
    }
    cells.fill(1, start, end);
  }
}

/** The differential image's used cells, positive − negative plane, rows × `columns`. */
function differentialCells(image: CrossbarImage, rows: number, columns: number): Int16Array {
  const plane = image.rows * image.columns;
  const levels = image.levels;
  const cells = new Int16Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    const at = r * image.columns;
    for (let c = 0; c < columns; c++) cells[r * columns + c] = levels[at + c]! - levels[plane + at + c]!;
  }
  return cells;
}

/** The largest of levels[at, at + count). */
function rowMaximum(levels: Uint8Array, at: number, count: number): number {
  let top = 0;
  for (let i = at; i < at + count; i++) if (levels[i]! > top) top = levels[i]!;
  return top;
}

function decodeTile(
  tile: MvmTile,
  image: CrossbarImage,
  slices: readonly Slice[],
  useBitplanes: boolean,
  noise: NoiseOptions | undefined,
  noiseCache: Map<number, Float64Array>,
  bitsPerCell: number,
): PreparedTile {
  const n = slices.length;
  const columns = tile.channelCount * n;
  const plane = image.rows * image.columns;
  const differential = image.levels.length === 2 * plane;
  const levels = image.levels;
  // Column ch·n + i holds slice i of channel ch: its weight in the stored value is 2^shift_i.
  const weightOf = Int32Array.from(slices, (s) => 2 ** s.shift);
  let signedCells: Int16Array | undefined;
  const cells = differential ? () => (signedCells ??= differentialCells(image, tile.rowCount, columns)) : () => levels;
  const cellStride = differential ? columns : image.columns;
  const stored = new Int32Array(tile.rowCount * tile.channelCount);
  let maxPositive = 0;
  let maxNegative = 0;
  for (let r = 0; r < tile.rowCount; r++) {
    let at = r * image.columns;
    let out = r * tile.channelCount;
    if (differential) {
      for (let ch = 0; ch < tile.channelCount; ch++, at += n) {
        let value = 0;
        for (let i = 0; i < n; i++) {
          const v = levels[at + i]! - levels[plane + at + i]!;
          if (v > maxPositive) maxPositive = v;
          else if (-v > maxNegative) maxNegative = -v;
          value += v * weightOf[i]!;
        }
        stored[out++] = value;
      }
    } else {
      // Levels are never negative: only the largest matters.
      let top = 0;
      for (let ch = 0; ch < tile.channelCount; ch++, at += n) {
        let value = 0;
        for (let i = 0; i < n; i++) {
          const v = levels[at + i]!;
          top |= v;
          value += v * weightOf[i]!;
        }
        stored[out++] = value;
      }
      // `top` ORs the levels: its highest bit bounds them; find the true maximum only when needed.
      if (top > maxPositive) maxPositive = Math.max(maxPositive, rowMaximum(levels, r * image.columns, columns));
    }
  }
  let noisyCells: Float64Array | undefined;
  if (noise !== undefined && noise.sigma > 0) {
    let factors = noiseCache.get(image.id);
    if (factors === undefined) noiseCache.set(image.id, (factors = deviceFactors(image, noise)));
    noisyCells = new Float64Array(tile.rowCount * columns);
    for (let r = 0; r < tile.rowCount; r++) {
      for (let c = 0; c < columns; c++) {
        const at = r * image.columns + c;
        const pos = levels[at]! * factors[at]!;
        noisyCells[r * columns + c] = differential ? pos - levels[plane + at]! * factors[plane + at]! : pos;
      }
    }
  }
  let packed: Bitplanes | undefined;
  const bitplanes = useBitplanes
    ? () => (packed ??= packBitplanes(image, tile.rowCount, columns, differential, bitsPerCell))
    : undefined;
  const centers = tile.centers;
  return { tile, image, columns, cells, cellStride, noisyCells, stored, maxPositive, maxNegative, bitplanes, centers };
}
