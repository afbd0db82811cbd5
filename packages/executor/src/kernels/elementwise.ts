import { PimcError } from '@pimc/support';
import { sfold, srelu, type BinaryOpName } from '@pimc/kernels';
import {
  Abs,
  Add,
  allocate,
  Cast,
  Ceil,
  Clip,
  Div,
  dtypeFromOnnxCode,
  Equal,
  Erf,
  Exp,
  Floor,
  Greater,
  HardSigmoid,
  HardSwish,
  Identity,
  isFloat,
  LeakyRelu,
  Less,
  Log,
  Max,
  Mean,
  Min,
  Mul,
  Neg,
  Pow,
  PRelu,
  Reciprocal,
  Relu,
  roundToFloat16,
  Sigmoid,
  Sqrt,
  Sub,
  Sum,
  Tanh,
  Tensor,
  Where,
  type DType,
  type OpSchema,
  type TypedArray,
} from '@pimc/ir';
import { binaryBroadcast, mapBroadcast } from '../broadcast.js';
import { float32ToOverwrite } from './nn/float.js';
import { kernel, operand, type Kernel, type KernelContext } from '../kernel.js';

/**
 * Element-wise kernels. Arithmetic runs in float64 and is stored into the output's typed array,
 * which gives C semantics for the narrow integers (truncation toward zero, wrap-around). Two dtypes
 * need help: float16 lives in a Float32Array, so results are rounded to half precision afterwards,
 * and int64/uint64 live in a Float64Array, so results that can be fractional are truncated
 * explicitly.
 */

/**
 * Rounds float32 values to the nearest half-precision value (ties to even) in place, working on
 * the bits: for values in half's normal range that is rounding the mantissa to 10 bits, with a
 * carry into the exponent, and infinity past 65504. The rare subnormal halves take the general
 * `roundToFloat16`, which gives the same results, only slower.
 */
export function roundToFloat16InPlace(a: Float32Array): void {
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < bits.length; i++) {
    const u = bits[i]!;
    const exp = (u >>> 23) & 0xff;
    if (exp === 0xff) continue; // infinities and NaN stay as they are
    if (exp >= 113) {
      let r = ((u + 0xfff + ((u >>> 13) & 1)) & ~0x1fff) >>> 0;
      if (((r >>> 23) & 0xff) > 142) r = ((u & 0x80000000) | 0x7f800000) >>> 0;
      bits[i] = r;
    } else {
      a[i] = roundToFloat16(a[i]!);
    }
  }
}

/** Rounds a freshly computed float16 result to half precision in place; other dtypes pass through. */
function finish(t: Tensor): Tensor {
  if (t.dtype === 'float16') roundToFloat16InPlace(t.data as Float32Array);
  return t;
}

/** A unary kernel's output: `loop` fills `dst` (same size as `src`), then float16 rounding. */
function mapUnary(x: Tensor, dtype: DType, loop: (src: TypedArray, dst: TypedArray) => void): Tensor {
  const out = allocate(dtype, x.size) as TypedArray;
  loop(x.data as TypedArray, out);
  return finish(new Tensor(dtype, x.shape, out as never));
}

const one = (inputs: readonly (Tensor | undefined)[], ctx: KernelContext): Tensor => operand(inputs, 0, ctx, 'X');

/** A kernel for a unary op that keeps its dtype and needs no attributes. */
function unaryKernel(schema: OpSchema, loop: (src: TypedArray, dst: TypedArray, dtype: DType) => void): Kernel {
  return kernel(schema, (inputs, _attrs, ctx) => {
    const x = one(inputs, ctx);
    return [mapUnary(x, x.dtype, (src, dst) => loop(src, dst, x.dtype))];
  });
}

/** Whether results must be truncated by hand: integers stored in a Float64Array. */
const wideInteger = (dtype: DType): boolean => dtype === 'int64' || dtype === 'uint64';

// -------------------------------------------------------------------------------------------------
// Binary arithmetic and comparisons

