import { describe, expect, it } from 'vitest';
import { Tensor } from '@pimc/ir';
import { runGraph } from '@pimc/executor';
import { isPimcError } from '@pimc/support';
import { buildOnnxModel } from '@pimc/testing';
import { importModel } from '../import-model.js';

/** A one-node Q or DQ model with a constant scale of the given shape, at `opset`. */
function model(op: 'QuantizeLinear' | 'DequantizeLinear', opset: number, scale: Tensor, zero: Tensor): Uint8Array {
  const quantize = op === 'QuantizeLinear';
  return buildOnnxModel({
    opset,
    inputs: [{ name: 'x', dtype: quantize ? 'float32' : 'uint8', shape: [2, 3] }],
    outputs: [{ name: 'y', dtype: quantize ? 'uint8' : 'float32', shape: [2, 3] }],
    initializers: { scale, zero },
    nodes: [{ op, inputs: ['x', 'scale', 'zero'], outputs: ['y'] }],
  });
}

function run(bytes: Uint8Array, x: Tensor): number[] {
  const { graph } = importModel(bytes);
  return runGraph(graph, new Map([['x', x]]))
    .outputs.get('y')!
    .toNumbers();
}

describe('quantization import rules', () => {
  const x = Tensor.from('float32', [2, 3], [0, 1, 2, 3, 4, 5]);
  const q = Tensor.from('uint8', [2, 3], [10, 11, 12, 13, 14, 15]);

  it('imports per-tensor Q/DQ at opset 10', () => {
    expect(run(model('QuantizeLinear', 10, Tensor.scalar('float32', 2), Tensor.scalar('uint8', 10)), x)).toEqual([
      10, 10, 11, 12, 12, 12,
    ]);
    expect(run(model('DequantizeLinear', 10, Tensor.from('float32', [1], [0.5]), Tensor.from('uint8', [1], [10])), q)).toEqual([
      0, 0.5, 1, 1.5, 2, 2.5,
    ]);
  });

  it('refuses per-axis scales before opset 13 and accepts them from 13', () => {
    const scale = Tensor.from('float32', [3], [1, 2, 4]);
    const zero = Tensor.from('uint8', [3], [0, 0, 0]);
    for (const op of ['QuantizeLinear', 'DequantizeLinear'] as const) {
      try {
        importModel(model(op, 12, scale, zero));
        expect.unreachable();
      } catch (e) {
        expect(isPimcError(e, 'invalid-input')).toBe(true);
        expect((e as Error).message).toContain('opset 13');
      }
    }
    expect(run(model('QuantizeLinear', 13, scale, zero), x)).toEqual([0, 0, 0, 3, 2, 1]);
  });
});
