import { definePass, withGraph } from '@pimc/ir';
import { withLayerAttrs } from './layer-of-node.js';
import { formatSlicing, INPUT_BITS, parseSlicing } from './slicings.js';

/**
 * Marks every crossbar layer for speculative input slicing (algorithms.md §3.4): each multi-bit input
 * slice is converted once, and only the columns whose code saturates are redone bit by bit.
 */
export const raellaSpeculate = definePass({
  name: 'raella-speculate',
  summary: 'RAELLA dynamic input slicing: speculate on multi-bit input slices, recover saturated columns bit by bit',
  description:
    'Records input_speculation on every PimQConv and PimQGemm: the input codes are applied as the given slices ' +
    '(most significant first), every column converted once per slice; a column whose ADC code is the minimum or ' +
    'maximum is flagged and recomputed with one 1-bit cycle per bit of the slice, converting only flagged columns. ' +
    'With [4,2,2] that is 3 + 8 = 11 crossbar cycles per input and far fewer ADC conversions when column sums ' +
    'stay near zero (raella-encode). The result is bit-identical to 1-bit slicing unless a recovery conversion ' +
    'saturates.',
  options: {
    slices: {
      type: 'string',
      default: '4-2-2',
      help: 'speculative input slice widths, most significant first, adding up to 8 (e.g. 4-2-2)',
      source: '[ours], consistent with the artifact’s 11/8 crossbar latency (A-R5)',
    },
  },
  statistics: { layersSpeculative: 'PimQConv and PimQGemm layers marked for speculation' },
  run(model, values, ctx) {
    const slices = parseSlicing(values.slices, 'raella-speculate{slices}', INPUT_BITS);
    const graph = withLayerAttrs(model.graph, (node) => {
      ctx.count('layersSpeculative');
      ctx.log(`raella-speculate: ${node.name}: input slices ${formatSlicing(slices)}`);
      return { input_speculation: slices };
    });
    return withGraph(model, graph);
  },
});
