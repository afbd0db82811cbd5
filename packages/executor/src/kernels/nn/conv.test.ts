import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, stridesOf, Tensor, Value, type Attrs } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { runGraph } from '../../run.js';

/** Runs one op on constant operands through GraphBuilder (so inference is exercised too). */
function run(op: string, operands: readonly (Tensor | undefined)[], attrs: Attrs = {}): Tensor {
  const builder = new GraphBuilder(onnxOps);
  const inputs = operands.map((t, i) => (t === undefined ? undefined : Value.ofConstant(`in${i}`, t)));
  const node = builder.add(op, inputs, { name: op, attrs });
  const graph = { name: 'g', inputs: [], outputs: node.outputs, nodes: builder.nodes };
  const result = runGraph(graph, new Map()).outputs.get(node.outputs[0]!.name)!;
  expect(result.shape).toEqual(node.outputs[0]!.type.shape);
  return result;
}

const f32 = (shape: number[], values: number[]) => Tensor.from('float32', shape, values);
const iota = (shape: number[]) =>
  f32(
    shape,
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  );

function expectClose(actual: Tensor, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.size).toBe(expected.length);
  const a = actual.toNumbers();
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(a[i]! - expected[i]!) > tol * (1 + Math.abs(expected[i]!))) {
      throw new Error(`element ${i}: ${a[i]} vs ${expected[i]}`);
    }
  }
}

interface ConvCase {
  x: number[];
  w: number[];
  group: number;
  strides: number[];
  dilations: number[];
  pads: number[];
  bias: boolean;
}

/** Conv by its definition: every output sums over its window, padding read as 0. */
function naiveConv(x: Tensor, w: Tensor, b: Tensor | undefined, c: ConvCase): { shape: number[]; data: Float64Array } {
  const r = x.rank - 2;
  const [n, ch] = x.shape as [number, number];
  const m = w.shape[0]!;
  const cg = ch / c.group;
  const mg = m / c.group;
  const k = w.shape.slice(2);
  const out = x.shape
    .slice(2)
    .map((size, d) => Math.floor((size + c.pads[d]! + c.pads[d + r]! - (k[d]! - 1) * c.dilations[d]! - 1) / c.strides[d]!) + 1);
  const shape = [n, m, ...out];
  const data = new Float64Array(shape.reduce((a, v) => a * v, 1));
  const xs = stridesOf(x.shape);
  const ws = stridesOf(w.shape);
  const ys = stridesOf(shape);
  const xd = x.toNumbers();
  const wd = w.toNumbers();
  const each = (dims: readonly number[], f: (idx: number[]) => void) => {
    const idx = new Array<number>(dims.length).fill(0);
    const total = dims.reduce((a, v) => a * v, 1);
    for (let i = 0; i < total; i++) {
      f(idx);
      for (let d = dims.length - 1; d >= 0; d--) {
        if (++idx[d]! < dims[d]!) break;
        idx[d] = 0;
      }
    }
  };
  each(shape, (o) => {
    const [bi, oc] = o as [number, number];
    const g = Math.floor(oc / mg);
    let s = b === undefined ? 0 : b.toNumbers()[oc]!;
    for (let ci = 0; ci < cg; ci++) {
      each(k, (t) => {
        let xo = bi * xs[0]! + (g * cg + ci) * xs[1]!;
        for (let d = 0; d < r; d++) {
          const coord = o[d + 2]! * c.strides[d]! - c.pads[d]! + t[d]! * c.dilations[d]!;
          if (coord < 0 || coord >= x.shape[d + 2]!) return;
          xo += coord * xs[d + 2]!;
        }
        let wo = oc * ws[0]! + ci * ws[1]!;
        for (let d = 0; d < r; d++) wo += t[d]! * ws[d + 2]!;
        s += xd[xo]! * wd[wo]!;
      });
    }
    let yo = 0;
    for (let d = 0; d < shape.length; d++) yo += o[d]! * ys[d]!;
    data[yo] = s;
  });
  return { shape, data };
}

