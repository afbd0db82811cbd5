import type { DigitalOp } from '@pimc/isa';
import { add } from './add.js';
import { affine } from './affine.js';
import type { DigitalKernel } from './context.js';
import { decode } from './decode.js';
import { clampOp, dequantize, quantize, requantize } from './elementwise.js';
import { concat, reshape, transpose } from './layout.js';
import { lrn } from './lrn.js';
import { avgpool, maxpool } from './pool.js';
import { softmax } from './softmax.js';

/**
 * The digital units' operations, by kind. The simulator implements each one itself (it imports no
 * compiler or executor code): the duplication is deliberate, so a compiler bug cannot hide behind
 * shared code. Each kernel's doc comment defines its attributes; docs/simulator.md lists them all.
 */
export const DIGITAL_KERNELS: { readonly [K in DigitalOp['kind']]: DigitalKernel } = {
  quantize,
  dequantize,
  requantize,
  add,
  maxpool,
  avgpool,
  concat,
  reshape,
  transpose,
  softmax,
  clamp: clampOp,
  affine,
  lrn,
  decode,
};