function binaryKernel(
  schema: OpSchema,
  pick: (dtype: DType) => (x: number, y: number) => number,
  result?: DType,
  float32Op?: BinaryOpName,
): Kernel {
  return kernel(schema, (inputs, _attrs, ctx) => {
    const a = operand(inputs, 0, ctx, 'A');
    const b = operand(inputs, 1, ctx, 'B');
    const dtype = result ?? a.dtype;
    if (float32Op !== undefined && result === undefined) {
      const fast = sameShapeFloat32([a, b], float32Op);
      if (fast !== undefined) return [fast];
    }
    return [finish(binaryBroadcast(a, b, dtype, pick(a.dtype), schema.name))];
  });
}

// Same-shape float32 operands (a residual network's skip-connection adds) go to WebAssembly
// SIMD loops, several times faster than the generic path here. Each element is computed in
// single precision, which is bitwise what the generic path's double arithmetic rounded to
// float32 gives.

/**
 * Folds `op` over two or more float32 tensors of one shape (left to right, rounding after each
 * step, as the generic path does); undefined when the operands are anything else.
 */
function sameShapeFloat32(xs: readonly Tensor[], op: BinaryOpName): Tensor | undefined {
  const first = xs[0]!;
  for (const x of xs) {
    if (x.dtype !== 'float32' || x.shape.length !== first.shape.length || x.shape.some((d, i) => d !== first.shape[i])) {
      return undefined;
    }
  }
  const out = float32ToOverwrite(first.size);
  sfold(
    op,
    xs.map((x) => x.data as Float32Array),
    out,
  );
  return new Tensor('float32', first.shape, out);
}

const add = (x: number, y: number) => x + y;
const sub = (x: number, y: number) => x - y;
const mul = (x: number, y: number) => x * y;
/** Integer product with no negative zero (int64 keeps signs of zero in its Float64Array). */
const intMul = (x: number, y: number) => x * y + 0;
const fdiv = (x: number, y: number) => x / y;

/** 32-bit products can exceed 2^53, so take their low bits exactly. */
const imul = (x: number, y: number) => Math.imul(x, y);

function idiv(x: number, y: number): number {
  if (y === 0) throw new PimcError('invalid-input', `integer division of ${x} by zero`);
  // `+ 0` turns -0 into 0: int64 lives in a Float64Array, which would keep the sign.
  return Math.trunc(x / y) + 0;
}

function pickPow(dtype: DType): (x: number, y: number) => number {
  return isFloat(dtype) ? Math.pow : (x, y) => Math.trunc(Math.pow(x, y)) + 0;
}

const powKernel = kernel(Pow, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const y = operand(inputs, 1, ctx, 'Y');
  return [finish(binaryBroadcast(x, y, x.dtype, pickPow(x.dtype), 'Pow'))];
});

// -------------------------------------------------------------------------------------------------
// Variadic Max, Min, Sum, Mean

function variadicKernel(schema: OpSchema, f: (x: number, y: number) => number, mean = false, float32Op?: BinaryOpName): Kernel {
  return kernel(schema, (inputs, _attrs, ctx) => {
    const xs = inputs.filter((t): t is Tensor => t !== undefined);
    const first = xs[0] ?? operand(inputs, 0, ctx, 'data_0');
    // A single operand comes back as itself (its max, min, sum and mean), which is fine for immutable tensors.
    if (xs.length === 1) return [first];
    if (float32Op !== undefined && !mean) {
      const fast = sameShapeFloat32(xs, float32Op);
      if (fast !== undefined) return [fast];
    }
    // Accumulate unrounded (float16 lives in float32 storage) and round once at the end.
    let acc = first;
    for (const x of xs.slice(1)) acc = binaryBroadcast(acc, x, acc.dtype, f, schema.name);
    if (mean) {
      const n = xs.length;
      const sum = acc.data as TypedArray;
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / n;
    }
    return [finish(acc)];
  });
}

// -------------------------------------------------------------------------------------------------
// Activations with attributes or extra operands

const leakyReluKernel = kernel(LeakyRelu, (inputs, attrs, ctx) => {
  const x = one(inputs, ctx);
  const alpha = attrs.alpha;
  return [
    mapUnary(x, x.dtype, (src, dst) => {
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        dst[i] = v < 0 ? alpha * v : v;
      }
    }),
  ];
});

/** `v < 0 ? 0 : v` keeps NaN, where max(v, 0) written the other way round would drop it. */
function reluLoop(src: TypedArray, dst: TypedArray): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    dst[i] = v < 0 ? 0 : v;
  }
}

