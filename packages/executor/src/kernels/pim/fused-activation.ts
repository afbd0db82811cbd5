import { PimFusedActivation } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { floatBuffer, floatData, floatResult } from '../nn/float.js';

/**
 * PimFusedActivation in float: `min(max(x, min), max)` with Clip's exact meaning (NaN stays NaN;
 * min above max gives max), so the float model runs unchanged after fuse-activations.
 */
export const fusedActivationKernel = kernel(PimFusedActivation, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const src = floatData(x, ctx, 'X');
  const lo = attrs.min ?? -Infinity;
  const hi = attrs.max ?? Infinity;
  const dst = floatBuffer(x.dtype, x.size);
  // Math.max and Math.min keep NaN, and with lo > hi give hi, as Clip does.
  for (let i = 0; i < src.length; i++) dst[i] = Math.min(Math.max(src[i]!, lo), hi);
  return [floatResult(x.dtype, x.shape, dst)];
});
