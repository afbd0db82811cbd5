import type { CamBlock, LutBlock } from '@pimc/arch';
import { CheckerBase, I32_MAX } from './checker-base.js';
import { PIMB_ERROR_CODES } from './pimb-errors.js';
import type { CamEncode, CamTable, DigitalOp, LutMvm, TensorDesc } from './program.js';

/** Most clusters a codebook (and so a u8 index) can name. */
const MAX_CLUSTERS = 256;
/** Widest CAM key and LUT entry the Int32Array fields hold. */
const MAX_KEY_BITS = 32;
const MAX_LUT_BITS = 32;
/** An accumulator shifted by more than this is beyond any exact (53-bit) sum. */
const MAX_KEY_SHIFT = 52;
/** Digital kinds that pass index tensors through unchanged (max over indices = max over values). */
const INDEX_KINDS: ReadonlySet<DigitalOp['kind']> = new Set(['maxpool', 'reshape', 'transpose', 'concat']);

/**
 * The checks of RAPIDNN programs (algorithms.md §2.3, docs/pimb-format.md): index tensors and their
 * codebooks, `cam-encode`, `lut-mvm`, the digital `decode`, and the rule that index tensors flow
 * only through ops that keep their codebook. A program that needs CAM or LUT blocks its chip lacks
 * is a `chip-mismatch`.
 */
export class RapidnnChecker extends CheckerBase {
  /** A tensor's codebook: on a u8 tensor, 1..256 finite values, strictly ascending. */
  codebook(t: TensorDesc, path: string): void {
    const book = t.codebook;
    if (book === undefined) return;
    const what = `index tensor '${t.name}'`;
    this.camBlock(`${path}.codebook`, what);
    this.lutBlock(`${path}.codebook`, what);
    if (t.type !== 'u8') this.fail(`${path}.type`, `${what} is ${t.type}; a tensor with a codebook holds u8 cluster indices`);
    if (book.length < 1 || book.length > MAX_CLUSTERS) {
      this.fail(`${path}.codebook`, `${what} has a codebook of ${book.length} values, expected 1..${MAX_CLUSTERS}`);
    }
    for (let i = 0; i < book.length; i++) {
      if (!Number.isFinite(book[i])) this.fail(`${path}.codebook[${i}]`, `${what} codebook value ${i} is ${book[i]}, not finite`);
      if (i > 0 && !(book[i] > book[i - 1])) {
        this.fail(
          `${path}.codebook[${i}]`,
          `${what} codebook is not strictly ascending: value ${i} (${book[i]}) follows ${book[i - 1]}`,
        );
      }
    }
  }

  camEncode(ins: CamEncode, path: string): void {
    const what = `cam-encode '${ins.name}'`;
    this.tensorRef(ins.input, `${path}.input`);
    this.tensorRef(ins.output, `${path}.output`);
    const input = this.program.tensors[ins.input];
    if (input.type !== 'f32') this.fail(`${path}.input`, `${what} reads '${input.name}' (${input.type}); it encodes f32 values`);
    const clusters = this.indexOutput(ins.output, `${path}.output`, what);
    if (!(Number.isFinite(ins.keyScale) && ins.keyScale > 0)) {
      this.fail(`${path}.keyScale`, `${what} has key scale ${ins.keyScale}; a scale is finite and positive`);
    }
    this.cam(ins.cam, `${path}.cam`, what, clusters);
  }

