import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { runGraph } from '../../run.js';

function run(op: string, operands: readonly (Tensor | undefined)[], attrs: Attrs = {}): Tensor {
  const builder = new GraphBuilder(onnxOps);
  const inputs = operands.map((t, i) => (t === undefined ? undefined : Value.ofConstant(`in${i}`, t)));
  const node = builder.add(op, inputs, { name: op, attrs });
  const graph = { name: 'g', inputs: [], outputs: node.outputs, nodes: builder.nodes };
  const result = runGraph(graph, new Map()).outputs.get(node.outputs[0]!.name)!;
  expect(result.shape).toEqual(node.outputs[0]!.type.shape);
  expect(result.dtype).toBe(node.outputs[0]!.type.dtype);
  return result;
}

const f32 = (shape: number[], values: number[]) => Tensor.from('float32', shape, values);

describe('Gemm', () => {
  const a = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const b = f32([3, 2], [7, 8, 9, 10, 11, 12]);

  it('multiplies and adds a broadcast C scaled by alpha and beta', () => {
    expect(run('Gemm', [a, b]).toNumbers()).toEqual([58, 64, 139, 154]);
    expect(run('Gemm', [a, b, f32([2], [1, 2])]).toNumbers()).toEqual([59, 66, 140, 156]);
    expect(run('Gemm', [a, b, f32([2, 1], [1, 2])]).toNumbers()).toEqual([59, 65, 141, 156]);
    expect(run('Gemm', [a, b, f32([], [1])], { alpha: 0.5, beta: 2 }).toNumbers()).toEqual([31, 34, 71.5, 79]);
    expect(run('Gemm', [a, b, f32([2, 2], [1, 2, 3, 4])], { beta: 0 }).toNumbers()).toEqual([58, 64, 139, 154]);
  });

  it('transposes A and B as asked', () => {
    const at = f32([3, 2], [1, 4, 2, 5, 3, 6]);
    const bt = f32([2, 3], [7, 9, 11, 8, 10, 12]);
    expect(run('Gemm', [at, b], { transA: 1 }).toNumbers()).toEqual([58, 64, 139, 154]);
    expect(run('Gemm', [a, bt], { transB: 1 }).toNumbers()).toEqual([58, 64, 139, 154]);
    expect(run('Gemm', [at, bt], { transA: 1, transB: 1 }).toNumbers()).toEqual([58, 64, 139, 154]);
  });

  it('refuses mismatched inner dimensions and a C that does not broadcast', () => {
    expect(() => run('Gemm', [a, a])).toThrow(/inner dimensions/);
    try {
      run('Gemm', [a, b, f32([3], [1, 2, 3])]);
      throw new Error('expected an error');
    } catch (e) {
      expect(isPimcError(e, 'shape-mismatch')).toBe(true);
    }
  });

  it('counts multiply-accumulates', () => {
    const schema = onnxOps.get('Gemm')!;
    const types = [
      { dtype: 'float32' as const, shape: [1, 2048] },
      { dtype: 'float32' as const, shape: [1000, 2048] },
    ];
    expect(schema.macs!(types, [], { alpha: 1, beta: 1, transA: 0, transB: 1 })).toBe(2048 * 1000);
  });
});

/** numpy.matmul by the definition on explicit shapes. */
function naiveMatmul(a: Tensor, b: Tensor, out: readonly number[]): number[] {
  const a2 = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const b2 = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const m = a2[a2.length - 2]!;
  const k = a2[a2.length - 1]!;
  const n = b2[b2.length - 1]!;
  const batch = out.slice(0, out.length - (a.rank === 1 ? 0 : 1) - (b.rank === 1 ? 0 : 1));
  const count = batch.reduce((x, y) => x * y, 1);
  const ad = a.toNumbers();
  const bd = b.toNumbers();
  const offset = (shape: number[], i: number) => {
    const bs = shape.slice(0, -2);
    let off = 0;
    let stride = 1;
    let rest = i;
    const idx: number[] = [];
    for (let d = batch.length - 1; d >= 0; d--) {
      idx[d] = rest % batch[d]!;
      rest = Math.floor(rest / batch[d]!);
    }
    for (let d = bs.length - 1; d >= 0; d--) {
      const bi = idx[d + batch.length - bs.length]!;
      off += (bs[d] === 1 ? 0 : bi) * stride;
      stride *= bs[d]!;
    }
    return off;
  };
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    const oa = offset(a2, i) * m * k;
    const ob = offset(b2, i) * k * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += ad[oa + r * k + j]! * bd[ob + j * n + c]!;
        y.push(s);
      }
    }
  }
  return y;
}

