import type { Pass } from '@pimc/ir';
import { eliminateDeadCode } from './eliminate-dead-code.js';
import { foldAffine } from './fold-affine.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldConstants } from './fold-constants.js';
import { fuseActivations } from './fuse-activations.js';
import { quantize } from './quantize.js';
import { removeIdentities } from './remove-identities.js';
import { sumToAdd } from './sum-to-add.js';
import { rapidnnCluster } from './rapidnn/cluster/index.js';
import { raellaEncode } from './raella/raella-encode.js';
import { raellaSlice } from './raella/raella-slice.js';
import { raellaSpeculate } from './raella/raella-speculate.js';

/** Every pass pimc offers, in one explicit list (no registration by import side effect). */
export const allPasses: readonly Pass[] = [
  foldConstants,
  eliminateDeadCode,
  removeIdentities,
  foldBatchNorm,
  foldAffine,
  sumToAdd,
  fuseActivations,
  quantize,
  raellaEncode,
  raellaSlice,
  raellaSpeculate,
  rapidnnCluster,
];
