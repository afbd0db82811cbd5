import type { Macro } from '@pimc/arch';
import type { Fail } from './pimb-errors.js';
import type { CrossbarImage, CrossbarMvm, DigitalOp, MvmTile, Program, TensorDesc } from './program.js';
import { CheckerBase, I32_MAX, I32_MIN, U32_MAX, idRange } from './checker-base.js';
import { RapidnnChecker } from './check-rapidnn.js';
import { ELEMENT_TYPES, WEIGHT_BITS, isDigitalOpKind, isElementType } from './vocabulary.js';

/**
 * Checks that a Program is consistent in itself and with its chip: every id refers to something,
 * every crossbar image fits its place on the chip and holds levels a cell can store, and every
 * layer's parameters have the sizes its geometry implies. The same checks guard both directions:
 * `encodePimb` refuses a program the decoder would reject (with a compiler-bug code), and
 * `decodePimb` rejects a file that is well-formed protobuf but says impossible things.
 *
 * Also checks that every integer field is an integer in the range its wire type holds, since a
 * protobuf encoder would otherwise truncate it silently (on decode these always hold).
 */
export function checkProgram(program: Program, fail: Fail): void {
  new ProgramChecker(program, fail).run();
}

class ProgramChecker extends CheckerBase {
  private readonly rapidnn = new RapidnnChecker(this.program, this.fail);

  run(): void {
    const p = this.program;
    p.tensors.forEach((t, i) => {
      this.tensor(t, i);
      this.rapidnn.codebook(t, `tensors[${i}]`);
    });
    p.inputs.forEach((id, i) => this.tensorRef(id, `inputs[${i}]`));
    p.outputs.forEach((id, i) => this.tensorRef(id, `outputs[${i}]`));
    const placed = new Map<string, number>();
    p.crossbars.forEach((c, i) => this.crossbar(c, i, placed));
    p.instructions.forEach((ins, i) => {
      const path = `instructions[${i}]`;
      switch (ins.op) {
        case 'crossbar-mvm':
          this.mvm(ins, path);
          this.rapidnn.noIndexTensors([ins.input, ins.output], path, `crossbar-mvm '${ins.name}'`);
          return;
        case 'digital':
          this.digital(ins, path);
          this.rapidnn.digitalIndices(ins, path);
          return;
        case 'cam-encode':
          this.rapidnn.camEncode(ins, path);
          return;
        case 'lut-mvm':
          this.rapidnn.lutMvm(ins, path);
          return;
        default:
          this.fail(path, `unknown instruction op '${String((ins as { op: unknown }).op)}'`);
      }
    });
    for (const [key, value] of Object.entries(p.metadata)) {
      if (typeof value !== 'string') this.fail(`metadata.${key}`, `metadata values are strings, got ${typeof value}`);
    }
  }

  private tensor(t: TensorDesc, i: number): void {
    const path = `tensors[${i}]`;
    if (t.id !== i) this.fail(`${path}.id`, `tensor '${t.name}' has id ${t.id} at index ${i}: a tensor's id is its index`);
    if (!isElementType(t.type)) this.fail(`${path}.type`, `tensor '${t.name}' has unknown element type '${String(t.type)}'`);
    t.shape.forEach((d, k) => this.uint(d, `${path}.shape[${k}]`, `tensor '${t.name}' dimension`));
    if (t.scale !== undefined && !(Number.isFinite(t.scale) && t.scale > 0)) {
      this.fail(`${path}.scale`, `tensor '${t.name}' has scale ${t.scale}; a scale is finite and positive`);
    }
    if (t.zeroPoint !== undefined) {
      const range = ELEMENT_TYPES[t.type] ?? { min: I32_MIN, max: I32_MAX };
      if (!Number.isInteger(t.zeroPoint) || t.zeroPoint < range.min || t.zeroPoint > range.max) {
        this.fail(
          `${path}.zeroPoint`,
          `tensor '${t.name}' (${t.type}) has zero point ${t.zeroPoint}, outside ${range.min}..${range.max}`,
        );
      }
    }
  }

  private macro(what: string, path: string): Macro {
    const macro = this.chip.tiles.macro;
    if (macro === undefined) {
      this.fail(path, `${what} needs crossbars, but chip '${this.chip.name}' has none (tiles.macro is absent)`);
    }
    return macro;
  }

