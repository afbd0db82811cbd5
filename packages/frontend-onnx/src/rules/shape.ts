import type { ImportRule } from '../import-rule.js';

/** Import rules for older opsets of the shape ops (newer opsets import one-to-one). */
export const shapeRules: readonly ImportRule[] = [];
