import { PimcError } from '@pimc/support';
import { Tensor, type RawAttr, type Value } from '@pimc/ir';
import { dropAttrs, importAsIs, type ImportContext, type ImportRule, type OnnxNode } from '../import-rule.js';

/**
 * Import rules for older opsets of the shape ops. Most of them moved attributes into inputs over
 * the years (Slice in 10, Pad in 11, Split/Squeeze/Unsqueeze in 13); the rules turn those
 * attributes into constant inputs. Reshape (5+), Flatten, Transpose, Concat, Gather, Shape (< 15
 * has no start/end, whose defaults mean the same) and ConstantOfShape import one-to-one.
 */

function fail(node: OnnxNode, message: string): never {
  throw new PimcError('invalid-attribute', `${node.opType}: ${message}`, { location: { node: node.name, opType: node.opType } });
}

function intsAttr(node: OnnxNode, name: string): readonly number[] | undefined {
  const a = node.attrs.get(name);
  if (a === undefined) return undefined;
  if (a.kind !== 'ints') fail(node, `attribute '${name}' should be ints but is ${a.kind}`);
  return a.value as readonly number[];
}

function firstInput(node: OnnxNode): Value {
  const x = node.inputs[0];
  if (x === undefined) {
    throw new PimcError('invalid-input', `${node.opType} needs an input`, { location: { node: node.name, opType: node.opType } });
  }
  return x;
}

/** An int64 constant input from a legacy ints attribute. */
function intsInput(ctx: ImportContext, values: readonly number[], hint: string): Value {
  return ctx.constant(Tensor.from('int64', [values.length], values), hint);
}

/** Operands with trailing omitted ones dropped (the same as absent). */
function trimmed(inputs: readonly (Value | undefined)[]): (Value | undefined)[] {
  const out = [...inputs];
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}

const numOutputs = (node: OnnxNode): RawAttr => ({ kind: 'int', value: node.outputNames.length });

/** Split before 13: the `split` attribute becomes an input; without it, equal parts, one per output. */
const splitUpTo12: ImportRule = {
  opType: 'Split',
  opsets: [1, 12],
  import(node, ctx) {
    const split = intsAttr(node, 'split');
    const attrs = new Map(dropAttrs(node.attrs, ['split']));
    const inputs = [firstInput(node)];
    if (split !== undefined) inputs.push(intsInput(ctx, split, 'split'));
    else attrs.set('num_outputs', numOutputs(node));
    return importAsIs({ ...node, inputs }, ctx, 'Split', attrs);
  },
};

/**
 * Split 13 to 17: without a `split` input the parts are equal, one per output. That is num_outputs
 * in opset 18, whose remainder rule only differs where 13..17 models were invalid.
 */
const split13To17: ImportRule = {
  opType: 'Split',
  opsets: [13, 17],
  import(node, ctx) {
    if (node.inputs[1] !== undefined) return importAsIs(node, ctx);
    const attrs = new Map(node.attrs);
    attrs.set('num_outputs', numOutputs(node));
    return importAsIs({ ...node, inputs: [firstInput(node)] }, ctx, 'Split', attrs);
  },
};

/** Squeeze and Unsqueeze before 13: the `axes` attribute becomes an input. */
function axesToInput(opType: 'Squeeze' | 'Unsqueeze'): ImportRule {
  return {
    opType,
    opsets: [1, 12],
    import(node, ctx) {
      const axes = intsAttr(node, 'axes');
      if (axes === undefined && opType === 'Unsqueeze') fail(node, "needs attribute 'axes'");
      const inputs = [firstInput(node)];
      if (axes !== undefined) inputs.push(intsInput(ctx, axes, 'axes'));
      return importAsIs({ ...node, inputs }, ctx, opType, dropAttrs(node.attrs, ['axes']));
    },
  };
}

/** Slice before 10: `starts`, `ends` and `axes` attributes become inputs (steps are all 1). */
const sliceUpTo9: ImportRule = {
  opType: 'Slice',
  opsets: [1, 9],
  import(node, ctx) {
    const starts = intsAttr(node, 'starts') ?? fail(node, "needs attribute 'starts'");
    const ends = intsAttr(node, 'ends') ?? fail(node, "needs attribute 'ends'");
    const axes = intsAttr(node, 'axes');
    const inputs = [firstInput(node), intsInput(ctx, starts, 'starts'), intsInput(ctx, ends, 'ends')];
    if (axes !== undefined) inputs.push(intsInput(ctx, axes, 'axes'));
    return importAsIs({ ...node, inputs }, ctx, 'Slice', dropAttrs(node.attrs, ['starts', 'ends', 'axes']));
  },
};

/** Pad before 11: `pads` and `value` attributes become inputs; `mode` stays. */
const padUpTo10: ImportRule = {
  opType: 'Pad',
  opsets: [1, 10],
  import(node, ctx) {
    const x = firstInput(node);
    const pads = intsAttr(node, 'pads') ?? fail(node, "needs attribute 'pads'");
    const value = node.attrs.get('value');
    if (value !== undefined && value.kind !== 'float') fail(node, `attribute 'value' should be float but is ${value.kind}`);
    const fill = value === undefined ? undefined : ctx.constant(Tensor.scalar(x.type.dtype, value.value as number), 'value');
    const inputs = trimmed([x, intsInput(ctx, pads, 'pads'), fill]);
    return importAsIs({ ...node, inputs }, ctx, 'Pad', dropAttrs(node.attrs, ['pads', 'value']));
  },
};

/** Reshape before 5 carried the target in a `shape` attribute. */
const reshapeUpTo4: ImportRule = {
  opType: 'Reshape',
  opsets: [1, 4],
  import(node, ctx) {
    const shape = intsAttr(node, 'shape') ?? fail(node, "needs attribute 'shape'");
    const inputs = [firstInput(node), intsInput(ctx, shape, 'shape')];
    return importAsIs({ ...node, inputs }, ctx, 'Reshape', dropAttrs(node.attrs, ['shape', 'consumed_inputs']));
  },
};

export const shapeRules: readonly ImportRule[] = [
  splitUpTo12,
  split13To17,
  axesToInput('Squeeze'),
  axesToInput('Unsqueeze'),
  sliceUpTo9,
  padUpTo10,
  reshapeUpTo4,
];
