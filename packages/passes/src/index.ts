export { foldConstants } from './fold-constants.js';
export { eliminateDeadCode } from './eliminate-dead-code.js';
export { removeIdentities } from './remove-identities.js';
export { foldBatchNorm } from './fold-batchnorm.js';
export { allPasses } from './register-all.js';
