import { requireFloat, sizeOf } from '../sim-tensor.js';
import { axisAttr } from './attrs.js';
import { countTraffic, operand, requireSize, single, type DigitalKernel } from './context.js';

/**
 * `softmax` {axis}: f32 → f32 along one axis, `exp(x − max) / Σ exp(x − max)`, computed in double
 * precision and rounded to f32 once (the float tail of a model, after dequantize).
 */
export const softmax: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireFloat(x, 'softmax');
  requireSize(ctx, x, slot);
  const axis = axisAttr(ctx.op, 'axis', x.shape.length);
  const len = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const out = new Float32Array(xs.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, xs[base + j * inner]!);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += Math.exp(xs[base + j * inner]! - max);
      for (let j = 0; j < len; j++) out[base + j * inner] = Math.exp(xs[base + j * inner]! - max) / sum;
    }
  }
  // Per element: an exponential and a division (two 32-bit multiply-class ops) and an add to the sum.
  ctx.events.digitalMacs(32, 2 * xs.length);
  ctx.events.digitalAdds(32, xs.length);
  const result = { type: 'f32' as const, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};
