import { PimcError, type ErrorCode } from '@pimc/support';

/**
 * The error codes `.pimb` problems are reported with, kept in one place. Two dedicated codes are
 * proposed for `@pimc/support` (`invalid-binary`, `chip-mismatch`); until they exist the nearest
 * existing codes stand in, and switching is a change to this table only.
 */
export const PIMB_ERROR_CODES = {
  /** Not a .pimb, truncated, checksum mismatch, unsupported version or flags, inconsistent contents. */
  invalidBinary: 'invalid-binary',
  /** The protobuf body does not decode. */
  malformedBody: 'malformed-protobuf',
  /** `decodePimb`'s `expectChip` differs from the chip the program was compiled for. */
  chipMismatch: 'chip-mismatch',
  /** `encodePimb`/`validateProgram` was given a Program that breaks the format's rules: a compiler bug. */
  invalidProgram: 'internal',
} as const satisfies Record<string, ErrorCode>;

/**
 * Reports one problem at a dotted path inside the program (`instructions[2].tiles[0].crossbar`).
 * `code` replaces the Fail's own code for problems of another kind (a program that needs blocks its
 * chip lacks is a chip mismatch, whether it is being read or written).
 */
export type Fail = (path: string, message: string, notes?: readonly string[], code?: ErrorCode) => never;

/** A `Fail` throwing PimcErrors with `code`, located in `file` when there is one. */
export function failWith(code: ErrorCode, file: string | undefined, extraNotes: readonly string[] = []): Fail {
  return (path, message, notes = [], override = code) => {
    throw new PimcError(override, message, {
      location: { ...(file === undefined ? {} : { file }), ...(path === '' ? {} : { path }) },
      notes: [...notes, ...extraNotes],
    });
  };
}
