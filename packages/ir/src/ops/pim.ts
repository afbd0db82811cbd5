import type { OpSchema } from '../op-schema.js';

/** pimc's quantized dialect (docs/design/quantized-dialect.md). */
export const pimOps: readonly OpSchema[] = [];
