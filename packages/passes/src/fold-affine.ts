import { definePass, onnxOps, rebuildGraph, Tensor, usesOf, Value, withGraph, type Dim, type Graph, type Node } from '@pimc/ir';
import { channelVector } from './channel-constant.js';

/**
 * Folds Mul and Add by per-channel constants into the Conv or BatchNormalization before them. Models
 * exported from Caffe write a BatchNorm as BatchNormalization followed by a "Scale" layer
 * (Unsqueeze'd constants, Mul, Add): DenseNet-121 and Inception-v2 in the ONNX model zoo. Left alone,
 * the Mul and Add are float ops between two quantized layers. The chain `P → Mul(s) → Add(t) → …`
 * is the per-channel affine map `y = P(x)·s + t`, accumulated along the chain and folded:
 *
 *     Conv:               W'[c, ...] = W[c, ...]·s[c]      B'[c] = B[c]·s[c] + t[c]
 *     BatchNormalization: scale'[c] = scale[c]·s[c]        bias'[c] = bias[c]·s[c] + t[c]
 *
 * Exact up to float rounding, like fold-batchnorm. A constant is per channel when, aligned to the
 * result's rank from the right, every dimension is 1 except the channel axis (1), which is 1 or C.
 * Every value of the chain but its end must feed the next link alone and not be a graph output.
 */
export const foldAffine = definePass({
  name: 'fold-affine',
  summary: 'Fold Mul and Add by per-channel constants into the preceding Conv or BatchNormalization',
  description:
    'Follows each Conv (constant float32 weights) and inference BatchNormalization (constant parameters) ' +
    'through the Mul and Add nodes by per-channel constants that read its result alone, and folds their ' +
    'affine map into the weights and bias (Conv) or scale and bias (BatchNormalization). The folded node ' +
    'takes the name of the last folded result. Caffe exports write BatchNorm + Scale this way.',
  options: {},
  statistics: { folded: 'Mul and Add nodes folded', producers: 'Conv and BatchNormalization nodes they were folded into' },
  run(model, _options, ctx) {
    const chains = findChains(model.graph);
    if (chains.size === 0) return model;
    const folded = new Set([...chains.values()].flatMap((c) => c.links));
    const graph = rebuildGraph(model.graph, onnxOps, {
      rewrite(node, operands, builder) {
        const chain = chains.get(node);
        if (chain !== undefined) {
          const replaced = foldInto(node, chain);
          const inputs = Array.from({ length: Math.max(operands.length, replaced.length) }, (_, i) => {
            const t = replaced[i];
            return t === undefined ? operands[i] : Value.ofConstant(`${node.name}/${ROLE[node.op]![i]}_affine`, t);
          });
          const result = builder.add(node.op, inputs, {
            name: builder.uniqueName(node.name),
            attrs: node.attrs,
            outputNames: [chain.links[chain.links.length - 1]!.outputs[0]!.name],
          });
          ctx.count('producers');
          ctx.count('folded', chain.links.length);
          return result.outputs;
        }
        if (folded.has(node)) {
          // The link's non-constant operand is its producer's result, already mapped to the folded node.
          const through = operands.find((v): v is Value => v !== undefined && v.constant === undefined);
          return through === undefined ? undefined : [through];
        }
        return undefined;
      },
    });
    return withGraph(model, graph);
  },
});

/** Names for the folded constants, by operand index. */
const ROLE: Readonly<Record<string, readonly string[]>> = {
  Conv: ['X', 'W', 'B'],
  BatchNormalization: ['X', 'scale', 'bias'],
};

/** A producer's folded chain: the Mul/Add links in order and their accumulated map `x·s + t`. */
interface Chain {
  readonly links: readonly Node[];
  readonly s: Float64Array;
  readonly t: Float64Array;
}

function findChains(graph: Graph): Map<Node, Chain> {
  const uses = usesOf(graph);
  const outputs = new Set(graph.outputs);
  const chains = new Map<Node, Chain>();
  for (const node of graph.nodes) {
    const channels = producerChannels(node);
    if (channels === undefined) continue;
    const s = new Float64Array(channels).fill(1);
    const t = new Float64Array(channels);
    const links: Node[] = [];
    let y = node.outputs[0]!;
    for (;;) {
      const readers = uses.get(y) ?? [];
      if (outputs.has(y) || readers.length !== 1) break;
      const link = readers[0]!;
      const c = link.op === 'Mul' || link.op === 'Add' ? constantOperand(link, y) : undefined;
      const v = c === undefined ? undefined : channelVector(c, y.type.shape, channels);
      if (v === undefined || !sameShape(link.outputs[0]!.type.shape, y.type.shape)) break;
      for (let k = 0; k < channels; k++) {
        if (link.op === 'Mul') {
          s[k]! *= v[k]!;
          t[k]! *= v[k]!;
        } else {
          t[k]! += v[k]!;
        }
      }
      links.push(link);
      y = link.outputs[0]!;
    }
    if (links.length > 0) chains.set(node, { links, s, t });
  }
  return chains;
}

/** Output channels of a Conv or BatchNormalization whose parameters can absorb a map, else undefined. */
function producerChannels(node: Node): number | undefined {
  if (node.outputs.length !== 1 || node.outputs[0]!.type.dtype !== 'float32') return undefined;
  if (node.op === 'Conv') {
    const w = node.inputs[1]?.constant;
    const b = node.inputs[2];
    if (w?.dtype !== 'float32' || (b !== undefined && b.constant?.dtype !== 'float32')) return undefined;
    return w.shape[0];
  }
  if (node.op === 'BatchNormalization') {
    const params = node.inputs.slice(1, 5);
    if (params.length !== 4 || !params.every((v) => v?.constant?.dtype === 'float32')) return undefined;
    return params[0]!.constant!.size;
  }
  return undefined;
}

/** The float32 constant operand of a binary node whose other operand is `y`. */
function constantOperand(node: Node, y: Value): Tensor | undefined {
  const [a, b] = node.inputs;
  const other = a === y ? b : b === y ? a : undefined;
  const c = other?.constant;
  return c?.dtype === 'float32' ? c : undefined;
}

function sameShape(a: readonly Dim[] | undefined, b: readonly Dim[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The producer's new constant operands (undefined where an operand stays). */
function foldInto(node: Node, { s, t }: Chain): (Tensor | undefined)[] {
  const channels = s.length;
  const scaled = (v: Value | undefined, offset: (k: number) => number) => {
    const old = v?.constant?.toNumbers();
    return new Tensor(
      'float32',
      [channels],
      Float32Array.from(
        { length: channels },
        (_, k) => (old === undefined ? 0 : old[old.length === 1 ? 0 : k]!) * s[k]! + offset(k),
      ),
    );
  };
  if (node.op === 'Conv') {
    const weight = node.inputs[1]!.constant!;
    const src = weight.data as Float32Array;
    const per = weight.size / channels;
    const w = Float32Array.from(src, (v, i) => v * s[Math.floor(i / per)]!);
    return [undefined, new Tensor('float32', weight.shape, w), scaled(node.inputs[2], (k) => t[k]!)];
  }
  return [undefined, scaled(node.inputs[1], () => 0), scaled(node.inputs[2], (k) => t[k]!)];
}