  lutMvm(ins: LutMvm, path: string): void {
    const what = `lut-mvm '${ins.name}'`;
    const lutBlock = this.lutBlock(path, what);
    const camBlock = ins.activation === undefined ? undefined : this.camBlock(`${path}.activation`, what);
    this.tensorRef(ins.input, `${path}.input`);
    this.tensorRef(ins.output, `${path}.output`);
    const { rowsPerGroup: depth } = this.geometry(ins.geometry, `${path}.geometry`, what);
    const [m] = ins.geometry.outShape;

    this.between(ins.kW, 1, MAX_CLUSTERS, `${path}.kW`, `${what} weight cluster count kW`);
    this.between(ins.kU, 1, MAX_CLUSTERS, `${path}.kU`, `${what} input cluster count kU`);
    const table = ins.kW * ins.kU;
    if (table > lutBlock.entries) {
      this.fail(
        `${path}.kW`,
        `${what} has a ${ins.kW} × ${ins.kU} = ${table}-entry product table, but chip '${this.chip.name}' LUT blocks hold ${lutBlock.entries} entries`,
      );
    }
    const input = this.program.tensors[ins.input];
    const inputClusters = input.codebook?.length;
    if (inputClusters !== ins.kU) {
      this.fail(
        `${path}.input`,
        inputClusters === undefined
          ? `${what} reads '${input.name}', which has no codebook: a lut-mvm reads an index tensor`
          : `${what} has kU = ${ins.kU}, but its input '${input.name}' has a codebook of ${inputClusters} clusters`,
      );
    }

    if (ins.weightIndices.length !== m * depth) {
      this.fail(
        `${path}.weightIndices`,
        `${what} has ${ins.weightIndices.length} weight indices, expected ${m} output channels × ${depth} im2col rows = ${m * depth}`,
      );
    }
    const badIndex = ins.weightIndices.findIndex((v) => v >= ins.kW);
    if (badIndex >= 0) {
      this.fail(
        `${path}.weightIndices`,
        `${what} weight index of (channel ${Math.floor(badIndex / depth)}, row ${badIndex % depth}) is ${ins.weightIndices[badIndex]}, ` +
          `but the layer has kW = ${ins.kW} weight clusters`,
      );
    }

    this.between(ins.lutBits, 1, Math.min(MAX_LUT_BITS, lutBlock.entryBits), `${path}.lutBits`, `${what} LUT entry bits`);
    if (ins.lut.length !== table && ins.lut.length !== m * table) {
      this.fail(
        `${path}.lut`,
        `${what} has ${ins.lut.length} LUT entries, expected kW·kU = ${table} (one table for the layer) ` +
          `or M·kW·kU = ${m * table} (one per output channel)`,
      );
    }
    const limit = 2 ** (ins.lutBits - 1);
    const badEntry = ins.lut.findIndex((v) => v < -limit || v >= limit);
    if (badEntry >= 0) {
      const t = Math.floor(badEntry / table);
      const row = Math.floor((badEntry % table) / ins.kU);
      this.fail(
        `${path}.lut`,
        `${what} LUT entry (table ${t}, weight cluster ${row}, input cluster ${badEntry % ins.kU}) is ${ins.lut[badEntry]}, ` +
          `outside the signed ${ins.lutBits}-bit range ${-limit}..${limit - 1}`,
      );
    }
    if (!(Number.isFinite(ins.lutScale) && ins.lutScale > 0)) {
      this.fail(`${path}.lutScale`, `${what} has LUT scale ${ins.lutScale}; a scale is finite and positive`);
    }
    if (ins.bias.length !== m) {
      this.fail(`${path}.bias`, `${what} has ${ins.bias.length} bias values, expected one per output channel (${m})`);
    }

    const output = this.program.tensors[ins.output];
    if (ins.activation === undefined) {
      if (output.type !== 'f32') {
        this.fail(
          `${path}.output`,
          `${what} has no activation, so it writes f32 pre-activations, but '${output.name}' is ${output.type}`,
        );
      }
    } else {
      this.between(ins.activation.keyShift, 0, MAX_KEY_SHIFT, `${path}.activation.keyShift`, `${what} activation key shift`);
      const clusters = this.indexOutput(ins.output, `${path}.output`, what);
      this.cam(ins.activation.cam, `${path}.activation.cam`, what, clusters);
    }
    this.blocks(ins, path, what, lutBlock, camBlock);
  }

  /**
   * Index tensors pass unchanged through maxpool, reshape, transpose and concat (all operands and
   * the result with one codebook), become real values through `decode`, and meet no other digital op.
   */
  digitalIndices(op: DigitalOp, path: string): void {
    const what = `digital ${op.kind} '${op.name}'`;
    const tensors = this.program.tensors;
    if (op.kind === 'decode') {
      if (op.inputs.length !== 1 || op.outputs.length !== 1) {
        this.fail(
          path,
          `${what} reads one index tensor and writes one f32 tensor, not ${op.inputs.length} → ${op.outputs.length}`,
        );
      }
      const input = tensors[op.inputs[0]];
      const output = tensors[op.outputs[0]];
      if (input.codebook === undefined) {
        this.fail(`${path}.inputs[0]`, `${what} reads '${input.name}', which has no codebook to decode with`);
      }
      if (output.type !== 'f32') this.fail(`${path}.outputs[0]`, `${what} writes '${output.name}' (${output.type}), not f32`);
      return;
    }
    const ids = [...op.inputs, ...op.outputs];
    if (!INDEX_KINDS.has(op.kind)) {
      this.noIndexTensors(ids, path, what);
      return;
    }
    const books = ids.map((id) => tensors[id].codebook);
    const first = books.findIndex((b) => b !== undefined);
    if (first < 0) return;
    books.forEach((book, k) => {
      if (!sameCodebook(book, books[first])) {
        const t = tensors[ids[k]];
        const other = tensors[ids[first]];
        this.fail(
          k < op.inputs.length ? `${path}.inputs[${k}]` : `${path}.outputs[${k - op.inputs.length}]`,
          `${what} mixes index tensors of different codebooks: '${t.name}' ${describeBook(book)} and '${other.name}' ${describeBook(books[first])}`,
          [
            'index tensors pass through maxpool, reshape, transpose and concat only when every operand and the result share one codebook',
          ],
        );
      }
    });
  }

