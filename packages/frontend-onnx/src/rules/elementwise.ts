import { PimcError } from '@pimc/support';
import { Tensor, type Value } from '@pimc/ir';
import { dropAttrs, importAsIs, type ImportContext, type ImportRule, type OnnxNode } from '../import-rule.js';

/**
 * Import rules for older opsets of the element-wise ops. From opset 7 on, broadcasting arithmetic,
 * comparisons, the activations, Cast (`to` keeps its integer code) and the variadic Max/Min/Sum/Mean
 * mean what they mean today, so they import one-to-one. Only Clip changed shape: its bounds moved
 * from attributes to inputs in opset 11.
 */

/** A float attribute, or undefined when absent. */
function floatAttr(node: OnnxNode, name: string): number | undefined {
  const a = node.attrs.get(name);
  if (a === undefined) return undefined;
  if (a.kind !== 'float') {
    throw new PimcError('invalid-attribute', `${node.opType} attribute '${name}' should be float but is ${a.kind}`, {
      location: { node: node.name, opType: node.opType },
    });
  }
  return a.value as number;
}

/**
 * Clip before opset 11: `min`/`max` attributes (defaulting to the float range) become scalar
 * constant inputs of the input's dtype. An absent or infinite bound is an omitted input.
 */
const legacyClip: ImportRule = {
  opType: 'Clip',
  opsets: [1, 10],
  import(node: OnnxNode, ctx: ImportContext) {
    const x = node.inputs[0];
    if (x === undefined) {
      throw new PimcError('invalid-input', 'Clip needs an input', { location: { node: node.name, opType: 'Clip' } });
    }
    const bound = (name: 'min' | 'max'): Value | undefined => {
      const v = floatAttr(node, name);
      return v === undefined || !Number.isFinite(v) ? undefined : ctx.constant(Tensor.scalar(x.type.dtype, v), name);
    };
    const inputs = [x, bound('min'), bound('max')];
    while (inputs.length > 1 && inputs[inputs.length - 1] === undefined) inputs.pop();
    return importAsIs({ ...node, inputs }, ctx, 'Clip', dropAttrs(node.attrs, ['min', 'max']));
  },
};

export const elementwiseRules: readonly ImportRule[] = [legacyClip];
