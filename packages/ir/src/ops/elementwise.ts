import { PimcError } from '@pimc/support';
import { attr, type AttrsOf } from '../attrs.js';
import { DTYPES, type DType } from '../dtype.js';
import { defineOp, required, type InferInput, type OpSchema, type TensorType } from '../op-schema.js';
import { broadcastShapes, isStatic, sizeOf, type Shape } from '../shape.js';
import { dtypeFromOnnxCode } from '../onnx-dtype.js';

/** Element types each ONNX op admits, restricted to those pimc has. */
export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'float64'];
export const NUMERIC_DTYPES: readonly DType[] = DTYPES.filter((d) => d !== 'bool');
/** Floats and signed integers: the domain of Relu, Neg and friends. */
export const SIGNED_DTYPES: readonly DType[] = [...FLOAT_DTYPES, 'int8', 'int16', 'int32', 'int64'];

/** Refuses an operand whose dtype the op does not define, naming op, operand and the legal set. */
export function requireDType(input: InferInput, allowed: readonly DType[], op: string, operand: string): void {
  if (!allowed.includes(input.dtype)) {
    throw new PimcError('invalid-input', `${op} ${operand} cannot be ${input.dtype} (allowed: ${allowed.join(', ')})`);
  }
}

/** Result type of a broadcasting op over `inputs`, all of which must share a dtype. */
export function broadcastType(inputs: readonly (InferInput | undefined)[], op: string, dtype?: DType): TensorType {
  const present = inputs.filter((x): x is InferInput => x !== undefined);
  const first = present[0];
  if (first === undefined) throw new PimcError('invalid-input', `${op} needs at least one input`);
  for (const x of present) {
    if (x.dtype !== first.dtype) {
      throw new PimcError('invalid-input', `${op} inputs must share one dtype, got ${present.map((p) => p.dtype).join(' and ')}`);
    }
  }
  return {
    dtype: dtype ?? first.dtype,
    shape: broadcastOf(
      present.map((x) => x.shape),
      op,
    ),
  };
}

/** The broadcast of shapes that may be unknown: unknown when any is. */
function broadcastOf(shapes: readonly (Shape | undefined)[], op: string): Shape | undefined {
  return shapes.every((s): s is Shape => s !== undefined) ? broadcastShapes(shapes, op) : undefined;
}

/** A broadcasting op whose operands share a dtype from `allowed`; `result` fixes the output dtype (comparisons). */
const broadcasting = (name: string, summary: string, allowed: readonly DType[], result?: DType) =>
  defineOp({
    name,
    category: 'elementwise',
    summary,
    inputs: [{ name: 'A' }, { name: 'B' }],
    outputs: ['C'],
    attrs: {},
    infer: (inputs) => {
      requireDType(required(inputs, 0, name, 'A'), allowed, name, 'A');
      required(inputs, 1, name, 'B');
      return [broadcastType(inputs, name, result)];
    },
  });

/** Max, Min, Sum, Mean: any number of broadcasting operands of one dtype. */
const variadic = (name: string, summary: string, allowed: readonly DType[]) =>
  defineOp({
    name,
    category: 'elementwise',
    summary,
    inputs: [{ name: 'data_0', variadic: true }],
    outputs: [name.toLowerCase()],
    attrs: {},
    infer: (inputs) => {
      requireDType(required(inputs, 0, name, 'data_0'), allowed, name, 'data_0');
      return [broadcastType(inputs, name)];
    },
  });

/** Element-wise ops over one tensor that keep its type. */
const unary = (
  name: string,
  summary: string,
  allowed: readonly DType[],
  category: 'elementwise' | 'activation' = 'elementwise',
) =>
  defineOp({
    name,
    category,
    summary,
    inputs: [{ name: 'X' }],
    outputs: ['Y'],
    attrs: {},
    infer: (inputs) => {
      const x = required(inputs, 0, name, 'X');
      requireDType(x, allowed, name, 'X');
      return [{ dtype: x.dtype, shape: x.shape }];
    },
  });

