import { PimcError } from '@pimc/support';
import type { Instruction } from '@pimc/isa';

/**
 * A malformed program: the simulator trusts nothing the compiler wrote, so every inconsistency it
 * can see is reported with the instruction it concerns (code `invalid-input`: the program is the
 * simulator's input).
 */
export function programError(instruction: Instruction | undefined, message: string, notes: readonly string[] = []): PimcError {
  const location = instruction === undefined ? undefined : { node: instruction.name, opType: instructionType(instruction) };
  return new PimcError('invalid-input', `program: ${message}`, { ...(location === undefined ? {} : { location }), notes });
}

export function instructionType(instruction: Instruction): string {
  return instruction.op === 'digital' ? `digital ${instruction.kind}` : instruction.op;
}

export function checkProgram(condition: boolean, instruction: Instruction | undefined, message: () => string): asserts condition {
  if (!condition) throw programError(instruction, message());
}
