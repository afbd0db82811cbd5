import { formatLocation, type Location } from './location.js';

/**
 * Stable error codes. Tests and scripts match on these, never on message text, so a message can be
 * improved without breaking anyone.
 */
export type ErrorCode =
  // Reading files and protobuf.
  | 'io'
  | 'malformed-protobuf'
  | 'unsupported-model'
  | 'unsupported-op'
  | 'unsupported-attribute'
  | 'unsupported-dtype'
  | 'invalid-tensor'
  | 'shape-too-large'
  | 'external-data'
  | 'invalid-model'
  | 'invalid-chip'
  | 'invalid-binary'
  | 'chip-mismatch'
  // Graph semantics.
  | 'shape-mismatch'
  | 'invalid-attribute'
  | 'invalid-input'
  | 'verify'
  // Passes and pipelines.
  | 'pass'
  | 'pipeline'
  // Command-line usage.
  | 'usage'
  // A compiler bug: an assertion that should never fail.
  | 'internal';

/** A user-facing error with a stable code, a location and optional notes. */
export class PimcError extends Error {
  readonly code: ErrorCode;
  readonly location: Location | undefined;
  readonly notes: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { location?: Location; notes?: readonly string[]; cause?: unknown } = {},
  ) {
    const where = formatLocation(options.location);
    super(where === '' ? message : `${where}: ${message}`, { cause: options.cause });
    this.name = 'PimcError';
    this.code = code;
    this.location = options.location;
    this.notes = options.notes ?? [];
  }

  /** The message followed by its notes, one per indented line, as the CLI prints it. */
  describe(): string {
    return [this.message, ...this.notes.map((n) => `  note: ${n}`)].join('\n');
  }
}

/** True when `e` is a PimcError with the given code (or any PimcError without one). */
export function isPimcError(e: unknown, code?: ErrorCode): e is PimcError {
  return e instanceof PimcError && (code === undefined || e.code === code);
}

/** Adds a location to errors thrown inside `fn` that do not carry one yet. */
export function withLocation<T>(location: Location, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PimcError && e.location === undefined) {
      throw new PimcError(e.code, e.message, { location, notes: e.notes, cause: e.cause });
    }
    throw e;
  }
}
