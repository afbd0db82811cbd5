import type { ImportRule } from '../import-rule.js';

/** Import rules for older opsets of the elementwise ops (newer opsets import one-to-one). */
export const elementwiseRules: readonly ImportRule[] = [];