describe('Conv', () => {
  it('sums 2×2 windows (hand-checked)', () => {
    const y = run('Conv', [iota([1, 1, 3, 3]), f32([1, 1, 2, 2], [1, 1, 1, 1])]);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(y.toNumbers()).toEqual([8, 12, 20, 24]);
  });

  it('adds the bias and reads padding as zero', () => {
    const y = run('Conv', [iota([1, 1, 3, 3]), f32([1, 1, 2, 2], [1, 1, 1, 1]), f32([1], [10])], { pads: [1, 1, 1, 1] });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(y.toNumbers().slice(0, 4)).toEqual([10, 11, 13, 12]);
  });

  it('dilates the kernel', () => {
    const y = run('Conv', [iota([1, 1, 4, 4]), f32([1, 1, 2, 2], [1, 1, 1, 1])], { dilations: [2, 2] });
    expect(y.toNumbers()).toEqual([20, 24, 36, 40]);
  });

  it('pads asymmetrically and resolves SAME_UPPER / SAME_LOWER', () => {
    const x = f32([1, 1, 1, 3], [1, 2, 3]);
    const w = f32([1, 1, 1, 2], [1, 1]);
    expect(run('Conv', [x, w], { pads: [0, 1, 0, 0] }).toNumbers()).toEqual([1, 3, 5]);
    const x4 = f32([1, 1, 1, 4], [1, 2, 3, 4]);
    expect(run('Conv', [x4, w], { auto_pad: 'SAME_UPPER' }).toNumbers()).toEqual([3, 5, 7, 4]);
    expect(run('Conv', [x4, w], { auto_pad: 'SAME_LOWER' }).toNumbers()).toEqual([1, 3, 5, 7]);
    expect(run('Conv', [x4, w], { auto_pad: 'VALID', strides: [1, 2] }).toNumbers()).toEqual([3, 7]);
  });

  it('convolves groups separately (depthwise and two-channel groups)', () => {
    const x = iota([1, 2, 2, 2]);
    expect(run('Conv', [x, f32([2, 1, 1, 1], [2, 3])], { group: 2 }).toNumbers()).toEqual([0, 2, 4, 6, 12, 15, 18, 21]);
    // Group 0 reads channels 0-1, group 1 channels 2-3: weights [1, 1] and [1, -1].
    const x4 = f32([1, 4, 1, 1], [1, 2, 3, 5]);
    expect(run('Conv', [x4, f32([2, 2, 1, 1], [1, 1, 1, -1])], { group: 2 }).toNumbers()).toEqual([3, -2]);
  });

  it('handles 1-D and 3-D inputs', () => {
    const y1 = run('Conv', [f32([1, 1, 5], [1, 2, 3, 4, 5]), f32([1, 1, 3], [1, 0, -1])], { strides: [2] });
    expect(y1.toNumbers()).toEqual([-2, -2]);
    const y3 = run('Conv', [f32([1, 1, 2, 2, 2], new Array(8).fill(1)), f32([1, 1, 2, 2, 2], new Array(8).fill(1))]);
    expect(y3.shape).toEqual([1, 1, 1, 1, 1]);
    expect(y3.toNumbers()).toEqual([8]);
  });

  it('matches the definition on random configurations', () => {
    const rng = new Rng(11);
    const cases: ConvCase[] = [
      { x: [2, 3, 7, 6], w: [4, 3, 3, 3], group: 1, strides: [2, 1], dilations: [1, 2], pads: [1, 0, 2, 1], bias: true },
      { x: [1, 4, 9, 9], w: [6, 2, 3, 2], group: 2, strides: [2, 3], dilations: [1, 1], pads: [0, 1, 1, 0], bias: false },
      { x: [3, 6, 5, 5], w: [12, 1, 3, 3], group: 6, strides: [1, 1], dilations: [2, 1], pads: [2, 1, 2, 1], bias: true },
      { x: [2, 8, 4, 5], w: [5, 8, 1, 1], group: 1, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], bias: true },
      { x: [2, 8, 4, 5], w: [4, 4, 1, 1], group: 2, strides: [2, 2], dilations: [1, 1], pads: [0, 0, 0, 0], bias: false },
      { x: [2, 3, 11], w: [2, 3, 4], group: 1, strides: [3], dilations: [2], pads: [3, 1], bias: true },
      {
        x: [1, 2, 4, 5, 3],
        w: [3, 2, 2, 3, 2],
        group: 1,
        strides: [1, 2, 1],
        dilations: [2, 1, 1],
        pads: [1, 0, 1, 0, 1, 1],
        bias: true,
      },
      {
        x: [2, 4, 3, 4, 5],
        w: [4, 1, 3, 1, 2],
        group: 4,
        strides: [2, 1, 1],
        dilations: [1, 1, 3],
        pads: [1, 1, 0, 0, 0, 2],
        bias: false,
      },
    ];
    for (const c of cases) {
      const x = Tensor.from('float32', c.x, rng.float32Array(c.x.reduce((a, b) => a * b)));
      const w = Tensor.from('float32', c.w, rng.float32Array(c.w.reduce((a, b) => a * b)));
      const b = c.bias ? Tensor.from('float32', [c.w[0]!], rng.float32Array(c.w[0]!)) : undefined;
      const y = run('Conv', [x, w, b], { group: c.group, strides: c.strides, dilations: c.dilations, pads: c.pads });
      const expected = naiveConv(x, w, b, c);
      expect(y.shape).toEqual(expected.shape);
      expectClose(y, expected.data);
    }
  });

  it('rounds float16 results and computes float64 in double precision', () => {
    const y16 = run('Conv', [Tensor.from('float16', [1, 1, 1, 2], [1, 1]), Tensor.from('float16', [1, 1, 1, 1], [0.1])]);
    expect(y16.dtype).toBe('float16');
    expect(y16.toNumbers()[0]).toBe(0.0999755859375);
    const y64 = run('Conv', [Tensor.from('float64', [1, 1, 1, 2], [1e-9, 1]), Tensor.from('float64', [1, 1, 1, 2], [1, 1])]);
    expect(y64.toNumbers()).toEqual([1 + 1e-9]);
  });

  it('gives the same result for weights that are graph inputs and for (resident) constant ones', () => {
    const rng = new Rng(5);
    const random = (shape: number[]) =>
      f32(
        shape,
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() - 0.5),
      );
    const x = random([2, 6, 9, 9]);
    const w = random([8, 3, 3, 3]);
    const b = random([8]);
    const attrs = { group: 2, pads: [1, 0, 1, 2], strides: [2, 1] };
    const builder = new GraphBuilder(onnxOps);
    const inputs = [new Value('x', { dtype: 'float32', shape: x.shape }), new Value('w', { dtype: 'float32', shape: w.shape })];
    const node = builder.add('Conv', [...inputs, Value.ofConstant('b', b)], { name: 'conv', attrs });
    const graph = { name: 'g', inputs, outputs: node.outputs, nodes: builder.nodes };
    const fed = runGraph(
      graph,
      new Map([
        ['x', x],
        ['w', w],
      ]),
    ).outputs.get(node.outputs[0]!.name)!;
    const constant = run('Conv', [x, w, b], attrs);
    // Twice: the second run reuses the weights packed by the first.
    expect(Array.from(run('Conv', [x, w, b], attrs).data as Float32Array)).toEqual(Array.from(constant.data as Float32Array));
    expect(Array.from(fed.data as Float32Array)).toEqual(Array.from(constant.data as Float32Array));
  });

  it('reports channel mismatches with the shapes involved', () => {
    try {
      run('Conv', [iota([1, 3, 4, 4]), iota([2, 2, 1, 1])]);
      throw new Error('expected an error');
    } catch (e) {
      expect(isPimcError(e, 'shape-mismatch')).toBe(true);
      expect(String(e)).toMatch(/3 channels/);
    }
  });
});

