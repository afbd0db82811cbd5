import { addEventCounts, type EventCounts } from '@pimc/arch';
import type { CrossbarLayer } from '@pimc/kernels';
import { PimcError } from '@pimc/support';
import {
  PIMB_FORMAT_VERSION,
  type CamEncode,
  type CrossbarImage,
  type CrossbarMvm,
  type DigitalOp,
  type Instruction,
  type LutMvm,
  type Program,
  type TensorDesc,
} from '@pimc/isa';
import { addDataEvents, mvmPositionEvents } from './crossbar/mvm-events.js';
import { addStats, emptyStats, type MvmStats } from './crossbar/mvm-stats.js';
import type { NoiseOptions } from './crossbar/noise.js';
import { prepareMvm, type PreparedMvm } from './crossbar/prepare.js';
import { runMvm, type ColumnSumKernel } from './crossbar/run-mvm.js';
import { wasmLayer } from './crossbar/wasm-mvm.js';
import type { OutputSlot } from './digital/context.js';
import { DIGITAL_KERNELS } from './digital/kernels.js';
import { EventTally } from './event-tally.js';
import { RapidnnLayers } from './lut/rapidnn-layers.js';
import { nocFlitHopsPerImage } from './noc.js';
import { checkProgram, programError } from './program-error.js';
import { formatShape, requireInteger, sizeOf, storageMatches, type SimTensor } from './sim-tensor.js';

export interface RunOptions {
  /** Device conductance variation (off by default; deterministic for a seed). */
  readonly noise?: NoiseOptions;
  /** Fold input slices whose column sums provably pass the ADC unchanged (default true; same result). */
  readonly skipExactSlices?: boolean;
  /**
   * Column-sum kernel (default `auto`; same result). Also picks the lut-mvm sums: WebAssembly for
   * `auto` and `wasm`, the JavaScript loops otherwise.
   */
  readonly kernel?: ColumnSumKernel;
}

/** The inputs of a run, by tensor id or by name. */
export type ProgramInputs = ReadonlyMap<number | string, SimTensor>;

export interface InstructionRecord {
  readonly name: string;
  /** `crossbar-mvm`, `cam-encode`, `lut-mvm` or `digital <kind>`. */
  readonly op: string;
  readonly events: EventCounts;
  /** The layer's crossbar statistics: conversions, saturation, speculation (crossbar-mvm only). */
  readonly crossbar?: MvmStats;
}

export interface RunResult {
  /** Program outputs by tensor name, in the program's output order. */
  readonly outputs: ReadonlyMap<string, SimTensor>;
  /** Images in this run (the inputs' leading dimension). */
  readonly batch: number;
  /** Every event of the run (all images). */
  readonly events: EventCounts;
  readonly perInstruction: readonly InstructionRecord[];
  /** The crossbar statistics summed over all crossbar-mvm instructions. */
  readonly crossbar: MvmStats;
}

/** Runs a program once: `prepareProgram(program, options).run(inputs)`. */
export function runProgram(program: Program, inputs: ProgramInputs, options: RunOptions = {}): RunResult {
  return prepareProgram(program, options).run(inputs);
}

/** Checks a program and decodes its crossbars once, for many runs. */
export function prepareProgram(program: Program, options: RunOptions = {}): PreparedProgram {
  return new PreparedProgram(program, options);
}

export class PreparedProgram {
  private readonly tensors = new Map<number, TensorDesc>();
  private readonly mvms = new Map<Instruction, PreparedMvm>();
  /** WebAssembly forms of the crossbar layers, built on first use (undefined: the layer does not qualify). */
  private readonly accelerated = new Map<Instruction, CrossbarLayer | undefined>();
  private readonly positionEvents = new Map<Instruction, EventTally>();
  private readonly flitHops: readonly number[];
  /** The RAPIDNN instructions (cam-encode, lut-mvm), prepared. */
  private readonly rapidnn: RapidnnLayers;
  /** The batch size the program's shapes were compiled for (the leading dimension of its tensors). */
  readonly compiledBatch: number;
  /** Whether the program runs any batch size (every tensor leads with the batch, no op mixes it). */
  readonly anyBatch: boolean;

