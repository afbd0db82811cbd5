export { foldConstants } from './fold-constants.js';
export { eliminateDeadCode } from './eliminate-dead-code.js';
export { removeIdentities } from './remove-identities.js';
export { foldBatchNorm } from './fold-batchnorm.js';
export { foldAffine } from './fold-affine.js';
export { sumToAdd } from './sum-to-add.js';
export { allPasses } from './register-all.js';
export { fuseActivations } from './fuse-activations.js';
export { quantize, quantizeWith } from './quantize.js';
export {
  RangeObserver,
  HistogramObserver,
  HISTOGRAM_BINS,
  calibratedRange,
  quantile,
  type CalibrationMethod,
  type CalibrationTable,
  type ValueStatistics,
} from './quantize/calibration.js';
export { fixedPointMultiplier, sharedShiftMultipliers, fixedPointValue, type FixedPoint } from './quantize/fixed-point.js';
export { quantizedValueNames } from './quantize/names.js';
