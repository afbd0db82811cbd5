import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import type { DigitalOp, ElementType, TensorDesc } from '@pimc/isa';
import { isPimcError } from '@pimc/support';
import { digitalProgram } from '../program.testing.js';
import { runProgram } from '../run-program.js';
import type { SimData, SimTensor } from '../sim-tensor.js';

const chip = getPreset('isaac');

function tensor(type: ElementType, shape: readonly number[], values: readonly number[]): SimTensor {
  const data: SimData =
    type === 'u8'
      ? Uint8Array.from(values)
      : type === 'i8'
        ? Int8Array.from(values)
        : type === 'i32'
          ? Int32Array.from(values)
          : Float32Array.from(values);
  return { type, shape, data };
}

/** Runs one digital op on the given operands; the result is declared as `out`. */
function apply(kind: DigitalOp['kind'], attrs: DigitalOp['attrs'], operands: readonly SimTensor[], out: Omit<TensorDesc, 'id'>) {
  const names = operands.map((_, i) => `in${i}`);
  const program = digitalProgram(
    chip,
    kind,
    attrs,
    operands.map((t, i) => ({ name: names[i]!, type: t.type, shape: t.shape })),
    out,
  );
  const result = runProgram(program, new Map(operands.map((t, i) => [names[i]!, t])));
  return { y: Array.from(result.outputs.get(out.name)!.data), events: result.events, shape: result.outputs.get(out.name)!.shape };
}

describe('digital ops: element-wise', () => {
  it('quantize: f32 division, round half to even, saturate; NaN → minimum', () => {
    const x = tensor('f32', [1, 6], [0.25, 0.75, -10, 1000, 0.5, NaN]);
    const { y } = apply('quantize', { scale: 0.5, zeroPoint: 3 }, [x], { name: 'y', type: 'u8', shape: [1, 6] });
    expect(y).toEqual([3, 5, 0, 255, 4, 0]); // 0.5 → 0 (even) + 3; 1.5 → 2 + 3; −20 + 3 < 0; 2000 > 255; 1 + 3
  });

  it('dequantize: (x − zp) · scale in float32', () => {
    const { y } = apply('dequantize', { scale: 0.1, zeroPoint: 10 }, [tensor('u8', [1, 3], [10, 20, 0])], {
      name: 'y',
      type: 'f32',
      shape: [1, 3],
    });
    expect(y).toEqual([0, Math.fround(Math.fround(10) * Math.fround(0.1)), Math.fround(-10 * Math.fround(0.1))]);
  });

  it('requantize: ((x − inZp)·mult) >> shift rounded half up, + outZp, clamped to the type', () => {
    const attrs = { inZeroPoint: 100, multiplier: 2 ** 23, shift: 24, outZeroPoint: -5 };
    const { y } = apply('requantize', attrs, [tensor('u8', [1, 5], [100, 101, 99, 97, 255])], {
      name: 'y',
      type: 'i8',
      shape: [1, 5],
    });
    // (x − 100)/2: 0 → 0; 0.5 → 1; −0.5 → 0; −1.5 → −1; 77.5 → 78 (+ −5 → 73)
    expect(y).toEqual([-5, -4, -5, -6, 73]);
  });

  it('clamp: min(max(x, min), max)', () => {
    const { y } = apply('clamp', { min: 10, max: 20 }, [tensor('u8', [1, 4], [0, 15, 25, 10])], {
      name: 'y',
      type: 'u8',
      shape: [1, 4],
    });
    expect(y).toEqual([10, 15, 20, 10]);
  });

  it('add: both operands rescaled with one shift, broadcast, clamped to [min, max]', () => {
    const a = tensor('u8', [1, 2, 2], [10, 20, 30, 40]);
    const b = tensor('u8', [1, 1, 2], [5, 6]);
    const attrs = {
      aZeroPoint: 10,
      bZeroPoint: 5,
      aMultiplier: 2 ** 22,
      bMultiplier: 2 ** 23,
      shift: 23,
      outZeroPoint: 1,
      min: 2,
      max: 30,
    };
    const { y } = apply('add', attrs, [a, b], { name: 'y', type: 'u8', shape: [1, 2, 2] });
    // (a − 10)/2 + (b − 5), rounded half up, + 1: [0+0, 5+1, 10+0, 15+1] + 1 → [1→2 (min), 7, 11, 17]
    expect(y).toEqual([2, 7, 11, 17]);
  });
});

