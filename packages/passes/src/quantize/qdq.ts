import type { Node } from '@pimc/ir';
import type { QuantParams } from './params.js';

/**
 * The per-tensor parameters of a QuantizeLinear or DequantizeLinear node, when it has constant,
 * single-element scale and zero point and an 8-bit integer side: what a QDQ model (onnxruntime's
 * quantizer output) says a tensor's quantization is. Undefined for anything else (per-axis or
 * blocked activations, 16-bit types, computed scales), which then stays as it is.
 */
export function qdqParams(node: Node): QuantParams | undefined {
  if (node.op !== 'QuantizeLinear' && node.op !== 'DequantizeLinear') return undefined;
  if (Number(node.attrs['block_size'] ?? 0) !== 0) return undefined;
  const scale = node.inputs[1]?.constant;
  const zero = node.inputs[2];
  if (scale === undefined || scale.size !== 1 || scale.dtype !== 'float32') return undefined;
  if (zero !== undefined && (zero.constant === undefined || zero.constant.size !== 1)) return undefined;
  const dtype = node.op === 'QuantizeLinear' ? node.outputs[0]!.type.dtype : node.inputs[0]!.type.dtype;
  if (dtype !== 'uint8' && dtype !== 'int8') return undefined;
  const s = scale.toNumbers()[0]!;
  if (!(s > 0) || !Number.isFinite(s)) return undefined;
  return { scale: s, zeroPoint: zero?.constant?.toNumbers()[0] ?? 0, dtype };
}
