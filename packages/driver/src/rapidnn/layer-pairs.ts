import { PimcError } from '@pimc/support';
import { producersOf, type Model, type Node, type Tensor } from '@pimc/ir';
import { clusterableLayer } from '@pimc/passes';

/** A clustered layer of the RAPIDNN model and what it stands for in the float model. */
export interface LayerPair {
  /** The layer in the clustered model (clustered weight constant, PimCluster data input). */
  readonly clustered: Node;
  /** The PimCluster node feeding it. */
  readonly cluster: Node;
  /** The same layer (same node name) in the float model. */
  readonly float: Node;
  readonly dataIndex: number;
  readonly weightIndex: number;
  readonly channelAxis: number;
  readonly floatWeight: Tensor;
  readonly clusteredWeight: Tensor;
}

/** The clustered layers of `clusteredModel` (Conv, Gemm, MatMul fed by a PimCluster), paired by node name. */
export function layerPairs(floatModel: Model, clusteredModel: Model): LayerPair[] {
  const floatNodes = new Map(floatModel.graph.nodes.map((n) => [n.name, n]));
  const producers = producersOf(clusteredModel.graph);
  const pairs: LayerPair[] = [];
  for (const node of clusteredModel.graph.nodes) {
    const layer = clusterableLayer(node);
    if (layer === undefined || typeof layer === 'string') continue;
    const cluster = producers.get(node.inputs[layer.dataIndex]!);
    if (cluster?.op !== 'PimCluster') continue;
    const float = floatNodes.get(node.name);
    const floatWeight = float?.inputs[layer.weightIndex]?.constant;
    if (float === undefined || float.op !== node.op || floatWeight === undefined) {
      throw new PimcError(
        'invalid-input',
        `the float model has no ${node.op} ${node.name} with a constant weight to compare with`,
        {
          notes: ['compare the clustered model with the float model it was made from (ClusteredModel.floatModel)'],
        },
      );
    }
    pairs.push({
      clustered: node,
      cluster,
      float,
      dataIndex: layer.dataIndex,
      weightIndex: layer.weightIndex,
      channelAxis: layer.channelAxis,
      floatWeight,
      clusteredWeight: node.inputs[layer.weightIndex]!.constant!,
    });
  }
  return pairs;
}