const reluKernel = kernel(Relu, (inputs, _attrs, ctx) => {
  const x = one(inputs, ctx);
  if (x.dtype === 'float32') {
    // WebAssembly SIMD: branch-free, where the loop above mispredicts on every other element.
    const out = float32ToOverwrite(x.size);
    srelu(x.data as Float32Array, out);
    return [new Tensor('float32', x.shape, out)];
  }
  return [mapUnary(x, x.dtype, reluLoop)];
});

const hardSigmoidKernel = kernel(HardSigmoid, (inputs, attrs, ctx) => {
  const x = one(inputs, ctx);
  const { alpha, beta } = attrs;
  return [
    mapUnary(x, x.dtype, (src, dst) => {
      for (let i = 0; i < src.length; i++) dst[i] = Math.max(0, Math.min(1, alpha * src[i]! + beta));
    }),
  ];
});

const preluKernel = kernel(PRelu, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'X');
  const slope = operand(inputs, 1, ctx, 'slope');
  const out = binaryBroadcast(x, slope, x.dtype, (v, s) => (v < 0 ? v * s : v), 'PRelu');
  if (out.size !== x.size) {
    throw new PimcError(
      'shape-mismatch',
      `PRelu slope [${slope.shape.join(', ')}] does not broadcast to X [${x.shape.join(', ')}]`,
    );
  }
  return [finish(out)];
});

/** A Clip bound's value: its single element, or the open end when omitted. */
function clipBound(t: Tensor | undefined, open: number, name: string): number {
  if (t === undefined) return open;
  if (t.size !== 1) throw new PimcError('invalid-input', `Clip ${name} must be a scalar, not of shape [${t.shape.join(', ')}]`);
  return (t.data as TypedArray)[0]!;
}

const clipKernel = kernel(Clip, (inputs, _attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'input');
  const lo = clipBound(inputs[1], -Infinity, 'min');
  const hi = clipBound(inputs[2], Infinity, 'max');
  return [
    mapUnary(x, x.dtype, (src, dst) => {
      // min(max(x, lo), hi): when lo > hi everything becomes hi, as ONNX specifies; NaN stays NaN.
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        const up = v < lo ? lo : v;
        dst[i] = up > hi ? hi : up;
      }
    }),
  ];
});

const whereKernel = kernel(Where, (inputs, _attrs, ctx) => {
  const c = operand(inputs, 0, ctx, 'condition');
  const x = operand(inputs, 1, ctx, 'X');
  const y = operand(inputs, 2, ctx, 'Y');
  return [mapBroadcast([c, x, y], x.dtype, (v) => (v[0] !== 0 ? v[1]! : v[2]!), 'Where')];
});

// -------------------------------------------------------------------------------------------------
// Erf

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * The error function to about 1e-15. Below 2.5 the series erf(x) = 2/√π·e^(−x²)·Σ (2x²)^n·x / (1·3·…·(2n+1)),
 * whose terms are all positive (no cancellation, under 40 terms); from 2.5 to 6 the continued
 * fraction of erfc, evaluated bottom-up with 30 terms; beyond 6, erf is 1 in double precision.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (ax >= 6) return x > 0 ? 1 : -1;
  const x2 = x * x;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 0; term > 1e-17 * sum; n++) {
      term *= (2 * x2) / (2 * n + 3);
      sum += term;
    }
    const r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    return x < 0 ? -r : r;
  }
  let f = ax;
  for (let k = 30; k >= 1; k--) f = ax + k / 2 / f;
  const r = 1 - (ONE_OVER_SQRT_PI * Math.exp(-x2)) / f;
  return x < 0 ? -r : r;
}

// -------------------------------------------------------------------------------------------------
// Cast

const TWO_POW_64 = 2 ** 64;
const TWO_POW_63 = 2 ** 63;

/**
 * Converts storage of one dtype into another's, with C semantics: float to integer truncates toward
 * zero (narrow integers then wrap, as typed arrays do), anything nonzero (NaN included) is true, and
 * float16 targets round to nearest even.
 */
