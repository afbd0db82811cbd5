import { type Node, type PimQConvAttrs } from '@pimc/ir';
import type { DigitalOp } from '@pimc/isa';
import { PimcError } from '@pimc/support';

/*
 * A depthwise 1×1 PimQConv (one weight per channel, stride 1, no padding) is a per-channel
 * multiply-add: quantize writes a BatchNormalization that could not be folded into a convolution
 * (DenseNet's pre-activation BatchNorms after a Concat) this way. On crossbars it would take one
 * crossbar per channel with a single row used, so it runs on the digital units as `affine`
 * (docs/lowering.md, docs/simulator.md) — the same integer arithmetic, and exact: a one-row column
 * sum can never clip the ADC either.
 */

/** True for a PimQConv with group = C = M, a 1×1 kernel, strides 1 and no padding. */
export function isChannelwiseConv(node: Node): boolean {
  if (node.op !== 'PimQConv') return false;
  const w = node.inputs[1]?.constant;
  const x = node.inputs[0]?.type.shape;
  const a = node.attrs as PimQConvAttrs;
  if (w === undefined || x === undefined || w.dtype !== 'int8') return false;
  const channels = w.shape[0]!;
  return (
    w.shape.slice(1).every((d) => d === 1) &&
    a.group === channels &&
    x[1] === channels &&
    a.strides.every((s) => s === 1) &&
    a.pads.every((p) => p === 0)
  );
}

/** Per-channel list from a one-or-C attribute. */
function perChannel(values: readonly number[], channels: number): number[] {
  return Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]!);
}

/** The `affine` attributes of a channel-wise PimQConv. */
export function affineAttrs(node: Node): DigitalOp['attrs'] {
  const a = node.attrs as PimQConvAttrs;
  const w = node.inputs[1]!.constant!;
  const channels = w.shape[0]!;
  const b = node.inputs[2];
  if (b !== undefined && b.constant?.dtype !== 'int32') {
    throw new PimcError('unsupported-model', 'its bias B is not an int32 constant', {
      location: { node: node.name, opType: node.op },
    });
  }
  return {
    inZeroPoint: a.x_zero_point,
    weight: Array.from(w.data as Int8Array),
    bias: b === undefined ? new Array<number>(channels).fill(0) : Array.from(b.constant!.data as Int32Array),
    multiplier: perChannel(a.multiplier, channels),
    shift: perChannel(a.shift, channels),
    outZeroPoint: a.y_zero_point,
    min: a.y_min,
    max: a.y_max,
  };
}
