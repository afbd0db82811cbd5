import { PimcError } from '@pimc/support';
import { normalizeAxis, Tensor, type RawAttr, type Value } from '@pimc/ir';
import { dtypeToOnnx } from '../dtypes.js';
import { dropAttrs, importAsIs, type ImportContext, type ImportRule, type OnnxNode } from '../import-rule.js';

/**
 * Import rules for older opsets of the nn ops. Conv, ConvTranspose, the pools, LRN, MatMul and
 * Gemm from opset 7 on only gained attributes whose defaults keep the old meaning (Gemm's
 * `broadcast` went away in 7, below the oldest opset pimc imports), so they import one-to-one;
 * what changed meaning is translated here.
 */

function location(node: OnnxNode) {
  return { location: { node: node.name, opType: node.opType } };
}

function intAttr(node: OnnxNode, name: string, def: number): number {
  const a = node.attrs.get(name);
  if (a === undefined) return def;
  if (a.kind !== 'int') {
    throw new PimcError('invalid-attribute', `${node.opType} attribute '${name}' should be int but is ${a.kind}`, location(node));
  }
  return a.value as number;
}

function floatAttr(node: OnnxNode, name: string, def: number): number {
  const a = node.attrs.get(name);
  if (a === undefined) return def;
  if (a.kind !== 'float') {
    throw new PimcError(
      'invalid-attribute',
      `${node.opType} attribute '${name}' should be float but is ${a.kind}`,
      location(node),
    );
  }
  return a.value as number;
}

function withAttrs(attrs: ReadonlyMap<string, RawAttr>, set: Readonly<Record<string, RawAttr>>): ReadonlyMap<string, RawAttr> {
  const out = new Map(attrs);
  for (const [k, v] of Object.entries(set)) out.set(k, v);
  return out;
}

/** Output names as the builder wants them, inventing names for outputs the model leaves unused. */
function outputName(node: OnnxNode, i: number): string {
  const n = node.outputNames[i];
  return n === undefined || n === '' ? `${node.name}:unused${i}` : n;
}

function requireOps(ctx: ImportContext, node: OnnxNode, ops: readonly string[]): void {
  const missing = ops.filter((op) => !ctx.builder.ops.has(op));
  if (missing.length > 0) {
    throw new PimcError(
      'unsupported-op',
      `${node.opType} (opset ${ctx.opset}) is translated with ${missing.join(', ')}, which the IR lacks`,
      location(node),
    );
  }
}

/**
 * Softmax and LogSoftmax before opset 13 coerce the input to 2-D, [prod(dims[:axis]),
 * prod(dims[axis:])], and normalise each row. When axis is the last axis that is the newest op
 * along axis −1; otherwise it becomes Flatten{axis} → op{axis: −1} → Reshape back.
 */
function coercedSoftmax(opType: 'Softmax' | 'LogSoftmax'): ImportRule {
  return {
    opType,
    opsets: [1, 12],
    import(node, ctx) {
      const axis = intAttr(node, 'axis', 1);
      const x = node.inputs[0];
      if (x === undefined) throw new PimcError('invalid-input', `${opType} needs an input`, location(node));
      const shape = x.type.shape;
      const last = { axis: { kind: 'int', value: -1 } as RawAttr };
      if (shape !== undefined && normalizeAxis(axis, shape.length, `${opType} (opset ${ctx.opset})`) === shape.length - 1) {
        return importAsIs(node, ctx, opType, withAttrs(node.attrs, last));
      }
      requireOps(ctx, node, ['Flatten', 'Reshape', 'Shape']);
      const b = ctx.builder;
      const flat = b.add1('Flatten', [x], { name: b.uniqueName(`${node.name}_flatten`), attrs: { axis } });
      const normalised = b.add1(opType, [flat], { name: b.uniqueName(`${node.name}_2d`), attrs: { axis: -1 } });
      const { target, allowzero } = reshapeTarget(x, node, ctx);
      return b.add('Reshape', [normalised, target], {
        name: node.name,
        attrs: { allowzero },
        outputNames: [outputName(node, 0)],
      }).outputs;
    },
  };
}

