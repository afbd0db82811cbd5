import { definePass, withGraph, type Pass } from '@pimc/ir';
import { PimcError } from '@pimc/support';
import { sampleLayerVectors, type RaellaCalibration } from './calibration-vectors.js';
import { CENTER_MODES, inputBitProbabilities, layerCenters, type BitProbability, type CenterMode } from './center.js';
import { encodingOf, raellaLayerOf, withLayerAttrs } from './layer-of-node.js';
import { formatSlicing, parseSlicing } from './slicings.js';

const options = {
  mode: {
    type: 'string',
    default: 'optimal',
    help: "center of each (row tile, output channel): 'optimal' (minimum Σ_i E[s_i²]), 'mean' (rounded mean weight) or 'median'",
    source: '[ours] (algorithms.md §3.2, ambiguity A-R1)',
  },
  centerBits: {
    type: 'int',
    default: 8,
    help: 'center precision: 8 (any int8 center) or 4 (multiples of 16, 4-bit center-buffer entries)',
    source: '[ours]; the CiMLoop model budgets 4-bit entries [artifact] (A-R3)',
  },
  rows: {
    type: 'int',
    default: 512,
    help: 'crossbar rows per row tile; one center per (output channel, row tile)',
    source: '[artifact] 512×512 2T2R arrays',
  },
  slicing: {
    type: 'string',
    default: '4-2-2',
    help: 'weight slice widths (MSB first, e.g. 4-2-2) the objective is evaluated for when the layer has no weight_slices yet',
    source: "[artifact] 'most layers 4b-2b-2b'",
  },
  p: {
    type: 'float',
    default: 0.13,
    help: 'probability that an input bit is 1, for layers without calibration activations',
    source: '[artifact] AVERAGE_INPUT_VALUE of 1-bit input slices',
  },
  vectors: {
    type: 'int',
    default: 256,
    help: 'calibration im2col vectors sampled per layer to estimate the per-row bit probabilities',
    source: '[ours] (nCalVec, algorithms.md §3.3)',
  },
} as const;

/**
 * raella-encode with the layers' calibration activations bound in (the registered pass has none and
 * uses the fallback probability `p` for every row).
 */
export function raellaEncodeWith(calibration: RaellaCalibration | undefined): Pass {
  return definePass({
    name: 'raella-encode',
    summary: 'RAELLA Center+Offset: a center per (row tile, output channel) so stored offsets sum near zero',
    description:
      'For every PimQConv and PimQGemm, chooses an integer center c per (crossbar row tile, output channel) and ' +
      'records it in weight_centers (int8 domain, [M][rowTiles], row tiles of center_rows rows). The cells then ' +
      'store the offsets w − c in sign-magnitude and c·Σx is added digitally, which keeps analog column sums ' +
      'near zero. The optimal center minimizes J(c) = Σ_i E[s_i²] over the integers between the column’s ' +
      'smallest and largest weight, for the layer’s weight_slices (or the slicing option), with per-row input-bit ' +
      'probabilities from calibration activations (or the p option); ties go to the center closest to the mean ' +
      'weight (algorithms.md §3.2). Run before raella-slice.',
    options,
    statistics: { layersEncoded: 'PimQConv and PimQGemm layers given centers', centers: 'centers chosen' },
    run(model, values, ctx) {
      const mode = values.mode as CenterMode;
      if (!CENTER_MODES.includes(mode)) {
        throw new PimcError('pipeline', `raella-encode{mode}: '${values.mode}' is not one of ${CENTER_MODES.join(', ')}`);
      }
      if (values.centerBits !== 8 && values.centerBits !== 4) {
        throw new PimcError('pipeline', `raella-encode{centerBits}: ${values.centerBits} is not 8 or 4`);
      }
      if (!(values.p >= 0 && values.p <= 1)) {
        throw new PimcError('pipeline', `raella-encode{p}: ${values.p} is not a probability`);
      }
      const fallbackSlicing = parseSlicing(values.slicing, 'raella-encode{slicing}');
      const graph = withLayerAttrs(model.graph, (node) => {
        const layer = raellaLayerOf(node);
        const own = encodingOf(node).weightSlices;
        const slicing = own.length > 0 ? own : fallbackSlicing;
        const x = calibration?.get(node.name);
        let p: BitProbability = values.p;
        if (x !== undefined) {
          const vectors = sampleLayerVectors(node, layer, x, values.vectors, ctx.rng);
          p = inputBitProbabilities(vectors.codes, vectors.count, layer.groups * layer.depth);
        }
        const centers = layerCenters(layer.weights, layer.outChannels, layer.depth, {
          mode,
          centerBits: values.centerBits as 8 | 4,
          rows: values.rows,
          slicing,
          p,
          groups: layer.groups,
        });
        ctx.count('layersEncoded');
        ctx.count('centers', centers.length);
        ctx.log(
          `raella-encode: ${node.name}: ${centers.length} centers for ${formatSlicing(slicing)}${x === undefined ? `, p = ${values.p}` : ''}`,
        );
        return { weight_centers: Array.from(centers), center_rows: values.rows };
      });
      return withGraph(model, graph);
    },
  });
}

/** The registered pass: the fallback bit probability for every row. */
export const raellaEncode = raellaEncodeWith(undefined);