describe('digital ops: per-channel affine and LRN', () => {
  const affine = (min: number, max: number) => ({
    inZeroPoint: 10,
    weight: [3, -2],
    bias: [5, 100],
    multiplier: [2 ** 23, 2 ** 23],
    shift: [24, 24],
    outZeroPoint: 1,
    min,
    max,
  });
  const x = tensor('u8', [1, 2, 1, 2], [10, 20, 30, 40]);
  const out = { name: 'y', type: 'u8' as const, shape: [1, 2, 1, 2] };

  it('affine: (x − zp)·w[c] + b[c], halved with rounding half up, + outZp, clamped', () => {
    // channel 0: 0·3 + 5 = 5 → 2.5 → 3, 10·3 + 5 = 35 → 18; channel 1: 20·−2 + 100 = 60 → 30, 30·−2 + 100 = 40 → 20
    expect(apply('affine', affine(0, 255), [x], out).y).toEqual([4, 19, 31, 21]);
    expect(apply('affine', affine(5, 25), [x], out).y).toEqual([5, 19, 25, 21]);
  });

  it('affine names a per-channel list of the wrong length', () => {
    expect(() => apply('affine', { ...affine(0, 255), bias: [1] }, [x], out)).toThrow(/attribute 'bias' must have 2 values/);
  });

  it('lrn: x / (bias + alpha/size · Σ x²)^beta over the channel window, rounded to f32 once', () => {
    const attrs = { size: 2, alpha: 2, beta: 1, bias: 1 };
    // window [c, c + 1]: 1 / (1 + 1 + 4), 2 / (1 + 4 + 9), 3 / (1 + 9)
    const { y } = apply('lrn', attrs, [tensor('f32', [1, 3], [1, 2, 3])], { name: 'y', type: 'f32', shape: [1, 3] });
    expect(y).toEqual([Math.fround(1 / 6), Math.fround(2 / 14), Math.fround(0.3)]);
  });
});

describe('digital ops: pooling', () => {
  const x = tensor('u8', [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('maxpool: padding never wins', () => {
    const attrs = { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1] };
    const { y } = apply('maxpool', attrs, [x], { name: 'y', type: 'u8', shape: [1, 1, 2, 2] });
    expect(y).toEqual([1, 3, 7, 9]);
  });

  it('avgpool: exact window sum of x − zp, divided by the taps inside, rounded half up', () => {
    const attrs = { kernel: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], zeroPoint: 1, countIncludePad: 0 };
    const { y } = apply('avgpool', attrs, [x], { name: 'y', type: 'u8', shape: [1, 1, 2, 2] });
    // window sums of x − 1: [8, 12, 20, 24] / 4 → [2, 3, 5, 6] + 1
    expect(y).toEqual([3, 4, 6, 7]);
  });

  it('avgpool with padding: taps inside the operand, or the padded operand with countIncludePad', () => {
    const base = { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1], zeroPoint: 0 };
    const out = { name: 'y', type: 'u8' as const, shape: [1, 1, 2, 2] };
    // windows: {1}, {2,3}, {4,7}, {5,6,8,9}
    expect(apply('avgpool', { ...base, countIncludePad: 0 }, [x], out).y).toEqual([1, 3, 6, 7]); // 1, 2.5→3, 5.5→6, 7
    expect(apply('avgpool', { ...base, countIncludePad: 1 }, [x], out).y).toEqual([0, 1, 3, 7]); // 0.25→0, 1.25→1, 2.75→3, 7
  });

  it('global average pooling is a window of the whole plane', () => {
    const attrs = { kernel: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], zeroPoint: 0, countIncludePad: 0 };
    expect(apply('avgpool', attrs, [x], { name: 'y', type: 'u8', shape: [1, 1, 1, 1] }).y).toEqual([5]);
  });
});

describe('digital ops: layout and float', () => {
  it('concat along an axis', () => {
    const a = tensor('u8', [1, 2, 1], [1, 2]);
    const b = tensor('u8', [1, 2, 2], [3, 4, 5, 6]);
    expect(apply('concat', { axis: 2 }, [a, b], { name: 'y', type: 'u8', shape: [1, 2, 3] }).y).toEqual([1, 3, 4, 2, 5, 6]);
  });

  it('reshape keeps the data and moves nothing', () => {
    const r = apply('reshape', {}, [tensor('i8', [1, 2, 3], [1, 2, 3, 4, 5, 6])], { name: 'y', type: 'i8', shape: [1, 6] });
    expect(r.y).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.events).toEqual({});
  });

  it('transpose by perm', () => {
    const x = tensor('u8', [1, 2, 3], [1, 2, 3, 4, 5, 6]);
    expect(apply('transpose', { perm: [0, 2, 1] }, [x], { name: 'y', type: 'u8', shape: [1, 3, 2] }).y).toEqual([
      1, 4, 2, 5, 3, 6,
    ]);
  });

  it('softmax along the last axis', () => {
    const x = tensor('f32', [1, 2], [0, Math.log(3)]);
    const { y } = apply('softmax', { axis: -1 }, [x], { name: 'y', type: 'f32', shape: [1, 2] });
    expect(y[0]).toBeCloseTo(0.25, 6);
    expect(y[1]).toBeCloseTo(0.75, 6);
  });

  it('counts the digital work and the eDRAM traffic', () => {
    const { events } = apply('clamp', { min: 0, max: 5 }, [tensor('u8', [1, 64], new Array<number>(64).fill(9))], {
      name: 'y',
      type: 'u8',
      shape: [1, 64],
    });
    // 64 bytes = 512 bits = 2 accesses of the 256-bit eDRAM bus each way; two comparisons per element.
    expect(events).toEqual({ bufReads: { edram: 2 }, bufWrites: { edram: 2 }, digitalAdds: { 8: 128 } });
  });
});

describe('digital ops: malformed attributes are named', () => {
  it('a missing attribute', () => {
    try {
      apply('clamp', { min: 0 }, [tensor('u8', [1, 1], [1])], { name: 'y', type: 'u8', shape: [1, 1] });
    } catch (e) {
      expect(isPimcError(e, 'invalid-input')).toBe(true);
      expect((e as Error).message).toMatch(/'clamp' \(digital clamp\).*attribute 'max'/);
      return;
    }
    throw new Error('expected an error');
  });
});
