import { PimcError } from '@pimc/support';
import { Dropout, Tensor } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';

/** Dropout at inference: the input unchanged, and (when asked for) a mask that keeps everything. */
export const dropoutKernel = kernel(Dropout, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'data');
  const ratio = inputs[1];
  const training = inputs[2];
  if (training !== undefined && training.size > 0 && training.data[0] !== 0 && (ratio === undefined || ratio.data[0] !== 0)) {
    throw new PimcError('unsupported-attribute', 'Dropout in training mode (random masking) is not supported');
  }
  if (ctx.node.outputs.length < 2) return [x];
  const mask = Tensor.zeros('bool', x.shape);
  mask.data.fill(1);
  return [x, mask];
});
