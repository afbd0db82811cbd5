export { sgemm, type SgemmOptions } from './gemm.js';
export { sconv2d, conv2dOutputSize, type Conv2dShape } from './conv.js';
export { getThreads, setThreads } from './wasm.js';
