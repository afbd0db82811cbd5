import { GraphBuilder, onnxOps, Tensor, Value, type Model } from '@pimc/ir';
import { Rng } from '@pimc/support';

/*
 * Hand-built clustered float models (what rapidnn-cluster produces): layers whose constant weights
 * take a few distinct float32 values, and a PimCluster on every layer input.
 */

/** `n` distinct ascending float32 values in [lo, hi), `withZero` forcing an exact 0 among them. */
export function centroids(rng: Rng, n: number, lo: number, hi: number, withZero = false): number[] {
  const set = new Set<number>(withZero ? [0] : []);
  while (set.size < n) set.add(Math.fround(rng.uniform(lo, hi)));
  return [...set].sort((a, b) => a - b);
}

export class ClusteredModel {
  readonly builder = new GraphBuilder(onnxOps);
  readonly rng: Rng;
  private constants = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** A float32 constant of the given values. */
  constant(shape: number[], values: ArrayLike<number>): Value {
    return Value.ofConstant(`const${this.constants++}`, Tensor.from('float32', shape, values));
  }

  /** A constant whose values are drawn from `kW` clusters (one set per output channel when `perChannel`). */
  clusteredWeights(shape: number[], kW: number, perChannel = false): Value {
    const m = shape[0]!;
    const size = shape.reduce((a, b) => a * b, 1);
    const sets = Array.from({ length: perChannel ? m : 1 }, () => centroids(this.rng, kW, -1, 1));
    const values = Float32Array.from({ length: size }, (_, i) => {
      const set = sets[perChannel ? Math.floor(i / (size / m)) : 0]!;
      return set[this.rng.int(0, set.length - 1)]!;
    });
    return this.constant(shape, values);
  }

  cluster(x: Value, values: readonly number[], name: string): Value {
    return this.builder.add1('PimCluster', [x], { name, attrs: { centroids: values } });
  }

  conv(
    x: Value,
    name: string,
    options: {
      out: number;
      kernel: number[];
      kW: number;
      pads?: number[];
      group?: number;
      strides?: number[];
      perChannel?: boolean;
    },
  ): Value {
    const c = x.type.shape![1] as number;
    const group = options.group ?? 1;
    const w = this.clusteredWeights([options.out, c / group, ...options.kernel], options.kW, options.perChannel);
    const b = this.constant(
      [options.out],
      Array.from({ length: options.out }, () => this.rng.uniform(-0.3, 0.3)),
    );
    return this.builder.add1('Conv', [x, w, b], {
      name,
      attrs: {
        group,
        pads: options.pads ?? options.kernel.flatMap(() => [0, 0]),
        strides: options.strides ?? options.kernel.map(() => 1),
      },
    });
  }

  gemm(x: Value, name: string, out: number, kW: number): Value {
    const k = x.type.shape![1] as number;
    const w = this.clusteredWeights([out, k], kW);
    const c = this.constant(
      [out],
      Array.from({ length: out }, () => this.rng.uniform(-0.3, 0.3)),
    );
    return this.builder.add1('Gemm', [x, w, c], { name, attrs: { transB: 1 } });
  }

  model(inputs: Value[], outputs: Value[]): Model {
    return {
      graph: { name: 'clustered', inputs, outputs, nodes: this.builder.nodes },
      opsets: new Map([['', 17]]),
      producer: 'test',
      source: 'clustered',
    };
  }
}
