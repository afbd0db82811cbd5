import { getPreset } from '@pimc/arch';
import type { DigitalOp, TensorDesc } from '@pimc/isa';
import { isPimcError } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { digitalProgram } from '../program.testing.js';
import { runProgram } from '../run-program.js';
import type { SimTensor } from '../sim-tensor.js';

/*
 * The f32 forms of the digital ops a RAPIDNN program runs between `decode` and `cam-encode`, and
 * `decode` itself: computed in double precision, rounded to f32 once per element.
 */

const chip = getPreset('rapidnn');

function f32(shape: readonly number[], values: readonly number[]): SimTensor {
  return { type: 'f32', shape, data: Float32Array.from(values) };
}

function apply(
  kind: DigitalOp['kind'],
  attrs: DigitalOp['attrs'],
  operands: readonly (SimTensor & { codebook?: Float32Array })[],
  out: Omit<TensorDesc, 'id'>,
) {
  const names = operands.map((_, i) => `in${i}`);
  const program = digitalProgram(
    chip,
    kind,
    attrs,
    operands.map((t, i) => ({
      name: names[i]!,
      type: t.type,
      shape: t.shape,
      ...(t.codebook === undefined ? {} : { codebook: t.codebook }),
    })),
    out,
  );
  const result = runProgram(
    program,
    new Map(operands.map((t, i) => [names[i]!, { type: t.type, shape: t.shape, data: t.data }])),
  );
  return { y: Array.from(result.outputs.get(out.name)!.data), events: result.events };
}

function expectProgramError(f: () => unknown, pattern: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isPimcError(e, 'invalid-input')).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PimcError');
}

const out = (shape: readonly number[]): Omit<TensorDesc, 'id'> => ({ name: 'y', type: 'f32', shape });

describe('f32 digital ops', () => {
  it('add: the sum rounded once, numpy broadcasting, optional bounds', () => {
    const a = f32([1, 2, 2], [0.1, 0.2, -3, 4]);
    const b = f32([1, 1, 2], [0.2, -1]);
    expect(apply('add', {}, [a, b], out([1, 2, 2])).y).toEqual(
      [0.1, 0.2, -3, 4].map((v, i) => Math.fround(Math.fround(v) + Math.fround([0.2, -1][i % 2]!))),
    );
    const bounded = apply('add', { min: 0, max: 3.5 }, [a, b], out([1, 2, 2]));
    expect(bounded.y).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.2)), 0, 0, 3]);
    expect(bounded.events.digitalAdds).toEqual({ 32: 12 });
  });

  it('add refuses the quantization attributes of the integer form', () => {
    expectProgramError(
      () => apply('add', { shift: 3 }, [f32([1, 1], [1]), f32([1, 1], [2])], out([1, 1])),
      /attribute 'shift' do not apply to f32 operands/,
    );
  });

  it('maxpool: padding never wins, NaN propagates', () => {
    const x = f32([1, 1, 2, 2], [-5, -7, NaN, -1]);
    const attrs = { kernel: [2, 2], strides: [1, 1], pads: [1, 1, 0, 0], dilations: [1, 1] };
    expect(apply('maxpool', attrs, [x], out([1, 1, 2, 2])).y).toEqual([-5, -5, NaN, NaN]);
    const { events } = apply(
      'maxpool',
      { ...attrs, pads: [0, 0, 0, 0], kernel: [1, 2] },
      [f32([1, 1, 1, 2], [1, 2])],
      out([1, 1, 1, 1]),
    );
    expect(events.digitalAdds).toEqual({ 32: 1 });
  });

  it('avgpool: the window mean in double precision, taps inside or padded taps counted', () => {
    const x = f32([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const attrs = { kernel: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1] };
    expect(apply('avgpool', { ...attrs, countIncludePad: 0 }, [x], out([1, 1, 2, 2])).y).toEqual([1, 2.5, 5.5, 7]);
    expect(apply('avgpool', { ...attrs, countIncludePad: 1 }, [x], out([1, 1, 2, 2])).y).toEqual([0.25, 1.25, 2.75, 7]);
    const third = apply(
      'avgpool',
      { kernel: [1, 3], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], countIncludePad: 0 },
      [f32([1, 1, 1, 3], [0.1, 0.2, 0.4])],
      out([1, 1, 1, 1]),
    );
    expect(third.y).toEqual([Math.fround((Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.4)) / 3)]);
    expectProgramError(
      () => apply('avgpool', { ...attrs, countIncludePad: 0, zeroPoint: 0 }, [x], out([1, 1, 2, 2])),
      /attribute 'zeroPoint' do not apply to f32 operands/,
    );
  });

  it('clamp: optional bounds (a ReLU is min 0 alone), NaN stays NaN', () => {
    const x = f32([1, 4], [-2, 0.5, 9, NaN]);
    expect(apply('clamp', { min: 0 }, [x], out([1, 4])).y).toEqual([0, 0.5, 9, NaN]);
    expect(apply('clamp', { min: 0, max: 6 }, [x], out([1, 4])).y).toEqual([0, 0.5, 6, NaN]);
    expect(apply('clamp', {}, [x], out([1, 4])).y).toEqual([-2, 0.5, 9, NaN]);
  });

  it('concat, reshape and transpose move f32 values unchanged', () => {
    const a = f32([1, 1, 2], [0.5, -1]);
    const b = f32([1, 1, 1], [3]);
    expect(apply('concat', { axis: 2 }, [a, b], out([1, 1, 3])).y).toEqual([0.5, -1, 3]);
    expect(apply('transpose', { perm: [0, 2, 1] }, [a], out([1, 2, 1])).y).toEqual([0.5, -1]);
    expect(apply('reshape', {}, [a], out([1, 2])).y).toEqual([0.5, -1]);
  });
});

