import type { ImportRule } from '../import-rule.js';

/** Import rules for older opsets of the nn ops (newer opsets import one-to-one). */
export const nnRules: readonly ImportRule[] = [];