export const Add = broadcasting('Add', 'A + B with broadcasting', NUMERIC_DTYPES);
export const Sub = broadcasting('Sub', 'A - B with broadcasting', NUMERIC_DTYPES);
export const Mul = broadcasting('Mul', 'A * B with broadcasting', NUMERIC_DTYPES);
export const Div = broadcasting('Div', 'A / B with broadcasting (integer division truncates toward zero)', NUMERIC_DTYPES);
export const Equal = broadcasting('Equal', 'A == B', DTYPES, 'bool');
export const Less = broadcasting('Less', 'A < B', NUMERIC_DTYPES, 'bool');
export const Greater = broadcasting('Greater', 'A > B', NUMERIC_DTYPES, 'bool');

/** Pow lets the exponent have its own dtype; the result has the base's. */
export const Pow = defineOp({
  name: 'Pow',
  category: 'elementwise',
  summary: 'X ^ Y with broadcasting; the exponent may have another numeric dtype',
  inputs: [{ name: 'X' }, { name: 'Y' }],
  outputs: ['Z'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'Pow', 'X');
    const y = required(inputs, 1, 'Pow', 'Y');
    requireDType(x, [...FLOAT_DTYPES, 'int32', 'int64'], 'Pow', 'X');
    requireDType(y, NUMERIC_DTYPES, 'Pow', 'Y');
    return [{ dtype: x.dtype, shape: broadcastOf([x.shape, y.shape], 'Pow') }];
  },
});

export const Max = variadic('Max', 'element-wise maximum of all operands, broadcasting', NUMERIC_DTYPES);
export const Min = variadic('Min', 'element-wise minimum of all operands, broadcasting', NUMERIC_DTYPES);
export const Sum = variadic('Sum', 'element-wise sum of all operands, broadcasting', FLOAT_DTYPES);
export const Mean = variadic('Mean', 'element-wise mean of all operands, broadcasting', FLOAT_DTYPES);

export const Where = defineOp({
  name: 'Where',
  category: 'elementwise',
  summary: 'X where condition holds, else Y (all three broadcast)',
  inputs: [{ name: 'condition' }, { name: 'X' }, { name: 'Y' }],
  outputs: ['output'],
  attrs: {},
  infer: (inputs) => {
    const c = required(inputs, 0, 'Where', 'condition');
    const x = required(inputs, 1, 'Where', 'X');
    const y = required(inputs, 2, 'Where', 'Y');
    requireDType(c, ['bool'], 'Where', 'condition');
    if (x.dtype !== y.dtype) {
      throw new PimcError('invalid-input', `Where X and Y must share a dtype, got ${x.dtype} and ${y.dtype}`);
    }
    return [{ dtype: x.dtype, shape: broadcastOf([c.shape, x.shape, y.shape], 'Where') }];
  },
});

export const Relu = unary('Relu', 'max(X, 0)', SIGNED_DTYPES, 'activation');
export const Sigmoid = unary('Sigmoid', '1 / (1 + exp(-X))', FLOAT_DTYPES, 'activation');
export const Tanh = unary('Tanh', 'tanh(X)', FLOAT_DTYPES, 'activation');
export const HardSwish = unary('HardSwish', 'X * max(0, min(1, X / 6 + 1 / 2))', FLOAT_DTYPES, 'activation');
export const Exp = unary('Exp', 'exp(X)', FLOAT_DTYPES);
export const Log = unary('Log', 'natural logarithm', FLOAT_DTYPES);
export const Sqrt = unary('Sqrt', 'square root', FLOAT_DTYPES);
export const Neg = unary('Neg', '-X', SIGNED_DTYPES);
export const Abs = unary('Abs', '|X|', NUMERIC_DTYPES);
export const Reciprocal = unary('Reciprocal', '1 / X', FLOAT_DTYPES);
export const Floor = unary('Floor', 'round down', FLOAT_DTYPES);
export const Ceil = unary('Ceil', 'round up', FLOAT_DTYPES);
export const Erf = unary('Erf', 'Gauss error function (integers: truncated result)', NUMERIC_DTYPES);

