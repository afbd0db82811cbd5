import type { Kernel } from '../kernel.js';
import { batchNormKernel } from './nn/batch-norm.js';
import { convTransposeKernel } from './nn/conv-transpose.js';
import { convKernel } from './nn/conv.js';
import { dropoutKernel } from './nn/dropout.js';
import { lrnKernel } from './nn/lrn.js';
import { gemmKernel, matmulKernel } from './nn/matmul.js';
import { averagePoolKernel, globalAveragePoolKernel, globalMaxPoolKernel, maxPoolKernel } from './nn/pool.js';
import { resizeKernel } from './nn/resize.js';
import { logSoftmaxKernel, softmaxKernel } from './nn/softmax.js';

export const nnKernels: readonly Kernel[] = [
  convKernel,
  convTransposeKernel,
  gemmKernel,
  matmulKernel,
  batchNormKernel,
  maxPoolKernel,
  averagePoolKernel,
  globalAveragePoolKernel,
  globalMaxPoolKernel,
  lrnKernel,
  softmaxKernel,
  logSoftmaxKernel,
  resizeKernel,
  dropoutKernel,
];