/** ConvTranspose by its definition: every input scatters its weighted kernel into the output. */
function naiveConvTranspose(
  x: Tensor,
  w: Tensor,
  group: number,
  strides: number[],
  dilations: number[],
  padsBegin: number[],
  out: number[],
): Float64Array {
  const [n, c] = x.shape as [number, number];
  const mg = w.shape[1]!;
  const m = mg * group;
  const cg = c / group;
  const k = w.shape.slice(2);
  const r = k.length;
  const y = new Float64Array(n * m * out.reduce((a, b) => a * b, 1));
  const xs = stridesOf(x.shape);
  const ws = stridesOf(w.shape);
  const ys = stridesOf([n, m, ...out]);
  const xd = x.toNumbers();
  const wd = w.toNumbers();
  const inSpatial = x.shape.slice(2);
  const positions = (dims: readonly number[]) => {
    const list: number[][] = [[]];
    for (const d of dims) {
      const next: number[][] = [];
      for (const p of list) for (let i = 0; i < d; i++) next.push([...p, i]);
      list.splice(0, list.length, ...next);
    }
    return list;
  };
  for (let bi = 0; bi < n; bi++) {
    for (let ci = 0; ci < c; ci++) {
      const g = Math.floor(ci / cg);
      for (const p of positions(inSpatial)) {
        const xv = xd[bi * xs[0]! + ci * xs[1]! + p.reduce((a, v, d) => a + v * xs[d + 2]!, 0)]!;
        for (let oc = 0; oc < mg; oc++) {
          for (const t of positions(k)) {
            const o = p.map((v, d) => v * strides[d]! - padsBegin[d]! + t[d]! * dilations[d]!);
            if (o.some((v, d) => v < 0 || v >= out[d]!)) continue;
            const wv = wd[ci * ws[0]! + oc * ws[1]! + t.reduce((a, v, d) => a + v * ws[d + 2]!, 0)]!;
            y[bi * ys[0]! + (g * mg + oc) * ys[1]! + o.reduce((a, v, d) => a + v * ys[d + 2]!, 0)] += xv * wv;
          }
        }
      }
    }
  }
  void r;
  return y;
}

