import type { Node, PimClusterAttrs, PimFusedActivationAttrs, Value } from '@pimc/ir';
import type { Activation } from './activation-cam.js';
import type { UseInfo } from './weighted-layer.js';

/*
 * Which layers end in a fused activation + encoding (algorithms.md §2.3 step 4). A layer's result
 * chain fuses when it is made of monotone elementwise clamps (Relu, Clip with constant bounds,
 * PimFusedActivation) and index-preserving ops (MaxPool, GlobalMaxPool and the reshapes), in any
 * order, and ends in a PimCluster, every value before the PimCluster read only by the next op of
 * the chain and not a graph output. Then idx = cluster(f(acc · lutScale)) is computed by the
 * layer's CAM and the pools and reshapes run on indices: nearest-centroid encoding and the clamps are
 * monotone, so they commute with max pooling, and reshapes do not look at values.
 */

/** Ops that move or max-pool elements without computing new values: they run on index tensors. */
export const INDEX_PRESERVING_OPS: ReadonlySet<string> = new Set([
  'MaxPool',
  'GlobalMaxPool',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Identity',
  'Dropout',
  'Transpose',
]);

export interface FusedChain {
  /** The clamps of the chain's activation ops, in order (empty: identity). */
  readonly activation: Activation;
  /** The index-preserving ops of the chain, in order. */
  readonly indexOps: readonly Node[];
  /** Every node of the chain, in order, the PimCluster last. */
  readonly nodes: readonly Node[];
  readonly cluster: Node;
}

/** The constant scalar of an optional operand (undefined when absent; NaN when not a constant scalar). */
function scalarOperand(v: Value | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.constant;
  return t !== undefined && t.size === 1 ? Number(t.data[0]) : NaN;
}

/** The clamp [lo, hi] a Relu, Clip or PimFusedActivation computes; undefined for other ops and non-constant bounds. */
export function clampOf(node: Node): readonly [number, number] | undefined {
  switch (node.op) {
    case 'Relu':
      return [0, Infinity];
    case 'Clip': {
      const lo = scalarOperand(node.inputs[1]) ?? -Infinity;
      const hi = scalarOperand(node.inputs[2]) ?? Infinity;
      return Number.isNaN(lo) || Number.isNaN(hi) ? undefined : [lo, hi];
    }
    case 'PimFusedActivation': {
      const a = node.attrs as PimFusedActivationAttrs;
      return [a.min ?? -Infinity, a.max ?? Infinity];
    }
    default:
      return undefined;
  }
}

/** An op of the chain that reads `v` as its only data operand and has one result. */
function singleResult(node: Node, v: Value): boolean {
  return node.inputs[0] === v && node.outputs.length === 1;
}

/** The fused chain that starts at a layer's result, if there is one. */
export function fusedChain(start: Value, info: UseInfo): FusedChain | undefined {
  const activation: (readonly [number, number])[] = [];
  const indexOps: Node[] = [];
  const nodes: Node[] = [];
  let v = start;
  for (;;) {
    const readers = info.uses.get(v) ?? [];
    if (readers.length !== 1 || info.graphOutputs.has(v)) return undefined;
    const node = readers[0]!;
    if (!singleResult(node, v)) return undefined;
    nodes.push(node);
    if (node.op === 'PimCluster') return { activation, indexOps, nodes, cluster: node };
    const clamp = clampOf(node);
    if (clamp !== undefined) activation.push(clamp);
    else if (INDEX_PRESERVING_OPS.has(node.op)) indexOps.push(node);
    else return undefined;
    v = node.outputs[0]!;
  }
}

/** A PimCluster's codebook (its centroids, float32 and ascending by the op's contract). */
export function codebookOf(cluster: Node): Float32Array {
  return Float32Array.from((cluster.attrs as PimClusterAttrs).centroids);
}
