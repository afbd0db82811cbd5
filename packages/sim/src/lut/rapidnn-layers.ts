import type { Chip } from '@pimc/arch';
import { LutSums } from '@pimc/kernels';
import type { CamEncode, DigitalOp, Instruction, LutMvm, Program, TensorDesc } from '@pimc/isa';
import { EventTally } from '../event-tally.js';
import { checkProgram } from '../program-error.js';
import { elementBytes, requireFloat, requireInteger, type SimData, type SimTensor } from '../sim-tensor.js';
import { prepareCamEncode, runCamEncode, type PreparedCamEncode } from './cam-encode.js';
import { lutImageEvents } from './lut-events.js';
import { prepareLut, type PreparedLut } from './prepare-lut.js';
import { runLutMvm, type LutKernel } from './run-lut-mvm.js';

/** Digital kinds that pass index tensors through unchanged (all operands and the result share a codebook). */
const INDEX_KINDS: ReadonlySet<DigitalOp['kind']> = new Set(['maxpool', 'reshape', 'transpose', 'concat']);

/**
 * The RAPIDNN instructions of a program (`cam-encode`, `lut-mvm`), checked and prepared once, and
 * the rule that index tensors reach digital ops only through `decode` or the kinds that keep their
 * codebook (docs/simulator.md, "RAPIDNN").
 */
export class RapidnnLayers {
  private readonly luts = new Map<Instruction, PreparedLut>();
  private readonly lutEvents = new Map<Instruction, EventTally>();
  /** Per lut-mvm, its WebAssembly kernel, made on first use. */
  private readonly lutKernels = new Map<Instruction, LutKernel>();
  private readonly encodes = new Map<Instruction, PreparedCamEncode>();

  constructor(
    private readonly program: Program,
    tensors: ReadonlyMap<number, TensorDesc>,
  ) {
    for (const instruction of program.instructions) {
      switch (instruction.op) {
        case 'lut-mvm':
          this.luts.set(instruction, prepareLut(instruction, tensors));
          this.lutEvents.set(instruction, lutImageEvents(instruction, program.chip));
          break;
        case 'cam-encode':
          this.encodes.set(instruction, prepareCamEncode(instruction, tensors));
          break;
        case 'digital':
          checkIndexFlow(instruction, tensors);
          break;
        case 'crossbar-mvm':
          checkProgram(
            [instruction.input, instruction.output].every((id) => tensors.get(id)?.codebook === undefined),
            instruction,
            () => 'reads or writes a RAPIDNN index tensor',
          );
          break;
      }
    }
  }

  /**
   * Runs one cam-encode or lut-mvm on `batch` images: the result's data and the events. `wasm`:
   * lut-mvm sums in WebAssembly (the same bits as the JavaScript loops, faster).
   */
  run(instruction: CamEncode | LutMvm, x: SimTensor, batch: number, wasm = true): { data: SimData; events: EventTally } {
    if (instruction.op === 'lut-mvm') {
      const p = this.luts.get(instruction)!;
      const kernel = wasm ? this.lutKernel(instruction, p) : undefined;
      const data = runLutMvm(p, requireInteger(x, instruction.name) as Uint8Array, batch, kernel);
      return { data, events: this.lutEvents.get(instruction)!.scaled(batch) };
    }
    const p = this.encodes.get(instruction)!;
    const data = runCamEncode(p, requireFloat(x, instruction.name));
    return { data, events: camEncodeEvents(p, x.data.length, this.program.chip) };
  }

  private lutKernel(instruction: LutMvm, p: PreparedLut): LutKernel {
    let kernel = this.lutKernels.get(instruction);
    if (kernel === undefined) {
      kernel = {
        sums: new LutSums({ table: p.table, rowBase: p.rowBase, depth: p.depth }),
        firsts: p.rowClasses.map((classes) => Int32Array.from(classes, (channels) => channels[0]!)),
      };
      this.lutKernels.set(instruction, kernel);
    }
    return kernel;
  }
}

/**
 * Per element: the query key (x / keyScale, one `digitalMACs[32]`) and one CAM search over the
 * table's entries on `camBits` bits; the f32 operand read from eDRAM and the u8 indices written back.
 */
function camEncodeEvents(p: PreparedCamEncode, n: number, chip: Chip): EventTally {
  const events = new EventTally();
  const cam = p.instruction.cam;
  events.digitalMacs(32, n);
  events.camSearches(cam.keys.length, cam.camBits, n);
  const bus = chip.tiles.edramBusBits;
  events.bufRead('edram', Math.ceil((n * elementBytes('f32') * 8) / bus));
  events.bufWrite('edram', Math.ceil((n * 8) / bus));
  return events;
}

function checkIndexFlow(op: DigitalOp, tensors: ReadonlyMap<number, TensorDesc>): void {
  const ids = [...op.inputs, ...op.outputs];
  const books = ids.map((id) => tensors.get(id)?.codebook);
  if (op.kind === 'decode') {
    checkProgram(books[0] !== undefined, op, () => 'decodes a tensor without a codebook');
    return;
  }
  if (books.every((b) => b === undefined)) return;
  checkProgram(
    INDEX_KINDS.has(op.kind),
    op,
    () => 'reads or writes a RAPIDNN index tensor; only maxpool, reshape, transpose, concat and decode do',
  );
  const first = books.find((b) => b !== undefined)!;
  checkProgram(
    books.every((b) => b !== undefined && b.length === first.length && b.every((v, i) => Object.is(v, first[i]))),
    op,
    () => 'mixes index tensors of different codebooks (or index and plain tensors)',
  );
}