describe('ConvTranspose', () => {
  it('scatters a 1-D kernel (hand-checked)', () => {
    const w = f32([1, 1, 3], [1, 1, 1]);
    expect(run('ConvTranspose', [f32([1, 1, 2], [1, 2]), w]).toNumbers()).toEqual([1, 3, 3, 2]);
    expect(run('ConvTranspose', [f32([1, 1, 2], [1, 2]), w], { strides: [2] }).toNumbers()).toEqual([1, 1, 3, 2, 2]);
    expect(run('ConvTranspose', [f32([1, 1, 2], [1, 2]), w, f32([1], [1])], { strides: [2], pads: [1, 1] }).toNumbers()).toEqual([
      2, 4, 3,
    ]);
  });

  it('grows the output with output_padding and fits output_shape', () => {
    const w = f32([1, 1, 3], [1, 1, 1]);
    const x = f32([1, 1, 2], [1, 2]);
    expect(run('ConvTranspose', [x, w], { strides: [2], output_padding: [1] }).toNumbers()).toEqual([1, 1, 3, 2, 2, 0]);
    // A target larger than the full result pads at the end.
    expect(run('ConvTranspose', [x, w], { output_shape: [7] }).toNumbers()).toEqual([1, 3, 3, 2, 0, 0, 0]);
    // SAME_UPPER: output = input · stride, the smaller half of the trim at the beginning.
    expect(run('ConvTranspose', [x, w], { strides: [2], auto_pad: 'SAME_UPPER' }).toNumbers()).toEqual([1, 1, 3, 2]);
    expect(run('ConvTranspose', [x, w], { strides: [2], auto_pad: 'SAME_LOWER' }).toNumbers()).toEqual([1, 3, 2, 2]);
  });

  it('matches the definition on random configurations', () => {
    const rng = new Rng(5);
    const cases = [
      { x: [2, 4, 3, 4], w: [4, 3, 3, 2], group: 2, strides: [2, 1], dilations: [1, 2], pads: [1, 0, 0, 1] },
      { x: [1, 3, 5], w: [3, 2, 4], group: 1, strides: [3], dilations: [2], pads: [2, 1] },
      { x: [1, 2, 2, 3, 2], w: [2, 2, 2, 2, 3], group: 1, strides: [2, 1, 2], dilations: [1, 2, 1], pads: [0, 1, 1, 1, 0, 0] },
      { x: [2, 6, 3, 3], w: [6, 1, 3, 3], group: 6, strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1] },
    ];
    for (const c of cases) {
      const x = Tensor.from('float32', c.x, rng.float32Array(c.x.reduce((a, b) => a * b)));
      const w = Tensor.from('float32', c.w, rng.float32Array(c.w.reduce((a, b) => a * b)));
      const y = run('ConvTranspose', [x, w], { group: c.group, strides: c.strides, dilations: c.dilations, pads: c.pads });
      const r = c.w.length - 2;
      const out = c.x
        .slice(2)
        .map((v, d) => c.strides[d]! * (v - 1) + (c.w[d + 2]! - 1) * c.dilations[d]! + 1 - c.pads[d]! - c.pads[d + r]!);
      expect(y.shape).toEqual([c.x[0], c.w[1]! * c.group, ...out]);
      expectClose(y, naiveConvTranspose(x, w, c.group, c.strides, c.dilations, c.pads.slice(0, r), out));
    }
  });
});
