import { PimcError } from '@pimc/support';
import { formatShape, type Value } from '@pimc/ir';
import { importAsIs, type ImportRule, type OnnxNode } from '../import-rule.js';

/**
 * Before opset 13, QuantizeLinear and DequantizeLinear had no `axis`: scale and zero point were one
 * value for the whole tensor. The newer op with its defaults means the same for such operands, so the
 * rule only refuses what the old op could not express (a per-axis scale would silently pick axis 1).
 * Opsets 13 to 23 only added attributes and types with defaults that keep the old meaning
 * (`saturate`, `block_size`, `output_dtype`, `precision`), so they import one-to-one.
 */
function perTensorOnly(opType: 'QuantizeLinear' | 'DequantizeLinear'): ImportRule {
  return {
    opType,
    opsets: [10, 12],
    import(node, ctx) {
      requireSingleValue(node, 1, opType === 'QuantizeLinear' ? 'y_scale' : 'x_scale', ctx.opset);
      requireSingleValue(node, 2, opType === 'QuantizeLinear' ? 'y_zero_point' : 'x_zero_point', ctx.opset);
      return importAsIs(node, ctx);
    },
  };
}

function requireSingleValue(node: OnnxNode, index: number, name: string, opset: number): void {
  const value: Value | undefined = node.inputs[index];
  const shape = value?.type.shape;
  if (shape === undefined || shape.every((d) => d === 1 || typeof d === 'string')) return;
  throw new PimcError(
    'invalid-input',
    `${node.opType} (opset ${opset}) takes a scalar ${name}, but it has shape ${formatShape(shape)}; per-axis quantization needs opset 13`,
    { location: { node: node.name, opType: node.opType } },
  );
}

/** Import rules for older opsets of the quantization ops (newer opsets import one-to-one). */
export const quantizationRules: readonly ImportRule[] = [perTensorOnly('QuantizeLinear'), perTensorOnly('DequantizeLinear')];
