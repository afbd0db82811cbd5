import { definePass, withGraph, type Pass } from '@pimc/ir';
import { PimcError } from '@pimc/support';
import { sampleLayerVectors, type RaellaCalibration } from './calibration-vectors.js';
import { centerLayoutOf, raellaLayerOf, withLayerAttrs } from './layer-of-node.js';
import { selectSlicing, type SlicingChoice } from './slice-selection.js';
import { formatSlicing } from './slicings.js';

const options = {
  budget: {
    type: 'float',
    default: 1e-3,
    help: 'largest acceptable ε = RMS(y_PIM − y)/RMS(y) over the calibration outputs (integer accumulators)',
    source: '[ours] (algorithms.md §3.3, ambiguity A-R4)',
  },
  vectors: {
    type: 'int',
    default: 256,
    help: 'calibration im2col vectors sampled per layer (nCalVec)',
    source: '[ours]',
  },
  adcBits: {
    type: 'int',
    default: 7,
    help: 'resolution of the signed, saturating ADC the column sums go through',
    source: '[artifact] 7-bit signed ADCs',
  },
  maxBitsPerCell: {
    type: 'int',
    default: 4,
    help: 'widest weight slice a cell holds; candidates are the compositions of 8 into parts up to this (108 for 4)',
    source: '[artifact] BITS_PER_CELL 4 (3 in the CiMLoop re-model)',
  },
  rows: {
    type: 'int',
    default: 512,
    help: 'crossbar rows per row tile for layers without centers (layers with centers use their center_rows)',
    source: '[artifact] 512×512 arrays',
  },
} as const;

/** The budgets reported besides the chosen one (algorithms.md §3.3). */
const REPORTED_BUDGETS = [1e-2, 1e-4];

function describeChoice(c: SlicingChoice): string {
  return `${formatSlicing(c.slicing)} (ε ${c.error.toExponential(2)}${c.saturating ? ', saturating' : ''})`;
}

/** raella-slice with the layers' calibration activations bound in (the registered pass has none and fails on any layer). */
export function raellaSliceWith(calibration: RaellaCalibration | undefined): Pass {
  return definePass({
    name: 'raella-slice',
    summary: 'RAELLA adaptive weight slicing: the fewest slices per layer whose simulated output error meets a budget',
    description:
      'For every PimQConv and PimQGemm, simulates the layer’s Center+Offset crossbars (weight_centers from ' +
      'raella-encode; none means center 0) bit-exactly on calibration im2col vectors with 1-bit input slices and a ' +
      'saturating signed ADC, for every composition of 8 bits into slices of at most maxBitsPerCell bits, and ' +
      'records in weight_slices the one with the fewest slices whose ε = RMS(y_PIM − y)/RMS(y) ≤ budget (ties: ' +
      'lower ε, then lower mean |column sum|). If none meets it the layer gets 1-bit slices [1×8] and is counted ' +
      'saturating (algorithms.md §3.3). Needs calibration activations; keeps the centers.',
    options,
    statistics: {
      layersSliced: 'PimQConv and PimQGemm layers given a weight slicing',
      slicesTotal: 'weight slices over all layers (ADC conversions per input bit grow with it)',
      saturatingLayers: 'layers no slicing met the budget for ([1×8])',
      threeSliceLayers: 'layers that chose three slices (RAELLA’s typical 4b-2b-2b count)',
    },
    run(model, values, ctx) {
      if (!(values.budget > 0)) {
        throw new PimcError('pipeline', `raella-slice{budget}: ${values.budget} is not a positive error budget`);
      }
      const graph = withLayerAttrs(model.graph, (node) => {
        const x = calibration?.get(node.name);
        if (x === undefined) {
          throw new PimcError('pass', `raella-slice needs calibration activations for layer '${node.name}' (${node.op})`, {
            notes: [
              'run it through the driver with a calibration set (raellaSliceWith(calibration)), or set weight_slices otherwise',
            ],
          });
        }
        const layer = raellaLayerOf(node);
        const vectors = sampleLayerVectors(node, layer, x, values.vectors, ctx.rng);
        const layout = centerLayoutOf(node, values.rows);
        const selection = selectSlicing(layer, vectors, {
          budget: values.budget,
          reportBudgets: REPORTED_BUDGETS,
          adcBits: values.adcBits,
          maxBitsPerCell: values.maxBitsPerCell,
          layout,
        });
        const { choice } = selection;
        ctx.count('layersSliced');
        ctx.count('slicesTotal', choice.slicing.length);
        if (choice.saturating) ctx.count('saturatingLayers');
        if (choice.slicing.length === 3) ctx.count('threeSliceLayers');
        const others = selection.reported.map((r) => `${r.budget}: ${describeChoice(r)}`).join(', ');
        ctx.log(`raella-slice: ${node.name}: ${describeChoice(choice)}; ${others}`);
        return { weight_slices: choice.slicing };
      });
      return withGraph(model, graph);
    },
  });
}

/** The registered pass: without calibration it stops at the first crossbar layer with a clear error. */
export const raellaSlice = raellaSliceWith(undefined);
