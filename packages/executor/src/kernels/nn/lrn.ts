import { LRN } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { floatBuffer, floatData, floatResult } from './float.js';

/**
 * LRN: y = x / (bias + alpha / size · Σ x²)^beta, the sum over channels
 * [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] clipped to the tensor.
 */
export const lrnKernel = kernel(LRN, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const xd = floatData(x, ctx, 'X');
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const plane = n * c === 0 ? 0 : x.size / (n * c);
  const before = Math.floor((attrs.size - 1) / 2);
  const after = Math.ceil((attrs.size - 1) / 2);
  const k = attrs.alpha / attrs.size;
  const y = floatBuffer(x.dtype, x.size);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const lo = Math.max(0, ch - before);
      const hi = Math.min(c - 1, ch + after);
      const base = (b * c + ch) * plane;
      for (let p = 0; p < plane; p++) {
        let sum = 0;
        for (let cc = lo; cc <= hi; cc++) {
          const v = xd[(b * c + cc) * plane + p]!;
          sum += v * v;
        }
        y[base + p] = xd[base + p]! / Math.pow(attrs.bias + k * sum, attrs.beta);
      }
    }
  }
  return [floatResult(x.dtype, x.shape, y)];
});