/**
 * The shape to reshape a flattened `x` back to: a constant when at most one dim is symbolic (that
 * one as −1, so inference recovers the symbol), else `x`'s runtime Shape.
 */
function reshapeTarget(x: Value, node: OnnxNode, ctx: ImportContext): { target: Value; allowzero: number } {
  const shape = x.type.shape;
  const symbolic = shape?.filter((d) => typeof d !== 'number').length ?? Infinity;
  if (shape !== undefined && symbolic === 0) {
    return { target: ctx.constant(Tensor.from('int64', [shape.length], shape as number[]), `${node.name}_shape`), allowzero: 1 };
  }
  if (shape !== undefined && symbolic === 1 && !shape.includes(0)) {
    const dims = shape.map((d) => (typeof d === 'number' ? d : -1));
    return { target: ctx.constant(Tensor.from('int64', [dims.length], dims), `${node.name}_shape`), allowzero: 0 };
  }
  return { target: ctx.builder.add1('Shape', [x], { name: ctx.builder.uniqueName(`${node.name}_shape`) }), allowzero: 0 };
}

/**
 * BatchNormalization before opset 14: `spatial` (7-8; 0 would normalise per position and
 * channel), `is_test` and `consumed_inputs` (older still). The op runs in test mode with only Y;
 * asking for the running statistics meant training mode, which the newest op has as training_mode.
 * saved_mean and saved_var have no counterpart.
 */
const batchNormalization: ImportRule = {
  opType: 'BatchNormalization',
  opsets: [1, 13],
  import(node, ctx) {
    const x = node.inputs[0];
    if (intAttr(node, 'spatial', 1) === 0 && (x?.type.shape === undefined || x.type.shape.length > 2)) {
      throw new PimcError(
        'unsupported-attribute',
        'BatchNormalization with spatial = 0 (per-position statistics) is not supported',
        location(node),
      );
    }
    const used = node.outputNames.map((n) => n !== '');
    if (used[3] === true || used[4] === true) {
      throw new PimcError(
        'unsupported-attribute',
        'BatchNormalization outputs saved_mean and saved_var (training) are not supported',
        location(node),
      );
    }
    const training = used[1] === true || used[2] === true;
    let attrs = dropAttrs(node.attrs, ['spatial', 'is_test', 'consumed_inputs']);
    if (training) attrs = withAttrs(attrs, { training_mode: { kind: 'int', value: 1 } });
    const count = training ? 3 : 1;
    const outputs = ctx.builder.add('BatchNormalization', node.inputs, {
      name: node.name,
      attrs,
      outputNames: Array.from({ length: count }, (_, i) => outputName(node, i)),
    }).outputs;
    return [...outputs, ...new Array<undefined>(Math.max(0, node.outputNames.length - count)).fill(undefined)];
  },
};

/**
 * Dropout before opset 12: `ratio` was an attribute (now an input) and `is_test` existed before 7.
 * Inference ignores the ratio, but it is kept as a constant so the graph still says what it was.
 * Opsets 7-9 typed the mask like the data rather than bool, so such a mask becomes a Cast of the
 * (all-true) bool mask; exporters often name it even when nothing reads it.
 */
