import type { DigitalOp, TensorDesc } from '@pimc/isa';
import type { EventTally } from '../event-tally.js';
import { programError } from '../program-error.js';
import { elementBytes, formatShape, sizeOf, type SimTensor } from '../sim-tensor.js';

/** One output of a digital op: its descriptor and its shape in this run (the batch substituted). */
export interface OutputSlot {
  readonly desc: TensorDesc;
  readonly shape: readonly number[];
}

/** What a digital kernel gets: the op, its operands, the outputs to produce, and the events to add to. */
export interface DigitalContext {
  readonly op: DigitalOp;
  readonly inputs: readonly SimTensor[];
  /** The operands' descriptors (a RAPIDNN index tensor's codebook is there). */
  readonly inputDescs: readonly TensorDesc[];
  readonly outputs: readonly OutputSlot[];
  readonly events: EventTally;
  /** eDRAM access width, bits. */
  readonly busBits: number;
}

export type DigitalKernel = (ctx: DigitalContext) => SimTensor[];

/** Operand `i`, or an error naming the op when the program gave fewer. */
export function operand(ctx: DigitalContext, i: number): SimTensor {
  const t = ctx.inputs[i];
  if (t === undefined) throw programError(ctx.op, `needs operand ${i}, has ${ctx.inputs.length}`);
  return t;
}

/** The single output slot of an op with one result. */
export function single(ctx: DigitalContext): OutputSlot {
  if (ctx.outputs.length !== 1) throw programError(ctx.op, `writes one tensor, the program lists ${ctx.outputs.length}`);
  return ctx.outputs[0]!;
}

/** Every operand read from eDRAM and every result written back, in bus-wide accesses. */
export function countTraffic(ctx: DigitalContext, results: readonly SimTensor[]): void {
  const accesses = (t: SimTensor) => Math.ceil((t.data.length * elementBytes(t.type) * 8) / ctx.busBits);
  for (const t of ctx.inputs) ctx.events.bufRead('edram', accesses(t));
  for (const t of results) ctx.events.bufWrite('edram', accesses(t));
}

/** Operand shapes must agree with what the program declared. */
export function requireSize(ctx: DigitalContext, t: SimTensor, slot: OutputSlot): void {
  if (sizeOf(t.shape) !== sizeOf(slot.shape)) {
    throw programError(
      ctx.op,
      `operand ${formatShape(t.shape)} and result '${slot.desc.name}' ${formatShape(slot.shape)} differ in element count`,
    );
  }
}