  constructor(
    readonly program: Program,
    private readonly options: RunOptions,
  ) {
    checkProgram(
      program.formatVersion === PIMB_FORMAT_VERSION,
      undefined,
      () => `format version ${program.formatVersion}, this simulator reads version ${PIMB_FORMAT_VERSION}`,
    );
    for (const t of program.tensors) {
      checkProgram(!this.tensors.has(t.id), undefined, () => `two tensors have id ${t.id}`);
      checkProgram(
        t.shape.every((d) => Number.isInteger(d) && d >= 0),
        undefined,
        () => `tensor '${t.name}' has shape ${formatShape(t.shape)}`,
      );
      this.tensors.set(t.id, t);
    }
    const crossbars = new Map<number, CrossbarImage>();
    for (const c of program.crossbars) {
      checkProgram(!crossbars.has(c.id), undefined, () => `two crossbars have id ${c.id}`);
      crossbars.set(c.id, c);
    }
    this.checkDataflow();
    const noiseCache = new Map<number, Float64Array>();
    for (const instruction of program.instructions) {
      if (instruction.op !== 'crossbar-mvm') continue;
      const prepared = prepareMvm(program, instruction, this.tensors, crossbars, { noise: options.noise }, noiseCache);
      this.mvms.set(instruction, prepared);
      this.positionEvents.set(instruction, mvmPositionEvents(prepared, program.chip));
    }
    this.rapidnn = new RapidnnLayers(program, this.tensors);
    this.flitHops = nocFlitHopsPerImage(program, this.tensors, crossbars);
    const first = this.desc(program.inputs[0]!, undefined);
    this.compiledBatch = first.shape[0] ?? 1;
    this.anyBatch = this.batchIsFree();
  }

  /** Runs the program on one batch of inputs. */
  run(inputs: ProgramInputs): RunResult {
    const values = new Map<number, SimTensor>();
    const batch = this.bindInputs(inputs, values);
    const records: InstructionRecord[] = [];
    const total = emptyStats();
    let events: EventCounts = {};
    this.program.instructions.forEach((instruction, i) => {
      const record =
        instruction.op === 'crossbar-mvm'
          ? this.runMvm(instruction, values, batch, this.flitHops[i]!, total)
          : instruction.op === 'digital'
            ? this.runDigital(instruction, values, batch, this.flitHops[i]!)
            : this.runRapidnn(instruction, values, batch, this.flitHops[i]!);
      records.push(record);
      events = addEventCounts(events, record.events);
    });
    const outputs = new Map<string, SimTensor>();
    for (const id of this.program.outputs) outputs.set(this.desc(id, undefined).name, values.get(id)!);
    return { outputs, batch, events, perInstruction: records, crossbar: total };
  }

  private runMvm(
    instruction: CrossbarMvm,
    values: Map<number, SimTensor>,
    batch: number,
    flitHops: number,
    total: MvmStats,
  ): InstructionRecord {
    const p = this.mvms.get(instruction)!;
    const x = values.get(instruction.input)!;
    const stats = emptyStats();
    const layer = () => {
      if (!this.accelerated.has(instruction)) this.accelerated.set(instruction, wasmLayer(p));
      return this.accelerated.get(instruction);
    };
    const data = runMvm(
      p,
      requireInteger(x, instruction.name),
      batch,
      { skipExactSlices: this.options.skipExactSlices ?? true, kernel: this.options.kernel ?? 'auto' },
      stats,
      layer,
    );
    values.set(instruction.output, { type: p.output.type, shape: this.runtimeShape(p.output, batch), data });
    const tally = this.positionEvents.get(instruction)!.scaled(batch * p.outP * p.outQ);
    addDataEvents(p, stats, tally);
    tally.nocFlitHops(flitHops * batch);
    addStats(total, stats);
    return { name: instruction.name, op: instruction.op, events: tally.counts(), crossbar: stats };
  }

  private runRapidnn(
    instruction: CamEncode | LutMvm,
    values: Map<number, SimTensor>,
    batch: number,
    flitHops: number,
  ): InstructionRecord {
    const output = this.desc(instruction.output, instruction);
    const wasm = (this.options.kernel ?? 'auto') === 'auto' || this.options.kernel === 'wasm';
    const { data, events } = this.rapidnn.run(instruction, values.get(instruction.input)!, batch, wasm);
    values.set(instruction.output, { type: output.type, shape: this.runtimeShape(output, batch), data });
    events.nocFlitHops(flitHops * batch);
    return { name: instruction.name, op: instruction.op, events: events.counts() };
  }

  private runDigital(instruction: DigitalOp, values: Map<number, SimTensor>, batch: number, flitHops: number): InstructionRecord {
    const events = new EventTally();
    const outputs: OutputSlot[] = instruction.outputs.map((id) => {
      const desc = this.desc(id, instruction);
      return { desc, shape: this.runtimeShape(desc, batch) };
    });
    const kernel = DIGITAL_KERNELS[instruction.kind];
    if (kernel === undefined) throw programError(instruction, `unknown digital kind '${String(instruction.kind)}'`);
    const results = kernel({
      op: instruction,
      inputs: instruction.inputs.map((id) => values.get(id)!),
      inputDescs: instruction.inputs.map((id) => this.desc(id, instruction)),
      outputs,
      events,
      busBits: this.program.chip.tiles.edramBusBits,
    });
    results.forEach((t, i) => values.set(instruction.outputs[i]!, t));
    events.nocFlitHops(flitHops * batch);
    return { name: instruction.name, op: `digital ${instruction.kind}`, events: events.counts() };
  }

