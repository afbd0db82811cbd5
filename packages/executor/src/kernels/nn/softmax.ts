import { LogSoftmax, normalizeAxis, Softmax, type Tensor } from '@pimc/ir';
import { kernel, operand, type KernelContext } from '../../kernel.js';
import { floatBuffer, floatData, floatResult, product } from './float.js';

/** Softmax and LogSoftmax along one axis, shifted by the maximum so exp never overflows. */
export const softmaxKernel = kernel(Softmax, (inputs, attrs, ctx) => [softmaxAlong(inputs, attrs.axis, ctx, false)]);
export const logSoftmaxKernel = kernel(LogSoftmax, (inputs, attrs, ctx) => [softmaxAlong(inputs, attrs.axis, ctx, true)]);

function softmaxAlong(inputs: readonly (Tensor | undefined)[], axisAttr: number, ctx: KernelContext, log: boolean): Tensor {
  const x = operand(inputs, 0, ctx, 'input');
  const xd = floatData(x, ctx, 'input');
  const axis = normalizeAxis(axisAttr, x.rank, ctx.node.op);
  const len = x.shape[axis]!;
  const inner = product(x.shape.slice(axis + 1));
  const outer = product(x.shape.slice(0, axis));
  const y = floatBuffer(x.dtype, x.size);
  const exps = new Float64Array(log ? 0 : len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, xd[base + j * inner]!);
      let sum = 0;
      if (log) {
        for (let j = 0; j < len; j++) sum += Math.exp(xd[base + j * inner]! - max);
        const shift = max + Math.log(sum);
        for (let j = 0; j < len; j++) y[base + j * inner] = xd[base + j * inner]! - shift;
      } else {
        // The exponentials stay in double until the division, so each result is rounded once.
        for (let j = 0; j < len; j++) {
          const e = Math.exp(xd[base + j * inner]! - max);
          exps[j] = e;
          sum += e;
        }
        for (let j = 0; j < len; j++) y[base + j * inner] = exps[j]! / sum;
      }
    }
  }
  return floatResult(x.dtype, x.shape, y);
}
