export { sgemm, type SgemmOptions } from './gemm.js';
export { sconv2d, conv2dOutputSize, type Conv2dShape, type Conv2dOptions } from './conv.js';
export { getThreads, setThreads, setResidentCapacity, residentStats } from './wasm.js';
export { srelu, sbinary, sfold, type BinaryOpName } from './elementwise.js';
export { smaxpool2d, type MaxPool2dShape } from './pool.js';
export {
  CrossbarLayer,
  type CrossbarLayerSpec,
  type CrossbarTile,
  type CrossbarSlice,
  type CrossbarRunOptions,
  type CrossbarRunStats,
} from './crossbar.js';
export { LutSums, type LutSumsSpec } from './lut.js';
