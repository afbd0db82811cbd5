import { programError } from '../program-error.js';
import { requireInteger, type SimTensor } from '../sim-tensor.js';
import { countTraffic, operand, requireSize, single, type DigitalKernel } from './context.js';

/**
 * `decode` {}: a RAPIDNN index tensor (u8 with a codebook) → f32, `y = codebook[x]`: one table read
 * per element (`lutReads`), the way back from cluster indices to real values before a float op.
 */
export const decode: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const xs = requireInteger(x, 'decode');
  requireSize(ctx, x, slot);
  const codebook = ctx.inputDescs[0]?.codebook;
  if (x.type !== 'u8' || codebook === undefined) {
    throw programError(ctx.op, `reads '${ctx.inputDescs[0]?.name ?? '?'}', which is not a u8 index tensor with a codebook`);
  }
  if (slot.desc.type !== 'f32') throw programError(ctx.op, `result '${slot.desc.name}' must be f32, not ${slot.desc.type}`);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = codebook[xs[i]!];
    if (v === undefined) {
      throw programError(ctx.op, `element ${i} is cluster ${xs[i]}, but the codebook has ${codebook.length} clusters`);
    }
    out[i] = v;
  }
  ctx.events.lutReads(xs.length);
  const result: SimTensor = { type: 'f32', shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};
