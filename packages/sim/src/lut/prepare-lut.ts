import type { CamTable, Instruction, LutMvm, TensorDesc } from '@pimc/isa';
import { checkProgram, programError } from '../program-error.js';
import { sizeOf } from '../sim-tensor.js';
import { CamSearch } from './cam-search.js';

/** Most clusters a codebook (a u8 index) can name. */
const MAX_CLUSTERS = 256;
/** Taps per output whose sum of int32 entries is certainly exact in a double (K · 2^31 < 2^53). */
const MAX_EXACT_DEPTH = 2 ** 21;

/** A lut-mvm checked against its program and turned into the tables its inner loop reads. */
export interface PreparedLut {
  readonly instruction: LutMvm;
  readonly input: TensorDesc;
  readonly output: TensorDesc;
  readonly inC: number;
  readonly inH: number;
  readonly inW: number;
  readonly outM: number;
  readonly outP: number;
  readonly outQ: number;
  readonly groupChannels: number;
  readonly groupOutputs: number;
  /** im2col rows of a group: K = C/g·R·S. */
  readonly depth: number;
  readonly kU: number;
  /**
   * The product tables with one extra zero column per row (input index kU, which padding taps
   * read, so they add nothing without a branch): [tables][kW][kU + 1].
   */
  readonly table: Int32Array;
  /** Offset in `table` of the row of (output channel m, im2col row k): [M][K]. */
  readonly rowBase: Int32Array;
  /**
   * Per group, its output channels in classes of equal `rowBase` rows (the same table entries for
   * every tap, so the same sums before the bias): each class is summed once.
   */
  readonly rowClasses: readonly (readonly (readonly number[])[])[];
  readonly bias: Int32Array;
  readonly activation: { readonly keyShift: number; readonly cam: CamSearch } | undefined;
}

/** Checks a lut-mvm against its program (the simulator trusts nothing it reads) and prepares it. */
export function prepareLut(instruction: LutMvm, tensors: ReadonlyMap<number, TensorDesc>): PreparedLut {
  const check = (condition: boolean, message: () => string): void => checkProgram(condition, instruction, message);
  const input = tensors.get(instruction.input);
  const output = tensors.get(instruction.output);
  if (input === undefined || output === undefined) {
    throw programError(
      instruction,
      `reads tensor ${instruction.input} and writes ${instruction.output}, which the program does not declare`,
    );
  }
  const { kW, kU } = instruction;
  check(
    [kW, kU].every((k) => Number.isInteger(k) && k >= 1 && k <= MAX_CLUSTERS),
    () => `kW ${kW} and kU ${kU} must be integers in 1..${MAX_CLUSTERS}`,
  );
  check(
    input.type === 'u8' && input.codebook?.length === kU,
    () => `input '${input.name}' must be a u8 index tensor with a codebook of kU = ${kU} clusters`,
  );
  const g = instruction.geometry;
  checkLutGeometry(instruction, input, output);
  const [inC, inH, inW] = g.inShape;
  const [outM, outP, outQ] = g.outShape;
  const groupChannels = inC / g.groups;
  const groupOutputs = outM / g.groups;
  const depth = groupChannels * g.kernel[0] * g.kernel[1];
  check(depth <= MAX_EXACT_DEPTH, () => `im2col depth ${depth} exceeds ${MAX_EXACT_DEPTH}, beyond exact accumulation`);

  const indices = instruction.weightIndices;
  check(indices.length === outM * depth, () => `has ${indices.length} weight indices, expected ${outM} channels × ${depth} rows`);
  const badIndex = indices.findIndex((v) => v >= kW);
  check(badIndex < 0, () => `weight index ${indices[badIndex]} at ${badIndex} is not below kW = ${kW}`);
  const entries = kW * kU;
  const lut = instruction.lut;
  check(
    lut.length === entries || lut.length === outM * entries,
    () => `has ${lut.length} LUT entries, expected ${entries} (one table) or ${outM * entries} (one per channel)`,
  );
  const bits = instruction.lutBits;
  check(Number.isInteger(bits) && bits >= 1 && bits <= 32, () => `lutBits ${bits} must be an integer in 1..32`);
  const limit = 2 ** (bits - 1);
  const badEntry = lut.findIndex((v) => v < -limit || v >= limit);
  check(badEntry < 0, () => `LUT entry ${badEntry} (${lut[badEntry]}) is outside the signed ${bits}-bit range`);
  check(
    Number.isFinite(instruction.lutScale) && instruction.lutScale > 0,
    () => `LUT scale ${instruction.lutScale} must be finite and positive`,
  );
  check(instruction.bias.length === outM, () => `has ${instruction.bias.length} bias values for ${outM} output channels`);
  check(instruction.blocks.length > 0, () => 'runs on no RNA block');

  const activation = instruction.activation;
  if (activation === undefined) {
    check(output.type === 'f32', () => `has no activation, so its result '${output.name}' must be f32, not ${output.type}`);
  } else {
    const s = activation.keyShift;
    check(Number.isInteger(s) && s >= 0 && s <= 52, () => `activation key shift ${s} must be an integer in 0..52`);
    checkCamTable(activation.cam, output, instruction);
  }

  const stride = kU + 1;
  const tables = lut.length / entries;
  const table = new Int32Array(tables * kW * stride);
  for (let row = 0; row < tables * kW; row++) table.set(lut.subarray(row * kU, (row + 1) * kU), row * stride);
  const rowBase = new Int32Array(outM * depth);
  for (let m = 0; m < outM; m++) {
    const first = (tables === 1 ? 0 : m) * kW;
    for (let k = 0; k < depth; k++) rowBase[m * depth + k] = (first + indices[m * depth + k]!) * stride;
  }
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
    groupChannels,
    groupOutputs,
    depth,
    kU,
    table,
    rowBase,
    rowClasses: Array.from({ length: g.groups }, (_, group) => rowClassesOf(rowBase, depth, group * groupOutputs, groupOutputs)),
    bias: instruction.bias,
    activation: activation === undefined ? undefined : { keyShift: activation.keyShift, cam: new CamSearch(activation.cam) },
  };
}

