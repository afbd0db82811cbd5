import type { Pass } from '@pimc/ir';
import { eliminateDeadCode } from './eliminate-dead-code.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldConstants } from './fold-constants.js';
import { fuseActivations } from './fuse-activations.js';
import { quantize } from './quantize.js';
import { removeIdentities } from './remove-identities.js';

/** Every pass pimc offers, in one explicit list (no registration by import side effect). */
export const allPasses: readonly Pass[] = [
  foldConstants,
  eliminateDeadCode,
  removeIdentities,
  foldBatchNorm,
  fuseActivations,
  quantize,
];
