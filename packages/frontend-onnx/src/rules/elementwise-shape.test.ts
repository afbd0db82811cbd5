import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { runGraph } from '@pimc/executor';
import { float16BitsToNumber, numberToFloat16Bits, Tensor, type DType, type Model } from '@pimc/ir';
import { Rng } from '@pimc/support';
import { buildOnnxModel, type TestAttr, type TestModel } from '@pimc/testing';
import { importModel } from '../import-model.js';

/**
 * The element-wise and shape ops, old opsets (through the legacy rules in elementwise.ts and
 * shape.ts) and new ones, checked against onnxruntime running the same one-node model.
 */

function toOrt(t: Tensor): ort.Tensor {
  const dims = [...t.shape];
  const v = t.toNumbers();
  switch (t.dtype) {
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(v.map((x) => BigInt(x))), dims);
    case 'uint64':
      return new ort.Tensor('uint64', BigUint64Array.from(v.map((x) => BigInt(x))), dims);
    case 'float16':
      return new ort.Tensor('float16', Uint16Array.from(v.map(numberToFloat16Bits)), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(v), dims);
    default:
      return new ort.Tensor(t.dtype, t.data as Float32Array, dims);
  }
}

function fromOrt(t: ort.Tensor): number[] {
  if (t.type === 'float16' && t.data instanceof Uint16Array) return Array.from(t.data, float16BitsToNumber);
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? Number(x) : Number(x)));
}

interface Case {
  readonly opset: number;
  readonly op: string;
  /** Graph inputs, in node input order (a name starting with `_` is an omitted optional input). */
  readonly inputs: Readonly<Record<string, Tensor | undefined>>;
  readonly initializers?: Readonly<Record<string, Tensor>>;
  /** Node input order, when initializers are interleaved with inputs. */
  readonly order?: readonly string[];
  readonly attrs?: Readonly<Record<string, TestAttr>>;
  readonly outputs?: readonly { name: string; dtype: DType }[];
}

/** Runs a one-node model through onnxruntime and pimc and compares every output. */
async function agree(c: Case): Promise<Model> {
  const inputs = Object.entries(c.inputs).filter((e): e is [string, Tensor] => e[1] !== undefined);
  const firstType = inputs[0]?.[1].dtype ?? 'float32';
  const outputs = c.outputs ?? [{ name: 'y', dtype: firstType }];
  const order = c.order ?? [...Object.keys(c.inputs), ...Object.keys(c.initializers ?? {})];
  const model: TestModel = {
    opset: c.opset,
    inputs: inputs.map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] })),
    outputs: outputs.map((o) => ({ name: o.name, dtype: o.dtype })),
    nodes: [
      {
        op: c.op,
        inputs: order.map((n) => (n.startsWith('_') ? '' : n)),
        outputs: outputs.map((o) => o.name),
        ...(c.attrs === undefined ? {} : { attrs: c.attrs }),
      },
    ],
    initializers: c.initializers ?? {},
  };
  const bytes = buildOnnxModel(model);
  const session = await ort.InferenceSession.create(bytes);
  const expected = await session.run(Object.fromEntries(inputs.map(([n, t]) => [n, toOrt(t)])));
  const imported = importModel(bytes);
  const actual = runGraph(imported.graph, new Map(inputs)).outputs;
  for (const o of outputs) {
    const a = actual.get(o.name)!;
    const e = expected[o.name]!;
    const where = `${c.op} opset ${c.opset} output ${o.name}`;
    expect(a.dtype, where).toBe(o.dtype);
    expect(a.shape, where).toEqual(e.dims.map(Number));
    const want = fromOrt(e);
    a.toNumbers().forEach((v, i) => {
      const w = want[i]!;
      const ok = Object.is(v, w) || v === w || Math.abs(v - w) <= 1e-6 + 1e-5 * Math.abs(w);
      if (!ok) throw new Error(`${where}[${i}] = ${v}, onnxruntime says ${w}`);
    });
  }
  return imported;
}

const rng = new Rng(7);
const random = (shape: number[], lo = -3, hi = 3): Tensor =>
  Tensor.from(
    'float32',
    shape,
    rng.float32Array(
      shape.reduce((a, b) => a * b, 1),
      lo,
      hi,
    ),
  );
