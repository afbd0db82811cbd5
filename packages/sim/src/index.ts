export {
  runProgram,
  prepareProgram,
  PreparedProgram,
  type RunOptions,
  type RunResult,
  type ProgramInputs,
  type InstructionRecord,
} from './run-program.js';
export { costReport, type CostReport, type InstructionCost } from './cost-report.js';
export { type SimTensor, type SimData, type IntegerType, allocate, integerRange, sizeOf } from './sim-tensor.js';
export type { NoiseOptions } from './crossbar/noise.js';
export type { ColumnSumKernel } from './crossbar/run-mvm.js';
export { crossbarRates, type CrossbarRates, type MvmStats } from './crossbar/mvm-stats.js';
export {
  rowColumnSums,
  bitplaneColumnSums,
  packBitplanes,
  packInputBits,
  popcount32,
  type Bitplanes,
} from './crossbar/column-sums.js';
export { multiplyShift, makeMultiplier, roundingShift, type Multiplier } from './fixed-point.js';
export { routerHops } from './noc.js';
