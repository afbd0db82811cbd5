import type { Node } from '@pimc/ir';

/** A layer rapidnn-cluster rewrites: which operand is the data, which the constant weight. */
export interface ClusterableLayer {
  readonly node: Node;
  /** Operand index of the activation input (clustered by a PimCluster node). */
  readonly dataIndex: number;
  /** Operand index of the float32 constant weight. */
  readonly weightIndex: number;
  /** Output-channel axis of the weight (per-outChannel clustering). */
  readonly channelAxis: number;
}

const isFloatConstant = (node: Node, i: number) => node.inputs[i]?.constant?.dtype === 'float32';
const isFloatData = (node: Node, i: number) => {
  const v = node.inputs[i];
  return v !== undefined && v.constant === undefined && v.type.dtype === 'float32';
};
const rank = (node: Node, i: number) => node.inputs[i]?.constant?.rank;

/**
 * The layer view of a node, or undefined (with the reason) when it is not a layer with a float32
 * constant weight and a float32 data input:
 * Conv X·W (W [M, C/g, …], channels on axis 0); Gemm A·B (B [K, N], or [N, K] with transB);
 * MatMul X·B with a constant [K, N] right operand (axis 1), or A·X with a constant [M, K] left one (axis 0).
 */
export function clusterableLayer(node: Node): ClusterableLayer | string | undefined {
  switch (node.op) {
    case 'Conv':
      if (!isFloatConstant(node, 1)) return 'W is not a float32 constant';
      if (!isFloatData(node, 0)) return 'X is not a float32 activation';
      return { node, dataIndex: 0, weightIndex: 1, channelAxis: 0 };
    case 'Gemm':
      if (!isFloatConstant(node, 1)) return 'B is not a float32 constant';
      if (!isFloatData(node, 0)) return 'A is not a float32 activation';
      return { node, dataIndex: 0, weightIndex: 1, channelAxis: Number(node.attrs['transB'] ?? 0) === 1 ? 0 : 1 };
    case 'MatMul':
      if (isFloatConstant(node, 1) && rank(node, 1) === 2 && isFloatData(node, 0)) {
        return { node, dataIndex: 0, weightIndex: 1, channelAxis: 1 };
      }
      if (isFloatConstant(node, 0) && rank(node, 0) === 2 && isFloatData(node, 1)) {
        return { node, dataIndex: 1, weightIndex: 0, channelAxis: 0 };
      }
      return 'no 2-D float32 constant operand beside a float32 activation';
    default:
      return undefined;
  }
}