export const LeakyRelu = defineOp({
  name: 'LeakyRelu',
  category: 'activation',
  summary: 'X for X ≥ 0, alpha * X otherwise',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: { alpha: attr.float(0.01) },
  infer: (inputs) => {
    const x = required(inputs, 0, 'LeakyRelu', 'X');
    requireDType(x, FLOAT_DTYPES, 'LeakyRelu', 'X');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});
export type LeakyReluAttrs = AttrsOf<typeof LeakyRelu.attrs>;

export const HardSigmoid = defineOp({
  name: 'HardSigmoid',
  category: 'activation',
  summary: 'max(0, min(1, alpha * X + beta))',
  inputs: [{ name: 'X' }],
  outputs: ['Y'],
  attrs: { alpha: attr.float(0.2), beta: attr.float(0.5) },
  infer: (inputs) => {
    const x = required(inputs, 0, 'HardSigmoid', 'X');
    requireDType(x, FLOAT_DTYPES, 'HardSigmoid', 'X');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});
export type HardSigmoidAttrs = AttrsOf<typeof HardSigmoid.attrs>;

export const PRelu = defineOp({
  name: 'PRelu',
  category: 'activation',
  summary: 'X for X ≥ 0, slope * X otherwise (slope broadcasts to X)',
  inputs: [{ name: 'X' }, { name: 'slope' }],
  outputs: ['Y'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'PRelu', 'X');
    const slope = required(inputs, 1, 'PRelu', 'slope');
    requireDType(x, [...FLOAT_DTYPES, 'int32', 'int64', 'uint32', 'uint64'], 'PRelu', 'X');
    const t = broadcastType(inputs, 'PRelu');
    // Unidirectional: the slope must broadcast to X, never X to the slope.
    if (x.shape !== undefined && slope.shape !== undefined && t.shape !== undefined) {
      const grows = t.shape.length !== x.shape.length || t.shape.some((d, i) => typeof d === 'number' && d !== x.shape![i]);
      if (grows) {
        throw new PimcError(
          'shape-mismatch',
          `PRelu slope [${slope.shape.join(', ')}] does not broadcast to X [${x.shape.join(', ')}]`,
        );
      }
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});

/** A Clip bound: a scalar (or one-element tensor) of the input's dtype. */
function checkClipBound(bound: InferInput | undefined, x: InferInput, name: string): void {
  if (bound === undefined) return;
  if (bound.dtype !== x.dtype) throw new PimcError('invalid-input', `Clip ${name} is ${bound.dtype} but input is ${x.dtype}`);
  if (bound.shape !== undefined && isStatic(bound.shape) && sizeOf(bound.shape) !== 1) {
    throw new PimcError('invalid-input', `Clip ${name} must be a scalar, not of shape [${bound.shape.join(', ')}]`);
  }
}

export const Clip = defineOp({
  name: 'Clip',
  category: 'activation',
  summary: 'min(max(X, min), max), bounds as optional scalar inputs',
  inputs: [{ name: 'input' }, { name: 'min', optional: true }, { name: 'max', optional: true }],
  outputs: ['output'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'Clip', 'input');
    requireDType(x, NUMERIC_DTYPES, 'Clip', 'input');
    checkClipBound(inputs[1], x, 'min');
    checkClipBound(inputs[2], x, 'max');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});

export const Cast = defineOp({
  name: 'Cast',
  category: 'elementwise',
  summary: 'converts to the dtype `to` (an ONNX data type code); float to integer truncates toward zero',
  inputs: [{ name: 'input' }],
  outputs: ['output'],
  // `saturate` and `round_mode` only concern float8 targets, which pimc refuses.
  attrs: { to: attr.int(), saturate: attr.int(1), round_mode: attr.string('up', ['up', 'down', 'nearest']) },
  infer: (inputs, attrs) => {
    const x = required(inputs, 0, 'Cast', 'input');
    return [{ dtype: dtypeFromOnnxCode(attrs.to), shape: x.shape }];
  },
});
export type CastAttrs = AttrsOf<typeof Cast.attrs>;

export const Identity = defineOp({
  name: 'Identity',
  category: 'elementwise',
  summary: 'the input, unchanged',
  inputs: [{ name: 'input' }],
  outputs: ['output'],
  attrs: {},
  infer: (inputs) => {
    const x = required(inputs, 0, 'Identity', 'input');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
});

export const elementwiseOps: readonly OpSchema[] = [
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Max,
  Min,
  Sum,
  Mean,
  Equal,
  Less,
  Greater,
  Where,
  Relu,
  LeakyRelu,
  PRelu,
  Clip,
  Sigmoid,
  HardSigmoid,
  HardSwish,
  Tanh,
  Exp,
  Log,
  Sqrt,
  Neg,
  Abs,
  Reciprocal,
  Floor,
  Ceil,
  Erf,
  Cast,
  Identity,
];
