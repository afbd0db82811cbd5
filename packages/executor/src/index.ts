export { type Kernel, type KernelContext, KernelRegistry, kernel, operand } from './kernel.js';
export { broadcastStrides, mapBroadcast, binaryBroadcast } from './broadcast.js';
export { referenceKernels } from './kernels/register-all.js';
export { runGraph, type RunOptions, type RunResult } from './run.js';