  private desc(id: number, instruction: Instruction | undefined): TensorDesc {
    const d = this.tensors.get(id);
    if (d === undefined) throw programError(instruction, `tensor ${id} is not declared`);
    return d;
  }

  /** Every tensor is written once, before it is read; outputs are written. */
  private checkDataflow(): void {
    const written = new Set<number>();
    checkProgram(this.program.inputs.length > 0, undefined, () => 'the program has no inputs');
    for (const id of this.program.inputs) {
      this.desc(id, undefined);
      written.add(id);
    }
    for (const instruction of this.program.instructions) {
      const reads = instruction.op === 'digital' ? instruction.inputs : [instruction.input];
      const writes = instruction.op === 'digital' ? instruction.outputs : [instruction.output];
      for (const id of reads) {
        this.desc(id, instruction);
        checkProgram(
          written.has(id),
          instruction,
          () => `reads tensor '${this.desc(id, instruction).name}' before anything writes it`,
        );
      }
      for (const id of writes) {
        this.desc(id, instruction);
        checkProgram(!written.has(id), instruction, () => `writes tensor '${this.desc(id, instruction).name}' a second time`);
        written.add(id);
      }
    }
    for (const id of this.program.outputs) {
      checkProgram(written.has(id), undefined, () => `output '${this.desc(id, undefined).name}' is never written`);
    }
  }

  /** True when every tensor leads with the compiled batch and no instruction moves data across that axis. */
  private batchIsFree(): boolean {
    const b = this.compiledBatch;
    if (!this.program.tensors.every((t) => t.shape.length >= 1 && t.shape[0] === b)) return false;
    return this.program.instructions.every((i) => {
      if (i.op !== 'digital') return true;
      const rank = this.desc(i.outputs[0] ?? i.inputs[0]!, i).shape.length;
      const axis = i.attrs['axis'];
      const normalized = typeof axis === 'number' && axis < 0 ? axis + rank : axis;
      switch (i.kind) {
        case 'concat':
        case 'softmax':
          return normalized !== 0;
        case 'transpose':
          return Array.isArray(i.attrs['perm']) && (i.attrs['perm'] as readonly number[])[0] === 0;
        default:
          return true;
      }
    });
  }

  private runtimeShape(desc: TensorDesc, batch: number): readonly number[] {
    return batch === this.compiledBatch ? desc.shape : [batch, ...desc.shape.slice(1)];
  }

  /** Checks the inputs against the program and returns the batch size. */
  private bindInputs(inputs: ProgramInputs, values: Map<number, SimTensor>): number {
    const byName = new Map(this.program.inputs.map((id) => [this.desc(id, undefined).name, id]));
    for (const key of inputs.keys()) {
      const known = typeof key === 'number' ? this.program.inputs.includes(key) : byName.has(key);
      if (!known) {
        throw new PimcError('invalid-input', `run: '${key}' is not an input of the program`, {
          notes: [`inputs: ${[...byName.keys()].join(', ')}`],
        });
      }
    }
    let batch: number | undefined;
    for (const id of this.program.inputs) {
      const desc = this.desc(id, undefined);
      const t = inputs.get(id) ?? inputs.get(desc.name);
      if (t === undefined) throw new PimcError('invalid-input', `run: no value for program input '${desc.name}'`);
      const n = t.shape[0] ?? 1;
      batch ??= n;
      const expected = this.anyBatch ? [batch, ...desc.shape.slice(1)] : desc.shape;
      const shapeOk = t.shape.length === expected.length && t.shape.every((d, i) => d === expected[i]);
      if (t.type !== desc.type || !shapeOk || !storageMatches(t.type, t.data) || t.data.length !== sizeOf(t.shape)) {
        throw new PimcError(
          'invalid-input',
          `run: input '${desc.name}' must be ${desc.type}${formatShape(expected)}, got ${t.type}${formatShape(t.shape)} ` +
            `holding ${t.data.length} elements in a ${t.data.constructor.name}`,
          this.anyBatch ? {} : { notes: [`this program was compiled for batch ${this.compiledBatch} and mixes the batch axis`] },
        );
      }
      values.set(id, t);
    }
    return batch ?? this.compiledBatch;
  }
}