export function castData(src: TypedArray, to: DType): TypedArray {
  const n = src.length;
  const out = allocate(to, n) as TypedArray;
  switch (to) {
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0;
      break;
    case 'float16':
      out.set(src);
      roundToFloat16InPlace(out as Float32Array);
      break;
    case 'int64':
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        out[i] = Number.isNaN(v) ? 0 : Math.max(-TWO_POW_63, Math.min(TWO_POW_63, Math.trunc(v))) + 0;
      }
      break;
    case 'uint64':
      for (let i = 0; i < n; i++) {
        const v = Number.isNaN(src[i]!) ? 0 : Math.trunc(src[i]!) + 0;
        // Two's complement of a negative value, exact as far as float64 allows.
        out[i] = Math.min(TWO_POW_64, v < 0 ? v + TWO_POW_64 : v);
      }
      break;
    default:
      // Typed-array conversion is exactly C's: truncate toward zero, then wrap into the range.
      out.set(src);
  }
  return out;
}

const castKernel = kernel(Cast, (inputs, attrs, ctx) => {
  const x = operand(inputs, 0, ctx, 'input');
  const to = dtypeFromOnnxCode(attrs.to);
  if (to === x.dtype) return [x];
  return [new Tensor(to, x.shape, castData(x.data as TypedArray, to) as never)];
});

// -------------------------------------------------------------------------------------------------

export const elementwiseKernels: readonly Kernel[] = [
  binaryKernel(Add, () => add, undefined, 'add'),
  binaryKernel(Sub, () => sub, undefined, 'sub'),
  binaryKernel(Mul, (d) => (d === 'int32' || d === 'uint32' ? imul : isFloat(d) ? mul : intMul), undefined, 'mul'),
  binaryKernel(Div, (d) => (isFloat(d) ? fdiv : idiv), undefined, 'div'),
  powKernel,
  binaryKernel(Equal, () => (x, y) => (x === y ? 1 : 0), 'bool'),
  binaryKernel(Less, () => (x, y) => (x < y ? 1 : 0), 'bool'),
  binaryKernel(Greater, () => (x, y) => (x > y ? 1 : 0), 'bool'),
  variadicKernel(Max, (x, y) => (x > y || Number.isNaN(x) ? x : y)),
  variadicKernel(Min, (x, y) => (x < y || Number.isNaN(x) ? x : y)),
  variadicKernel(Sum, add, false, 'add'),
  variadicKernel(Mean, add, true),
  whereKernel,
  reluKernel,
  leakyReluKernel,
  preluKernel,
  clipKernel,
  unaryKernel(Sigmoid, (src, dst) => {
    // Split at 0 so exp never overflows into Infinity / Infinity.
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (v >= 0) dst[i] = 1 / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        dst[i] = e / (1 + e);
      }
    }
  }),
  hardSigmoidKernel,
  unaryKernel(HardSwish, (src, dst) => {
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      dst[i] = v * Math.max(0, Math.min(1, v / 6 + 0.5));
    }
  }),
  unaryKernel(Tanh, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.tanh(src[i]!);
  }),
  unaryKernel(Exp, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.exp(src[i]!);
  }),
  unaryKernel(Log, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.log(src[i]!);
  }),
  unaryKernel(Sqrt, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.sqrt(src[i]!);
  }),
  unaryKernel(Neg, (src, dst, dtype) => {
    // Floats keep the sign of zero; integers must not get a -0 (int64 storage would keep it).
    if (isFloat(dtype)) for (let i = 0; i < src.length; i++) dst[i] = -src[i]!;
    else for (let i = 0; i < src.length; i++) dst[i] = 0 - src[i]!;
  }),
  unaryKernel(Abs, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.abs(src[i]!);
  }),
  unaryKernel(Reciprocal, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = 1 / src[i]!;
  }),
  unaryKernel(Floor, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.floor(src[i]!);
  }),
  unaryKernel(Ceil, (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.ceil(src[i]!);
  }),
  unaryKernel(Erf, (src, dst, dtype) => {
    if (wideInteger(dtype)) for (let i = 0; i < src.length; i++) dst[i] = Math.trunc(erf(src[i]!)) + 0;
    else for (let i = 0; i < src.length; i++) dst[i] = erf(src[i]!);
  }),
  castKernel,
  kernel(Identity, (inputs, _attrs, ctx) => [operand(inputs, 0, ctx, 'input')]),
];
