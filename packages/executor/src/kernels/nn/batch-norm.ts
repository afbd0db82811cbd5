import type { Tensor } from '@pimc/ir';
import { BatchNormalization } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { floatBuffer, floatData, floatResult } from './float.js';

/**
 * BatchNormalization folded to y = x · a[c] + b[c] with a = scale / sqrt(var + eps) and
 * b = B − mean · a (computed in float64). Training mode normalises with the batch's own statistics
 * and also returns the updated running mean and variance.
 */
export const batchNormKernel = kernel(BatchNormalization, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const param = (i: number, name: string) => floatData(operand(inputs, i, ctx, name), ctx, name);
  const scale = param(1, 'scale');
  const bias = param(2, 'B');
  const mean = param(3, 'input_mean');
  const variance = param(4, 'input_var');
  const xd = floatData(x, ctx, 'X');
  const n = x.rank >= 1 ? x.shape[0]! : 1;
  const c = x.rank >= 2 ? x.shape[1]! : 1;
  const plane = n * c === 0 ? 0 : x.size / (n * c);
  const training = attrs.training_mode !== 0;
  const useMean: ArrayLike<number> = training ? new Float64Array(c) : mean;
  const useVar: ArrayLike<number> = training ? new Float64Array(c) : variance;
  if (training) batchStatistics(xd, n, c, plane, useMean as Float64Array, useVar as Float64Array);
  const y = floatBuffer(x.dtype, x.size);
  for (let ch = 0; ch < c; ch++) {
    const a = scale[ch]! / Math.sqrt(useVar[ch]! + attrs.epsilon);
    const b = bias[ch]! - useMean[ch]! * a;
    for (let bi = 0; bi < n; bi++) {
      const base = (bi * c + ch) * plane;
      for (let i = base; i < base + plane; i++) y[i] = xd[i]! * a + b;
    }
  }
  const outputs = [floatResult(x.dtype, x.shape, y)];
  const meanT = operand(inputs, 3, ctx, 'input_mean');
  const varT = operand(inputs, 4, ctx, 'input_var');
  if (!training) return [...outputs, meanT, varT];
  const running = (old: ArrayLike<number>, current: Float64Array, like: Tensor) => {
    const out = floatBuffer(like.dtype, c);
    for (let ch = 0; ch < c; ch++) out[ch] = old[ch]! * attrs.momentum + current[ch]! * (1 - attrs.momentum);
    return floatResult(like.dtype, like.shape, out);
  };
  return [...outputs, running(mean, useMean as Float64Array, meanT), running(variance, useVar as Float64Array, varT)];
});

/** Per-channel mean and (population) variance over the batch and spatial axes. */
function batchStatistics(
  x: ArrayLike<number>,
  n: number,
  c: number,
  plane: number,
  mean: Float64Array,
  variance: Float64Array,
): void {
  const count = n * plane;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let bi = 0; bi < n; bi++) {
      const base = (bi * c + ch) * plane;
      for (let i = base; i < base + plane; i++) sum += x[i]!;
    }
    const mu = sum / count;
    let sq = 0;
    for (let bi = 0; bi < n; bi++) {
      const base = (bi * c + ch) * plane;
      for (let i = base; i < base + plane; i++) sq += (x[i]! - mu) ** 2;
    }
    mean[ch] = mu;
    variance[ch] = sq / count;
  }
}
