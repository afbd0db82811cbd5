import type { Dim, Tensor } from '@pimc/ir';

/**
 * A constant broadcast over a result of shape `shape` as one value per channel (axis 1), as a vector
 * of `channels` values; undefined when it varies along any other axis or does not broadcast so.
 * Aligned to the result from the right, every dimension of the constant must be 1, except the one on
 * the channel axis, which may be C: `[C, 1, 1]` and `[1, C, 1, 1]` over `[N, C, H, W]`, or a scalar.
 */
export function channelVector(c: Tensor, shape: readonly Dim[] | undefined, channels: number): Float64Array | undefined {
  if (shape === undefined || shape.length < 2 || c.rank > shape.length || shape[1] !== channels) return undefined;
  const offset = shape.length - c.rank;
  const perChannel = c.shape.every((d, i) => d === 1 || (i + offset === 1 && d === channels));
  if (!perChannel) return undefined;
  const values = c.toNumbers();
  return Float64Array.from({ length: channels }, (_, k) => values[c.size === 1 ? 0 : k]!);
}
