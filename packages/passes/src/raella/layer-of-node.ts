import { rebuildGraph, onnxOps, type Attrs, type Graph, type Node, type PimQConvAttrs, type PimQGemmAttrs } from '@pimc/ir';
import { PimcError } from '@pimc/support';
import type { CenterLayout, RaellaLayer } from './layer-data.js';

/*
 * The bridge between the IR and the RAELLA algorithms: which nodes are crossbar layers, their
 * weight matrix as a RaellaLayer, their encoding attributes, and rewriting those attributes.
 */

/** The integer layers the crossbars compute. */
export function isCrossbarLayer(node: Node): boolean {
  return node.op === 'PimQConv' || node.op === 'PimQGemm';
}

/** The RAELLA encoding attributes of a PimQConv or PimQGemm (empty lists: not set). */
export interface CrossbarEncoding {
  readonly weightSlices: readonly number[];
  readonly weightCenters: readonly number[];
  readonly centerRows: number;
  readonly inputSpeculation: readonly number[];
}

export function encodingOf(node: Node): CrossbarEncoding {
  const a = node.attrs as unknown as PimQConvAttrs | PimQGemmAttrs;
  return {
    weightSlices: a.weight_slices,
    weightCenters: a.weight_centers,
    centerRows: a.center_rows,
    inputSpeculation: a.input_speculation,
  };
}

/** The node's weight matrix [M][depth] (int8), groups, input zero point and signedness. */
export function raellaLayerOf(node: Node): RaellaLayer {
  const w = node.inputs[1]?.constant;
  if (w === undefined || w.dtype !== 'int8' || w.rank < 2) {
    throw new PimcError('pass', `layer ${node.name} (${node.op}): the weights W must be a constant int8 tensor`);
  }
  const x = node.inputs[0];
  const outChannels = w.shape[0]!;
  const groups = node.op === 'PimQConv' ? (node.attrs as unknown as PimQConvAttrs).group : 1;
  return {
    name: node.name,
    weights: w.data as Int8Array,
    outChannels,
    depth: w.size / outChannels,
    groups,
    zeroPoint: (node.attrs as unknown as PimQConvAttrs | PimQGemmAttrs).x_zero_point,
    signedInputs: x?.type.dtype === 'int8',
  };
}

/** The node's centers and their row tiles; without centers, center 0 on tiles of `rows` rows. */
export function centerLayoutOf(node: Node, rows: number): CenterLayout {
  const e = encodingOf(node);
  return e.weightCenters.length === 0 ? { centers: undefined, rows } : { centers: e.weightCenters, rows: e.centerRows };
}

/**
 * Rebuilds the graph with new attributes on the crossbar layers `change` returns some for
 * (undefined: keep the node). Returns the same graph when nothing changed.
 */
export function withLayerAttrs(graph: Graph, change: (node: Node) => Partial<Attrs> | undefined): Graph {
  return rebuildGraph(graph, onnxOps, {
    rewrite(node, operands, builder) {
      if (!isCrossbarLayer(node)) return undefined;
      const attrs = change(node);
      if (attrs === undefined) return undefined;
      return builder.add(node.op, operands, {
        name: builder.uniqueName(node.name),
        attrs: { ...node.attrs, ...attrs },
        outputNames: node.outputs.map((v) => v.name),
      }).outputs;
    },
  });
}
