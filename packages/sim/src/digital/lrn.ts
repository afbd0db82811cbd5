import { programError } from '../program-error.js';
import { formatShape, requireFloat, sizeOf } from '../sim-tensor.js';
import { integerAttr, numberAttr } from './attrs.js';
import { countTraffic, operand, requireSize, single, type DigitalKernel } from './context.js';

/**
 * `lrn` {size, alpha, beta, bias}: f32 → f32 local response normalization across channels (axis 1)
 * of [N, C, ...], ONNX LRN: `y = x / (bias + alpha/size · Σ x²)^beta`, the sum over channels
 * `[c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉]` inside the tensor, in double precision (the squares added
 * in channel order), rounded to f32 once. A float op between dequantize and quantize (AlexNet,
 * GoogLeNet).
 */
export const lrn: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireFloat(x, 'lrn');
  requireSize(ctx, x, slot);
  const op = ctx.op;
  if (x.shape.length < 2) throw programError(op, `normalizes [N, C, ...], got ${formatShape(x.shape)}`);
  const size = integerAttr(op, 'size', 1);
  const alpha = numberAttr(op, 'alpha');
  const beta = numberAttr(op, 'beta');
  const bias = numberAttr(op, 'bias');
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const plane = sizeOf(x.shape.slice(2));
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  const k = alpha / size;
  const out = new Float32Array(xs.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const first = Math.max(0, ch - before);
      const last = Math.min(c - 1, ch + after);
      const base = (b * c + ch) * plane;
      for (let p = 0; p < plane; p++) {
        let sum = 0;
        for (let cc = first; cc <= last; cc++) {
          const v = xs[(b * c + cc) * plane + p]!;
          sum += v * v;
        }
        out[base + p] = xs[base + p]! / Math.pow(bias + k * sum, beta);
      }
    }
  }
  // Per element: a square-and-add per channel of the window, then a power and a division.
  ctx.events.digitalMacs(32, xs.length * (size + 2));
  const result = { type: 'f32' as const, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};
