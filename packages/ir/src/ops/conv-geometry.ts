import { PimcError } from '@pimc/support';

/**
 * Window geometry shared by Conv, ConvTranspose, pooling and the quantized convolutions, so that
 * shape inference and every kernel agree on one definition. Pads are in ONNX order: all begins,
 * then all ends (`[x1_begin, x2_begin, ..., x1_end, x2_end, ...]`).
 */
export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Resolved explicit pads, begins then ends. */
  readonly pads: readonly number[];
  /** Output spatial size. */
  readonly output: readonly number[];
}

/**
 * Resolves auto_pad and computes output sizes for a sliding window over `input` spatial dims.
 * `ceilMode` rounds the output size up (pooling), with ONNX's rule that the last window must start
 * inside the input or its begin padding.
 */
export function windowGeometry(
  input: readonly number[],
  kernel: readonly number[],
  options: {
    strides?: readonly number[] | undefined;
    dilations?: readonly number[] | undefined;
    pads?: readonly number[] | undefined;
    autoPad?: string | undefined;
    ceilMode?: boolean | undefined;
    what: string;
  },
): WindowGeometry {
  const n = input.length;
  const strides = fill(options.strides, n, 1, 'strides', options.what);
  const dilations = fill(options.dilations, n, 1, 'dilations', options.what);
  if (kernel.length !== n) {
    throw new PimcError('shape-mismatch', `${options.what}: kernel has ${kernel.length} spatial dims but the input has ${n}`);
  }
  for (const [name, values] of [
    ['strides', strides],
    ['dilations', dilations],
    ['kernel_shape', kernel],
  ] as const) {
    if (values.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new PimcError('invalid-attribute', `${options.what}: ${name} must be positive integers, got [${values.join(', ')}]`);
    }
  }
  const autoPad = options.autoPad ?? 'NOTSET';
  const effective = kernel.map((k, i) => (k - 1) * dilations[i]! + 1);
  let pads: number[];
  let output: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    output = input.map((x, i) => Math.ceil(x / strides[i]!));
    pads = new Array<number>(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const total = Math.max(0, (output[i]! - 1) * strides[i]! + effective[i]! - input[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + n] = total - pads[i]!;
    }
  } else {
    pads = autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : fill(options.pads, 2 * n, 0, 'pads', options.what);
    if (pads.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new PimcError('invalid-attribute', `${options.what}: pads must be non-negative integers, got [${pads.join(', ')}]`);
    }
    output = input.map((x, i) => {
      const span = x + pads[i]! + pads[i + n]! - effective[i]!;
      if (span < 0) {
        throw new PimcError(
          'shape-mismatch',
          `${options.what}: window of ${effective[i]} (kernel ${kernel[i]}, dilation ${dilations[i]}) does not fit padded input ${x + pads[i]! + pads[i + n]!} on spatial axis ${i}`,
        );
      }
      if (options.ceilMode === true) {
        let out = Math.ceil(span / strides[i]!) + 1;
        // The last window must start inside the input or the begin padding.
        if ((out - 1) * strides[i]! >= x + pads[i]!) out--;
        return out;
      }
      return Math.floor(span / strides[i]!) + 1;
    });
  }
  return { kernel, strides, dilations, pads, output };
}

function fill(values: readonly number[] | undefined, n: number, def: number, name: string, what: string): number[] {
  if (values === undefined || values.length === 0) return new Array<number>(n).fill(def);
  if (values.length !== n) {
    throw new PimcError('invalid-attribute', `${what}: ${name} has ${values.length} values, expected ${n}`);
  }
  return [...values];
}
