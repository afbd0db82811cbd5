import { PimcError, type ErrorCode } from './errors.js';

/**
 * Internal invariant check. The message is a function so no string is built on the hot path; a
 * failure is a compiler bug, reported with code `internal`.
 */
export function assert(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new PimcError('internal', message());
}

/** Checks user input: failure is the user's problem, reported with the given code. */
export function check(condition: boolean, code: ErrorCode, message: () => string): asserts condition {
  if (!condition) throw new PimcError(code, message());
}

/** Marks a branch that exhaustive type checks make unreachable. */
export function unreachable(value: never, what: string): never {
  throw new PimcError('internal', `unreachable: unexpected ${what} ${JSON.stringify(value)}`);
}
