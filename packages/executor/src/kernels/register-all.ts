import { KernelRegistry } from '../kernel.js';
import { clusterKernels } from './cluster.js';
import { elementwiseKernels } from './elementwise.js';
import { nnKernels } from './nn.js';
import { pimKernels } from './pim.js';
import { quantizationKernels } from './quantization.js';
import { shapeKernels } from './shape.js';

/** Every kernel of the reference executor, one list per category file (no side-effect registration). */
export const referenceKernels = new KernelRegistry([
  elementwiseKernels,
  nnKernels,
  shapeKernels,
  quantizationKernels,
  pimKernels,
  clusterKernels,
]);
