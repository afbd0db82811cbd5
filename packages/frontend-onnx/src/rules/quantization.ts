import type { ImportRule } from '../import-rule.js';

/** Import rules for older opsets of the quantization ops (newer opsets import one-to-one). */
export const quantizationRules: readonly ImportRule[] = [];
