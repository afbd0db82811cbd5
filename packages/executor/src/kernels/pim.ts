import type { Kernel } from '../kernel.js';

/** Exact integer kernels of pimc's quantized dialect (docs/design/quantized-dialect.md). */
export const pimKernels: readonly Kernel[] = [];
