import { type Chip, validateChip } from '@pimc/arch';
import { PimcError } from '@pimc/support';
import { pimb } from '../generated/pimb.js';
import { checkProgram } from './check-program.js';
import { firstChipDifference } from './chip-difference.js';
import { unwrapBody, wrapBody } from './container.js';
import { programFromWire } from './from-wire.js';
import { PIMB_ERROR_CODES, failWith } from './pimb-errors.js';
import { PIMB_FORMAT_VERSION, type Program } from './program.js';
import { programToWire } from './to-wire.js';

export interface DecodeOptions {
  /** The file the bytes came from, named in every error. */
  readonly file?: string;
  /** The chip the caller means to run on: decoding fails when the program was compiled for another. */
  readonly expectChip?: Chip;
}

/**
 * The `.pimb` bytes of a program (docs/pimb-format.md). Deterministic: the same program always
 * gives the same bytes. A program the decoder would reject is refused (code `internal`: the
 * compiler built something inconsistent), so every file pimc writes can be read back.
 */
export function encodePimb(program: Program): Uint8Array {
  const chipJson = checkedChipJson(program);
  const body = pimb.Program.encode(programToWire(program, chipJson)).finish();
  return wrapBody(body, PIMB_FORMAT_VERSION);
}

/**
 * Checks an in-memory program as `encodePimb` does (the consistency rules of docs/pimb-format.md),
 * throwing a PimcError with code `internal` for the first problem: for a simulator handed a
 * Program directly rather than through a file.
 */
export function validateProgram(program: Program): void {
  checkedChipJson(program);
}

/** The program's chip as JSON, once the program passed every check. */
function checkedChipJson(program: Program): string {
  const fail = failWith(PIMB_ERROR_CODES.invalidProgram, undefined, [
    'a Program must satisfy the rules of docs/pimb-format.md to be written or run',
  ]);
  if (program.formatVersion !== PIMB_FORMAT_VERSION) {
    fail('formatVersion', `program has format version ${program.formatVersion}; this pimc writes version ${PIMB_FORMAT_VERSION}`);
  }
  const chipJson = JSON.stringify(program.chip);
  try {
    validateChip(JSON.parse(chipJson));
  } catch (e) {
    if (!(e instanceof PimcError)) throw e;
    fail('chip', `the program's chip does not validate: ${e.message}`, e.notes);
  }
  checkProgram(program, fail);
  return chipJson;
}

/**
 * The program in `.pimb` bytes. Every problem is a PimcError naming the file: not a .pimb, an
 * unsupported version, truncation, a checksum mismatch, an undecodable body, an invalid chip,
 * inconsistent contents, or a chip other than `options.expectChip`.
 */
export function decodePimb(bytes: Uint8Array, options: DecodeOptions = {}): Program {
  const { file, expectChip } = options;
  const { version, body } = unwrapBody(bytes, file);
  const fail = failWith(PIMB_ERROR_CODES.invalidBinary, file);
  let message: pimb.Program;
  try {
    message = pimb.Program.decode(body);
  } catch (e) {
    throw new PimcError(PIMB_ERROR_CODES.malformedBody, `malformed .pimb body: ${e instanceof Error ? e.message : String(e)}`, {
      location: file === undefined ? {} : { file },
      notes: ['the checksum matched, so the file was written this way: a bug in the program that wrote it'],
      cause: e,
    });
  }
  const chip = decodeChip(message.chipJson ?? '', file);
  const program = programFromWire(message, chip, version, fail);
  checkProgram(program, fail);
  if (expectChip !== undefined) checkExpectedChip(chip, expectChip, file);
  return program;
}

function decodeChip(json: string, file: string | undefined): Chip {
  const fail = failWith(PIMB_ERROR_CODES.invalidBinary, file);
  if (json === '') fail('chip', 'the .pimb holds no chip description');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    fail('chip', `the chip description inside the .pimb is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return validateChip(value);
  } catch (e) {
    if (!(e instanceof PimcError)) throw e;
    return fail('chip', `the chip description inside the .pimb is invalid: ${e.message}`, e.notes);
  }
}

function checkExpectedChip(actual: Chip, expected: Chip, file: string | undefined): void {
  const diff = firstChipDifference(actual, expected);
  if (diff === undefined) return;
  throw new PimcError(
    PIMB_ERROR_CODES.chipMismatch,
    `compiled for chip '${actual.name}', not '${expected.name}': ${diff.path} is ${diff.actual} in the program, ${diff.expected} in '${expected.name}'`,
    {
      location: file === undefined ? {} : { file },
      notes: ['recompile the model for this chip, or run it on the chip it was compiled for'],
    },
  );
}