const i64 = (...v: number[]): Tensor => Tensor.from('int64', [v.length], v);
const ops = (m: Model): string[] => m.graph.nodes.map((n) => n.op);

describe('legacy element-wise rules', () => {
  it('Clip before 11 turns min/max attributes into inputs', async () => {
    const x = random([3, 4]);
    for (const opset of [7, 10]) {
      await agree({ opset, op: 'Clip', inputs: { x }, attrs: { min: { float: -1 }, max: { float: 0.5 } } });
      await agree({ opset, op: 'Clip', inputs: { x }, attrs: { max: { float: 0.5 } } });
      await agree({ opset, op: 'Clip', inputs: { x }, attrs: { min: { float: 0.25 } } });
      const m = await agree({ opset, op: 'Clip', inputs: { x } });
      expect(m.graph.nodes[0]!.inputs.length).toBe(1);
    }
  });

  it('Cast keeps its integer `to` at old and new opsets', async () => {
    const x = Tensor.from('float32', [6], [2.7, -2.7, 0, 0.5, -0.5, 100]);
    for (const opset of [9, 13, 21]) {
      await agree({ opset, op: 'Cast', inputs: { x }, attrs: { to: 6 }, outputs: [{ name: 'y', dtype: 'int32' }] });
      await agree({ opset, op: 'Cast', inputs: { x }, attrs: { to: 9 }, outputs: [{ name: 'y', dtype: 'bool' }] });
    }
  });
});

describe('legacy shape rules', () => {
  it('Split before 13: split attribute or equal parts', async () => {
    const x = random([2, 6]);
    const two = [
      { name: 'a', dtype: 'float32' as const },
      { name: 'b', dtype: 'float32' as const },
    ];
    const three = [...two, { name: 'c', dtype: 'float32' as const }];
    await agree({ opset: 11, op: 'Split', inputs: { x }, attrs: { axis: 1, split: [2, 4] }, outputs: two });
    await agree({ opset: 7, op: 'Split', inputs: { x }, attrs: { axis: -1 }, outputs: three });
    await agree({ opset: 13, op: 'Split', inputs: { x }, attrs: { axis: 1 }, outputs: three });
    await agree({ opset: 13, op: 'Split', inputs: { x }, initializers: { s: i64(5, 1) }, attrs: { axis: 1 }, outputs: two });
  });

  it('Squeeze and Unsqueeze before 13 take axes from the attribute', async () => {
    const x = random([1, 3, 1]);
    await agree({ opset: 11, op: 'Squeeze', inputs: { x }, attrs: { axes: [-1] } });
    const m = await agree({ opset: 11, op: 'Squeeze', inputs: { x } });
    expect(m.graph.outputs[0]!.type.shape).toEqual([3]);
    await agree({ opset: 11, op: 'Unsqueeze', inputs: { x }, attrs: { axes: [0, -1] } });
    await agree({ opset: 9, op: 'Unsqueeze', inputs: { x }, attrs: { axes: [4, 1] } });
  });

  it('Slice before 10 takes starts/ends/axes from attributes', async () => {
    const x = random([4, 5]);
    await agree({ opset: 9, op: 'Slice', inputs: { x }, attrs: { starts: [1, -4], ends: [1000, -1] } });
    const m = await agree({ opset: 7, op: 'Slice', inputs: { x }, attrs: { starts: [1], ends: [3], axes: [1] } });
    expect(m.graph.outputs[0]!.type.shape).toEqual([4, 2]);
  });

  it('Pad before 11 takes pads and value from attributes', async () => {
    const x = random([2, 3]);
    await agree({ opset: 10, op: 'Pad', inputs: { x }, attrs: { pads: [1, 2, 0, 1], value: { float: 1.5 } } });
    await agree({ opset: 7, op: 'Pad', inputs: { x }, attrs: { pads: [0, 2, 1, 2], mode: 'reflect' } });
    await agree({ opset: 10, op: 'Pad', inputs: { x }, attrs: { pads: [1, 1, 1, 1], mode: 'edge' } });
  });
});

