import { PimcError } from '@pimc/support';
import { allocate, PimQGemm, Tensor, type TypedArray } from '@pimc/ir';
import { kernel, operand } from '../../kernel.js';
import { columnBounds, ExactIntegerGemm } from './exact-gemm.js';
import { requantizeChannels } from './requantize.js';

/**
 * PimQGemm: `acc[n, m] = Σ_k (X[n, k] − x_zp) · W[m, k]`, then `wrap32(acc + B[m])` requantized per
 * output channel. Computed as Yᵀ = W · (X − x_zp)ᵀ with the exact chunked GEMM, so the weights are
 * the fixed operand and the result is channel-major like a convolution's.
 */
export const qgemmKernel = kernel(PimQGemm, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const w = operand(inputs, 1, ctx, 'W');
  const bias = inputs[2];
  const [n, k] = [x.shape[0]!, x.shape[1]!];
  const m = w.shape[0]!;
  if (x.rank !== 2 || w.rank !== 2 || w.shape[1] !== k) {
    throw new PimcError(
      'shape-mismatch',
      `PimQGemm: X [${x.shape.join(', ')}] and W [${w.shape.join(', ')}] are not [N, K] and [M, K]`,
      {
        location: { node: ctx.node.name, opType: ctx.node.op },
      },
    );
  }
  const xd = x.data as TypedArray;
  const wd = w.data as Int8Array;
  const zp = attrs.x_zero_point;
  const xt = new Float32Array(k * n);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) xt[j * n + r] = xd[r * k + j]! - zp;
  const acc = new Float64Array(m * n);
  new ExactIntegerGemm(m, k, new Float32Array(wd), 0, columnBounds(wd, 0, m, k, 255)).multiplyAdd(n, xt, 0, acc, 0);
  // acc is [M, N]: requantize as one "image" of M channels with N positions, then transpose.
  const channelMajor = requantizeChannels(acc, bias?.data as Int32Array | undefined, 1, m, n, attrs);
  const out = allocate(attrs.y_dtype, n * m) as TypedArray;
  for (let oc = 0; oc < m; oc++) for (let r = 0; r < n; r++) out[r * m + oc] = channelMajor[oc * n + r]!;
  return [new Tensor(attrs.y_dtype, [n, m], out as never)];
});