  private crossbar(c: CrossbarImage, i: number, placed: Map<string, number>): void {
    const path = `crossbars[${i}]`;
    const macro = this.macro(`crossbar ${i}`, path);
    const xb = macro.crossbar;
    if (c.id !== i) this.fail(`${path}.id`, `crossbar has id ${c.id} at index ${i}: a crossbar's id is its index`);
    this.below(c.tile, this.chip.tiles.count, `${path}.tile`, `crossbar ${i} is on tile`, 'tiles');
    this.below(c.macro, macro.count, `${path}.macro`, `crossbar ${i} is in macro`, 'macros per tile');
    this.below(c.index, xb.count, `${path}.index`, `crossbar ${i} has index`, 'crossbars per macro');
    const key = `${c.tile}/${c.macro}/${c.index}`;
    const other = placed.get(key);
    if (other !== undefined) {
      this.fail(path, `crossbars ${other} and ${i} are both placed at tile ${c.tile}, macro ${c.macro}, crossbar ${c.index}`);
    }
    placed.set(key, i);
    this.between(c.rows, 1, xb.rows, `${path}.rows`, `crossbar ${i} rows`);
    this.between(c.columns, 1, xb.columns, `${path}.columns`, `crossbar ${i} columns`);
    const planes = xb.cell === 'differential-2t2r' ? 2 : 1;
    const expected = c.rows * c.columns * planes;
    if (c.levels.length !== expected) {
      const formula = `${c.rows} rows × ${c.columns} columns${planes === 2 ? ' × 2 planes (differential cells)' : ''}`;
      this.fail(`${path}.levels`, `crossbar ${i} has ${c.levels.length} cell levels, expected ${formula} = ${expected}`);
    }
    const levels = 2 ** xb.bitsPerCell;
    const bad = firstAtLeast(c.levels, levels);
    if (bad >= 0) {
      const cell = bad % (c.rows * c.columns);
      const plane = planes === 1 ? '' : bad < c.rows * c.columns ? ' (positive plane)' : ' (negative plane)';
      this.fail(
        `${path}.levels`,
        `crossbar ${i} cell (row ${Math.floor(cell / c.columns)}, column ${cell % c.columns})${plane} has level ${c.levels[bad]}, ` +
          `but chip '${this.chip.name}' stores ${xb.bitsPerCell} bit${xb.bitsPerCell === 1 ? '' : 's'} per cell (levels 0..${levels - 1})`,
      );
    }
  }

  private mvm(ins: CrossbarMvm, path: string): void {
    const what = `crossbar-mvm '${ins.name}'`;
    const macro = this.macro(what, path);
    this.tensorRef(ins.input, `${path}.input`);
    this.tensorRef(ins.output, `${path}.output`);
    const g = ins.geometry;
    const { rowsPerGroup, channelsPerGroup } = this.geometry(g, `${path}.geometry`, what);
    const [outChannels] = g.outShape;

    const w = ins.weights;
    if (w.scheme !== 'offset' && w.scheme !== 'differential') {
      this.fail(`${path}.weights.scheme`, `${what} has unknown weight scheme '${String(w.scheme)}'`);
    }
    if (w.scheme === 'differential' && macro.crossbar.cell !== 'differential-2t2r') {
      this.fail(
        `${path}.weights.scheme`,
        `${what} stores differential weights, but chip '${this.chip.name}' has ${macro.crossbar.cell} cells`,
      );
    }
    this.int(w.offset, `${path}.weights.offset`, `${what} weight offset`);
    this.slices(w.slices, 1, macro.crossbar.bitsPerCell, WEIGHT_BITS, `${path}.weights.slices`, `${what} weight`);

    const x = ins.inputs;
    this.int(x.zeroPoint, `${path}.inputs.zeroPoint`, `${what} input zero point`);
    this.between(x.bits, 1, 32, `${path}.inputs.bits`, `${what} input bits`);
    this.slices(x.slices, 1, 32, x.bits, `${path}.inputs.slices`, `${what} input`);
    if (x.speculation !== undefined) {
      const spec = `${path}.inputs.speculation.slices`;
      this.slices(x.speculation.slices, 1, macro.dac.bits, x.bits, spec, `${what} speculative input`);
      if (x.slices.some((s) => s !== 1)) {
        this.fail(
          `${path}.inputs.slices`,
          `${what} speculates, so its recovery slices must be 1-bit, not [${x.slices.join(', ')}]`,
        );
      }
    }

    this.between(ins.adc.bits, 1, 32, `${path}.adc.bits`, `${what} ADC bits`);
    if (!(Number.isFinite(ins.adc.lsb) && ins.adc.lsb > 0)) {
      this.fail(`${path}.adc.lsb`, `${what} has ADC lsb ${ins.adc.lsb}; it is finite and positive`);
    }

    if (ins.tiles.length === 0) this.fail(`${path}.tiles`, `${what} has no tiles: its weights are on no crossbar`);
    ins.tiles.forEach((t, k) => this.tile(t, `${path}.tiles[${k}]`, what, g.groups, rowsPerGroup, channelsPerGroup, w));

    for (const name of ['bias', 'multiplier', 'shift'] as const) {
      if (ins[name].length !== outChannels) {
        this.fail(
          `${path}.${name}`,
          `${what} has ${ins[name].length} ${name} values, expected one per output channel (${outChannels})`,
        );
      }
    }
    this.int(ins.outputZeroPoint, `${path}.outputZeroPoint`, `${what} output zero point`);
    this.int(ins.clampMin, `${path}.clampMin`, `${what} clamp minimum`);
    this.int(ins.clampMax, `${path}.clampMax`, `${what} clamp maximum`);
    if (ins.clampMin > ins.clampMax) {
      this.fail(`${path}.clampMin`, `${what} clamps to [${ins.clampMin}, ${ins.clampMax}], an empty range`);
    }
  }