/**
 * A CAM table against the index tensor it encodes into: key and compared bits in range, as many
 * values as keys (at least one), keys sorted and inside the signed key range, values naming clusters
 * of the output's codebook.
 */
export function checkCamTable(cam: CamTable, output: TensorDesc, instruction: Instruction): void {
  const check = (condition: boolean, message: () => string): void => checkProgram(condition, instruction, message);
  const clusters = output.codebook?.length;
  check(
    output.type === 'u8' && clusters !== undefined,
    () => `result '${output.name}' must be a u8 index tensor with a codebook`,
  );
  const { keys, values, keyBits, camBits } = cam;
  check(Number.isInteger(keyBits) && keyBits >= 1 && keyBits <= 32, () => `CAM key bits ${keyBits} must be in 1..32`);
  check(
    Number.isInteger(camBits) && camBits >= 1 && camBits <= keyBits,
    () => `CAM compared bits ${camBits} must be in 1..${keyBits}`,
  );
  check(keys.length >= 1 && values.length === keys.length, () => `CAM has ${keys.length} keys and ${values.length} values`);
  const lo = -(2 ** (keyBits - 1));
  const hi = 2 ** (keyBits - 1) - 1;
  for (let i = 0; i < keys.length; i++) {
    check(keys[i]! >= lo && keys[i]! <= hi, () => `CAM key ${i} (${keys[i]}) is outside the signed ${keyBits}-bit range`);
    check(i === 0 || keys[i]! >= keys[i - 1]!, () => `CAM keys are not sorted at entry ${i}`);
    check(
      values[i]! < clusters!,
      () => `CAM entry ${i} returns cluster ${values[i]}, beyond the ${clusters} of '${output.name}'`,
    );
  }
}

function checkLutGeometry(instruction: LutMvm, input: TensorDesc, output: TensorDesc): void {
  const g = instruction.geometry;
  const check = (condition: boolean, message: () => string): void => checkProgram(condition, instruction, message);
  const positive = (v: readonly number[]) => v.every((x) => Number.isInteger(x) && x >= 1);
  const [inC, inH, inW] = g.inShape;
  const [outM, outP, outQ] = g.outShape;
  check(
    positive(g.inShape) && positive(g.outShape) && positive(g.kernel) && positive(g.strides) && positive(g.dilations),
    () => 'geometry sizes, kernel, strides and dilations must be positive integers',
  );
  check(
    g.pads.every((p) => Number.isInteger(p) && p >= 0),
    () => `pads [${g.pads.join(', ')}] must be integers ≥ 0`,
  );
  check(
    Number.isInteger(g.groups) && g.groups >= 1 && inC % g.groups === 0 && outM % g.groups === 0,
    () => `${inC} input and ${outM} output channels do not divide into ${g.groups} groups`,
  );
  const size = (n: number, k: number, s: number, d: number, p0: number, p1: number) =>
    Math.floor((n + p0 + p1 - ((k - 1) * d + 1)) / s) + 1;
  const p = size(inH, g.kernel[0], g.strides[0], g.dilations[0], g.pads[0], g.pads[2]);
  const q = size(inW, g.kernel[1], g.strides[1], g.dilations[1], g.pads[1], g.pads[3]);
  check(
    p === outP && q === outQ,
    () => `a ${g.kernel.join('×')} window over [${g.inShape.join(', ')}] gives ${p}×${q} positions, not ${outP}×${outQ}`,
  );
  const perImage = (d: TensorDesc) => sizeOf(d.shape.slice(1));
  check(
    perImage(input) === inC * inH * inW && perImage(output) === outM * outP * outQ,
    () =>
      `tensors '${input.name}' [${input.shape.join(', ')}] and '${output.name}' [${output.shape.join(', ')}] do not hold ` +
      `[${g.inShape.join(', ')}] and [${g.outShape.join(', ')}] per image`,
  );
}

/** Channels [first, first + count) grouped by equal rows of `rowBase` (each class in channel order). */
function rowClassesOf(rowBase: Int32Array, depth: number, first: number, count: number): number[][] {
  const byHash = new Map<number, number[][]>();
  const classes: number[][] = [];
  for (let m = first; m < first + count; m++) {
    const row = rowBase.subarray(m * depth, (m + 1) * depth);
    let hash = 0x811c9dc5;
    for (let k = 0; k < depth; k++) hash = Math.imul(hash ^ row[k]!, 0x01000193);
    const candidates = byHash.get(hash) ?? [];
    const same = candidates.find((c) => {
      const other = rowBase.subarray(c[0]! * depth, (c[0]! + 1) * depth);
      return other.every((v, k) => v === row[k]);
    });
    if (same !== undefined) {
      same.push(m);
      continue;
    }
    const created = [m];
    candidates.push(created);
    byHash.set(hash, candidates);
    classes.push(created);
  }
  return classes;
}