describe('new opsets against onnxruntime', () => {
  it('Pad wrap and negative pads (opset 19+)', async () => {
    const x = random([2, 3, 4]);
    await agree({ opset: 19, op: 'Pad', inputs: { x }, initializers: { p: i64(0, 1, 2, 0, 2, 3) }, attrs: { mode: 'wrap' } });
    await agree({ opset: 19, op: 'Pad', inputs: { x }, initializers: { p: i64(0, -1, 1, 0, 0, -2) } });
    await agree({
      opset: 21,
      op: 'Pad',
      inputs: { x },
      initializers: { p: i64(1, 3), v: Tensor.scalar('float32', 2), a: i64(-1) },
      order: ['x', 'p', 'v', 'a'],
      attrs: { mode: 'constant' },
    });
  });

  it('Split into uneven num_outputs (opset 18)', async () => {
    const x = random([7, 2]);
    const outputs = ['a', 'b', 'c'].map((name) => ({ name, dtype: 'float32' as const }));
    const m = await agree({ opset: 18, op: 'Split', inputs: { x }, attrs: { num_outputs: 3 }, outputs });
    expect(m.graph.outputs.map((o) => o.type.shape)).toEqual([
      [3, 2],
      [3, 2],
      [1, 2],
    ]);
  });

  it('Slice with negative steps and open ends', async () => {
    const x = random([4, 5, 6]);
    const big = 9.223372036854776e18;
    await agree({
      opset: 13,
      op: 'Slice',
      inputs: { x },
      initializers: { s: i64(-1, big, 1), e: i64(-big, 0, 5), a: i64(0, 2, -2), t: i64(-1, -2, 2) },
    });
  });

  it('Gather on an inner axis with negative indices', async () => {
    const x = random([3, 4, 2]);
    const idx = Tensor.from('int64', [2, 2], [-1, 0, 2, -4]);
    await agree({ opset: 13, op: 'Gather', inputs: { x }, initializers: { i: idx }, attrs: { axis: 1 } });
  });

  it('Transpose and Concat of 4-D activations', async () => {
    const x = random([2, 3, 4, 5]);
    await agree({ opset: 13, op: 'Transpose', inputs: { x }, attrs: { perm: [0, 2, 3, 1] } });
    await agree({ opset: 13, op: 'Transpose', inputs: { x }, attrs: { perm: [3, 1, 0, 2] } });
    await agree({ opset: 13, op: 'Concat', inputs: { x, z: random([2, 3, 4, 1]) }, attrs: { axis: -1 } });
  });

  it('Where, Max, Min, Mean, Pow, Erf and comparisons', async () => {
    const a = random([2, 3]);
    const b = random([3]);
    const c = random([2, 1]);
    const bool = [{ name: 'y', dtype: 'bool' as const }];
    await agree({
      opset: 16,
      op: 'Where',
      inputs: { cond: Tensor.from('bool', [3], [1, 0, 1]), a, b },
      outputs: [{ name: 'y', dtype: 'float32' }],
    });
    await agree({ opset: 13, op: 'Max', inputs: { a, b, c } });
    await agree({ opset: 13, op: 'Min', inputs: { a, b, c } });
    await agree({ opset: 13, op: 'Mean', inputs: { a, b, c } });
    await agree({ opset: 15, op: 'Pow', inputs: { a: random([2, 3], 0.1, 3), b } });
    await agree({ opset: 13, op: 'Erf', inputs: { a: random([50], -4, 4) } });
    await agree({ opset: 13, op: 'Less', inputs: { a, b }, outputs: bool });
    await agree({ opset: 13, op: 'Greater', inputs: { a, c }, outputs: bool });
    await agree({ opset: 13, op: 'Equal', inputs: { a, b: a }, outputs: bool });
  });

  it('integer arithmetic truncates and wraps like onnxruntime', async () => {
    const a = Tensor.from('int32', [6], [7, -7, 7, -7, 100, -100]);
    const b = Tensor.from('int32', [6], [2, 2, -2, -2, 3, 7]);
    await agree({ opset: 14, op: 'Div', inputs: { a, b } });
    await agree({ opset: 14, op: 'Mul', inputs: { a, b } });
    await agree({
      opset: 13,
      op: 'Clip',
      inputs: { a },
      initializers: { lo: Tensor.scalar('int32', -5), hi: Tensor.scalar('int32', 50) },
    });
    await agree({ opset: 14, op: 'Relu', inputs: { a } });
    await agree({ opset: 13, op: 'Abs', inputs: { a } });
    await agree({ opset: 13, op: 'Neg', inputs: { a } });
  });

  it('Cast between dtypes', async () => {
    const x = Tensor.from('float32', [8], [0, 1.5, -1.5, 2.7, -2.7, 65504, 1e-5, 100.25]);
    for (const [code, dtype] of [
      [1, 'float32'],
      [3, 'int8'],
      [5, 'int16'],
      [6, 'int32'],
      [7, 'int64'],
      [9, 'bool'],
      [10, 'float16'],
      [11, 'float64'],
    ] as const) {
      await agree({ opset: 21, op: 'Cast', inputs: { x }, attrs: { to: code }, outputs: [{ name: 'y', dtype }] });
    }
    const positive = Tensor.from('float32', [4], [0, 1.5, 2.7, 200.9]);
    for (const [code, dtype] of [
      [2, 'uint8'],
      [4, 'uint16'],
      [12, 'uint32'],
      [13, 'uint64'],
    ] as const) {
      await agree({ opset: 21, op: 'Cast', inputs: { x: positive }, attrs: { to: code }, outputs: [{ name: 'y', dtype }] });
    }
    const n = Tensor.from('int64', [4], [-3, 0, 5, 2 ** 40]);
    await agree({ opset: 13, op: 'Cast', inputs: { n }, attrs: { to: 1 }, outputs: [{ name: 'y', dtype: 'float32' }] });
    await agree({ opset: 13, op: 'Cast', inputs: { n }, attrs: { to: 11 }, outputs: [{ name: 'y', dtype: 'float64' }] });
    const h = Tensor.from('float16', [3], [1.5, -2, 1000]);
    await agree({ opset: 13, op: 'Cast', inputs: { h }, attrs: { to: 1 }, outputs: [{ name: 'y', dtype: 'float32' }] });
  });

  it('Shape with start/end and ConstantOfShape', async () => {
    const x = random([2, 3, 4]);
    const shape = [{ name: 'y', dtype: 'int64' as const }];
    await agree({ opset: 15, op: 'Shape', inputs: { x }, attrs: { start: 1, end: -1 }, outputs: shape });
    await agree({ opset: 13, op: 'Shape', inputs: { x }, outputs: shape });
    await agree({
      opset: 20,
      op: 'ConstantOfShape',
      inputs: { s: i64(2, 3) },
      attrs: { value: Tensor.from('int32', [1], [4]) },
      outputs: [{ name: 'y', dtype: 'int32' }],
    });
  });

  it('activations', async () => {
    const x = random([40], -6, 6);
    for (const op of ['Sigmoid', 'Tanh', 'HardSwish', 'Relu', 'Exp', 'Floor', 'Ceil', 'Neg', 'Abs']) {
      await agree({ opset: 14, op, inputs: { x } });
    }
    await agree({ opset: 13, op: 'HardSigmoid', inputs: { x }, attrs: { alpha: { float: 0.3 }, beta: { float: 0.4 } } });
    await agree({ opset: 13, op: 'LeakyRelu', inputs: { x }, attrs: { alpha: { float: 0.2 } } });
    const p = random([40], 0.1, 4);
    for (const op of ['Log', 'Sqrt', 'Reciprocal']) await agree({ opset: 13, op, inputs: { p } });
    await agree({ opset: 16, op: 'PRelu', inputs: { x: random([2, 3, 2]) }, initializers: { s: random([3, 1]) } });
  });

  it('Reshape with a dynamic shape input keeps the rank', async () => {
    const x = random([2, 3, 4]);
    const m = await agree({ opset: 14, op: 'Reshape', inputs: { x, s: i64(4, 0, -1) } });
    expect(m.graph.outputs[0]!.type.shape).toEqual(['?', '?', '?']);
    expect(ops(m)).toEqual(['Reshape']);
  });
});