  private tile(
    t: MvmTile,
    path: string,
    what: string,
    groups: number,
    rowsPerGroup: number,
    channelsPerGroup: number,
    weights: CrossbarMvm['weights'],
  ): void {
    const slicesPerWeight = weights.slices.length;
    if (!Number.isInteger(t.group) || t.group < 0 || t.group >= groups) {
      this.fail(
        `${path}.group`,
        `${what} tile is in group ${t.group}, but the layer has ${groups} group${groups === 1 ? '' : 's'}`,
      );
    }
    this.uint(t.rowStart, `${path}.rowStart`, `${what} tile row start`);
    this.between(t.rowCount, 1, U32_MAX, `${path}.rowCount`, `${what} tile row count`);
    this.uint(t.channelStart, `${path}.channelStart`, `${what} tile channel start`);
    this.between(t.channelCount, 1, U32_MAX, `${path}.channelCount`, `${what} tile channel count`);
    if (t.rowStart + t.rowCount > rowsPerGroup) {
      this.fail(
        path,
        `${what} tile covers rows ${t.rowStart}..${t.rowStart + t.rowCount - 1}, but the layer has ${rowsPerGroup} im2col rows per group`,
      );
    }
    if (t.channelStart + t.channelCount > channelsPerGroup) {
      this.fail(
        path,
        `${what} tile covers output channels ${t.channelStart}..${t.channelStart + t.channelCount - 1}, but a group has ${channelsPerGroup}`,
      );
    }
    const n = this.program.crossbars.length;
    if (!Number.isInteger(t.crossbar) || t.crossbar < 0 || t.crossbar >= n) {
      this.fail(
        `${path}.crossbar`,
        `${what} tile names crossbar ${t.crossbar}, but the program has ${n} crossbar${n === 1 ? '' : 's'}${idRange(n)}`,
      );
    }
    const image = this.program.crossbars[t.crossbar];
    if (t.rowCount > image.rows) {
      this.fail(path, `${what} tile needs ${t.rowCount} rows, but crossbar ${t.crossbar} has ${image.rows}`);
    }
    if (t.centers !== undefined) {
      if (weights.scheme !== 'differential') {
        this.fail(`${path}.centers`, `${what} tile has centers, but Center+Offset needs differential weights`);
      }
      if (t.centers.length !== t.channelCount) {
        this.fail(`${path}.centers`, `${what} tile has ${t.centers.length} centers for ${t.channelCount} channels`);
      }
    }
    const columns = t.channelCount * slicesPerWeight;
    if (columns > image.columns) {
      this.fail(
        path,
        `${what} tile needs ${t.channelCount} channels × ${slicesPerWeight} slices = ${columns} columns, but crossbar ${t.crossbar} has ${image.columns}`,
      );
    }
  }

  private digital(op: DigitalOp, path: string): void {
    if (!isDigitalOpKind(op.kind)) this.fail(`${path}.kind`, `digital op '${op.name}' has unknown kind '${String(op.kind)}'`);
    op.inputs.forEach((id, k) => this.tensorRef(id, `${path}.inputs[${k}]`));
    op.outputs.forEach((id, k) => this.tensorRef(id, `${path}.outputs[${k}]`));
    for (const [key, value] of Object.entries(op.attrs)) {
      const ok =
        typeof value === 'number' ||
        typeof value === 'string' ||
        (Array.isArray(value) && value.every((v: unknown) => typeof v === 'number'));
      if (!ok) {
        this.fail(
          `${path}.attrs.${key}`,
          `digital op '${op.name}' attribute '${key}' is not a number, string or list of numbers`,
        );
      }
    }
  }

  /** Slice widths: each in [lo, hi], adding up to `total`. */
  private slices(slices: readonly number[], lo: number, hi: number, total: number, path: string, what: string): void {
    if (slices.length === 0) this.fail(path, `${what} slices are empty`);
    slices.forEach((s, k) => {
      if (!Number.isInteger(s) || s < lo || s > hi) {
        this.fail(`${path}[${k}]`, `${what} slice ${k} is ${s} bits; slices here are ${lo}..${hi} bits`, [
          ...(what.endsWith('weight') ? [`a weight slice is stored in one cell of ${hi} bit${hi === 1 ? '' : 's'}`] : []),
        ]);
      }
    });
    const sum = slices.reduce((a, b) => a + b, 0);
    if (sum !== total) this.fail(path, `${what} slices [${slices.join(', ')}] add up to ${sum} bits, expected ${total}`);
  }
}

/** Index of the first value ≥ limit, or −1 (a plain loop: crossbar images are large). */
function firstAtLeast(values: Uint8Array, limit: number): number {
  for (let i = 0; i < values.length; i++) if (values[i] >= limit) return i;
  return -1;
}
