import type { Kernel } from '../kernel.js';
import { fusedActivationKernel } from './pim/fused-activation.js';
import { qavgPoolKernel } from './pim/q-avg-pool.js';
import { qconvKernel } from './pim/q-conv.js';
import { qaddKernel, requantizeKernel } from './pim/q-elementwise.js';
import { qgemmKernel } from './pim/q-gemm.js';

/** Exact integer kernels of pimc's quantized dialect (docs/design/quantized-dialect.md). */
export const pimKernels: readonly Kernel[] = [
  qconvKernel,
  qgemmKernel,
  qaddKernel,
  requantizeKernel,
  qavgPoolKernel,
  fusedActivationKernel,
];