describe('decode and index tensors in digital ops', () => {
  const codebook = Float32Array.from([-1, 0, 0.25, 2]);
  const indices = { type: 'u8' as const, shape: [1, 1, 2, 2], data: Uint8Array.from([3, 0, 2, 1]), codebook };

  it('decode: each index becomes its cluster value, one table read per element', () => {
    const { y, events } = apply('decode', {}, [indices], out([1, 1, 2, 2]));
    expect(y).toEqual([2, -1, 0.25, 0]);
    expect(events.lutReads).toBe(4);
  });

  it('decode rejects an index beyond the codebook and an operand without one', () => {
    expectProgramError(
      () => apply('decode', {}, [{ ...indices, data: Uint8Array.from([0, 4, 0, 0]) }], out([1, 1, 2, 2])),
      /element 1 is cluster 4, but the codebook has 4 clusters/,
    );
    expectProgramError(() => apply('decode', {}, [f32([1, 1], [1])], out([1, 1])), /decodes a tensor without a codebook/);
  });

  it('maxpool over indices is the index of the largest value (codebooks ascend)', () => {
    const attrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] };
    const { y } = apply('maxpool', attrs, [indices], { name: 'y', type: 'u8', shape: [1, 1, 1, 1], codebook });
    expect(y).toEqual([3]);
  });

  it('index tensors reach only the ops that keep their codebook', () => {
    const attrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] };
    expectProgramError(
      () =>
        apply('maxpool', attrs, [indices], {
          name: 'y',
          type: 'u8',
          shape: [1, 1, 1, 1],
          codebook: Float32Array.from([0, 1, 2, 3]),
        }),
      /mixes index tensors of different codebooks/,
    );
    expectProgramError(
      () => apply('softmax', { axis: -1 }, [indices], { name: 'y', type: 'f32', shape: [1, 1, 2, 2] }),
      /reads or writes a RAPIDNN index tensor; only maxpool, reshape, transpose, concat and decode do/,
    );
  });
});