const dropout: ImportRule = {
  opType: 'Dropout',
  opsets: [1, 11],
  import(node, ctx) {
    const x = node.inputs[0];
    if (x === undefined) throw new PimcError('invalid-input', 'Dropout needs an input', location(node));
    const ratio = ctx.constant(Tensor.scalar('float32', floatAttr(node, 'ratio', 0.5)), `${node.name}_ratio`);
    const attrs = dropAttrs(node.attrs, ['ratio', 'is_test', 'consumed_inputs']);
    if ((node.outputNames[1] ?? '') === '') {
      return ctx.builder.add('Dropout', [x, ratio], { name: node.name, attrs, outputNames: [outputName(node, 0)] }).outputs;
    }
    if (ctx.opset >= 10) {
      return ctx.builder.add('Dropout', [x, ratio], {
        name: node.name,
        attrs,
        outputNames: [outputName(node, 0), outputName(node, 1)],
      }).outputs;
    }
    requireOps(ctx, node, ['Cast']);
    const b = ctx.builder;
    const [output, mask] = b.add('Dropout', [x, ratio], {
      name: node.name,
      attrs,
      outputNames: [outputName(node, 0), b.uniqueName(`${node.name}_bool_mask`)],
    }).outputs;
    const typedMask = b.add1('Cast', [mask], {
      name: b.uniqueName(`${node.name}_mask`),
      attrs: { to: dtypeToOnnx(x.type.dtype) },
      outputNames: [outputName(node, 1)],
    });
    return [output, typedMask];
  },
};

/** Scales of an old Resize/Upsample: the constant input (opsets 9-10) or the attribute (7-8). */
function legacyScales(node: OnnxNode, ctx: ImportContext): { value: Value; numbers: number[] | undefined } {
  const attr = node.attrs.get('scales');
  if (attr !== undefined) {
    const numbers = [...(attr.value as readonly number[])];
    return { value: ctx.constant(Tensor.from('float32', [numbers.length], numbers), `${node.name}_scales`), numbers };
  }
  const input = node.inputs[1];
  if (input === undefined) throw new PimcError('invalid-input', `${node.opType} needs scales`, location(node));
  return { value: input, numbers: input.constant?.toNumbers() };
}

/**
 * Resize-10 and Upsample-7..10 map output position o to input o / scale (asymmetric). Nearest
 * took the floor when enlarging and the ceiling when shrinking an axis (onnxruntime's rule for
 * these opsets), which the newest op expresses as nearest_mode floor or ceil for the whole node.
 */
function legacyResize(opType: 'Resize' | 'Upsample', opsets: readonly [number, number]): ImportRule {
  return {
    opType,
    opsets,
    import(node, ctx) {
      const x = node.inputs[0];
      if (x === undefined) throw new PimcError('invalid-input', `${opType} needs an input`, location(node));
      const modeAttr = node.attrs.get('mode');
      const given = modeAttr === undefined ? 'nearest' : String(modeAttr.value).toLowerCase();
      const mode = given === 'bilinear' ? 'linear' : given;
      if (mode !== 'nearest' && mode !== 'linear') {
        throw new PimcError(
          'unsupported-attribute',
          `${opType} (opset ${ctx.opset}) mode '${given}' is not supported`,
          location(node),
        );
      }
      const scales = legacyScales(node, ctx);
      const shrinks = scales.numbers?.some((s) => s < 1) ?? false;
      const grows = scales.numbers?.some((s) => s > 1) ?? false;
      if (mode === 'nearest' && shrinks && grows) {
        throw new PimcError(
          'unsupported-attribute',
          `${opType} (opset ${ctx.opset}) nearest with scales [${scales.numbers!.join(', ')}] both shrinking and growing axes is not supported`,
          location(node),
        );
      }
      return ctx.builder.add('Resize', [x, undefined, scales.value], {
        name: node.name,
        attrs: {
          mode,
          coordinate_transformation_mode: 'asymmetric',
          nearest_mode: shrinks ? 'ceil' : 'floor',
        },
        outputNames: [outputName(node, 0)],
      }).outputs;
    },
  };
}

/**
 * Resize 11-12 wrote an unused roi and scales as empty tensors where 13+ omits them; the IR
 * schema treats an empty operand as absent, so only opset 10 needs a rule.
 */
export const nnRules: readonly ImportRule[] = [
  coercedSoftmax('Softmax'),
  coercedSoftmax('LogSoftmax'),
  batchNormalization,
  dropout,
  legacyResize('Resize', [10, 10]),
  legacyResize('Upsample', [1, 10]),
];