  /** None of the tensors is an index tensor (they are for instructions that read plain values). */
  noIndexTensors(ids: readonly number[], path: string, what: string): void {
    for (const id of ids) {
      const t = this.program.tensors[id];
      if (t?.codebook !== undefined) {
        this.fail(
          path,
          `${what} uses index tensor '${t.name}'; index tensors are read by lut-mvm, decode, maxpool, reshape, transpose and concat only`,
          ['decode it to f32 first'],
        );
      }
    }
  }

  /** The codebook length of an instruction's index-tensor output. */
  private indexOutput(id: number, path: string, what: string): number {
    const t = this.program.tensors[id];
    if (t.codebook === undefined) {
      this.fail(path, `${what} writes '${t.name}', which has no codebook: its result is an index tensor`);
    }
    return t.codebook.length;
  }

  /** A CAM table: within the chip's CAM, keys sorted and in range, values naming output clusters. */
  private cam(cam: CamTable, path: string, what: string, clusters: number): void {
    const block = this.camBlock(path, what);
    this.between(cam.keyBits, 1, Math.min(MAX_KEY_BITS, block.keyBits), `${path}.keyBits`, `${what} CAM key bits`);
    this.between(cam.camBits, 1, cam.keyBits, `${path}.camBits`, `${what} CAM compared bits (camBits, at most keyBits)`);
    const n = cam.keys.length;
    if (n < 1 || n > block.entries) {
      this.fail(`${path}.keys`, `${what} CAM has ${n} entries; chip '${this.chip.name}' CAMs hold 1..${block.entries}`);
    }
    if (cam.values.length !== n) {
      this.fail(`${path}.values`, `${what} CAM has ${cam.values.length} values for ${n} keys (one value per key)`);
    }
    const lo = -(2 ** (cam.keyBits - 1));
    const hi = Math.min(2 ** (cam.keyBits - 1) - 1, I32_MAX);
    for (let i = 0; i < n; i++) {
      const key = cam.keys[i];
      if (key < lo || key > hi) {
        this.fail(
          `${path}.keys[${i}]`,
          `${what} CAM key ${i} is ${key}, outside the signed ${cam.keyBits}-bit range ${lo}..${hi}`,
        );
      }
      if (i > 0 && key < cam.keys[i - 1]) {
        this.fail(
          `${path}.keys[${i}]`,
          `${what} CAM keys are not sorted: key ${i} (${key}) is below key ${i - 1} (${cam.keys[i - 1]})`,
        );
      }
      if (cam.values[i] >= clusters) {
        this.fail(
          `${path}.values[${i}]`,
          `${what} CAM entry ${i} returns cluster ${cam.values[i]}, but the output codebook has ${clusters} clusters`,
        );
      }
    }
  }

  private blocks(ins: LutMvm, path: string, what: string, lut: LutBlock, cam: CamBlock | undefined): void {
    if (ins.blocks.length === 0) this.fail(`${path}.blocks`, `${what} runs on no RNA block`);
    const seen = new Set<string>();
    const perTile = cam === undefined ? lut.count : Math.min(lut.count, cam.count);
    ins.blocks.forEach((b, k) => {
      const bp = `${path}.blocks[${k}]`;
      this.below(b.tile, this.chip.tiles.count, `${bp}.tile`, `${what} block ${k} is on tile`, 'tiles');
      this.below(
        b.block,
        perTile,
        `${bp}.block`,
        `${what} block ${k} is block`,
        cam === undefined ? 'LUT blocks per tile' : 'RNA blocks (LUT + CAM) per tile',
      );
      const key = `${b.tile}/${b.block}`;
      if (seen.has(key)) this.fail(bp, `${what} lists block ${b.block} of tile ${b.tile} twice`);
      seen.add(key);
    });
  }

  private camBlock(path: string, what: string): CamBlock {
    const cam = this.chip.tiles.cam;
    if (cam === undefined) {
      this.fail(
        path,
        `${what} needs CAM blocks, but chip '${this.chip.name}' has none (tiles.cam is absent)`,
        ['RAPIDNN programs run on a chip with CAM and LUT blocks, such as the rapidnn preset'],
        PIMB_ERROR_CODES.chipMismatch,
      );
    }
    return cam;
  }

  private lutBlock(path: string, what: string): LutBlock {
    const lut = this.chip.tiles.lut;
    if (lut === undefined) {
      this.fail(
        path,
        `${what} needs lookup-table blocks, but chip '${this.chip.name}' has none (tiles.lut is absent)`,
        ['RAPIDNN programs run on a chip with CAM and LUT blocks, such as the rapidnn preset'],
        PIMB_ERROR_CODES.chipMismatch,
      );
    }
    return lut;
  }
}

function sameCodebook(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function describeBook(book: Float32Array | undefined): string {
  return book === undefined ? '(no codebook)' : `(${book.length} clusters, ${book[0]}..${book[book.length - 1]})`;
}