describe('MatMul', () => {
  it('follows numpy for 1-D operands', () => {
    const v = f32([3], [1, 2, 3]);
    const m = f32([3, 2], [1, 2, 3, 4, 5, 6]);
    const dot = run('MatMul', [v, v]);
    expect(dot.shape).toEqual([]);
    expect(dot.toNumbers()).toEqual([14]);
    const vm = run('MatMul', [v, m]);
    expect(vm.shape).toEqual([2]);
    expect(vm.toNumbers()).toEqual([22, 28]);
    const mv = run('MatMul', [f32([2, 3], [1, 2, 3, 4, 5, 6]), v]);
    expect(mv.shape).toEqual([2]);
    expect(mv.toNumbers()).toEqual([14, 32]);
    const batched = run('MatMul', [f32([2, 1, 3], [1, 2, 3, 4, 5, 6]), v]);
    expect(batched.shape).toEqual([2, 1]);
  });

  it('broadcasts batch dimensions both ways', () => {
    const rng = new Rng(2);
    for (const [sa, sb] of [
      [
        [2, 1, 2, 3],
        [3, 3, 4],
      ],
      [
        [4, 3],
        [2, 3, 5],
      ],
      [
        [2, 3, 4],
        [4, 5],
      ],
      [
        [5, 1, 2, 3],
        [1, 4, 3, 2],
      ],
      [[3], [2, 3, 4]],
      [[2, 2, 3], [3]],
    ] as const) {
      const a = Tensor.from('float32', sa, rng.float32Array(sa.reduce((x: number, y: number) => x * y, 1)));
      const b = Tensor.from('float32', sb, rng.float32Array(sb.reduce((x: number, y: number) => x * y, 1)));
      const y = run('MatMul', [a, b]);
      const expected = naiveMatmul(a, b, y.shape);
      y.toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    }
  });

  it('multiplies integers exactly', () => {
    const y = run('MatMul', [Tensor.from('int32', [1, 2], [100000, 3]), Tensor.from('int32', [2, 1], [100000, -7])]);
    expect(y.dtype).toBe('int32');
    expect(y.toNumbers()).toEqual([1410065387]); // 10^10 − 21 wrapped to int32, as C++ would
    const y64 = run('MatMul', [Tensor.from('int64', [2], [2 ** 40, 1]), Tensor.from('int64', [2], [4, 5])]);
    expect(y64.toNumbers()).toEqual([2 ** 42 + 5]);
  });

  it('infers symbolic batch shapes and refuses mismatched K', () => {
    const schema = onnxOps.get('MatMul')!;
    const [out] = schema.infer(
      [
        { dtype: 'float32', shape: ['N', 'S', 64] },
        { dtype: 'float32', shape: [64, 10] },
      ],
      {},
      1,
    );
    expect(out!.shape).toEqual(['N', 'S', 10]);
    expect(() =>
      schema.infer(
        [
          { dtype: 'float32', shape: [2, 3] },
          { dtype: 'float32', shape: [4, 5] },
        ],
        {},
        1,
      ),
    ).toThrow(/inner dimensions/);
    expect(
      schema.macs!(
        [
          { dtype: 'float32', shape: [8, 2, 3] },
          { dtype: 'float32', shape: [3, 4] },
        ],
        [{ dtype: 'float32', shape: [8, 2, 4] }],
        {},
      ),
    ).toBe(8 * 2 * 4 * 3);
  });
});
