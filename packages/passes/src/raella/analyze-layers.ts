import type { Model } from '@pimc/ir';
import { PimcError, Rng } from '@pimc/support';
import { analyzeLayer, DEFAULT_ANALYSIS, type LayerAnalysis } from './analysis.js';
import { sampleLayerVectors, type RaellaCalibration } from './calibration-vectors.js';
import { centerLayoutOf, encodingOf, isCrossbarLayer, raellaLayerOf } from './layer-of-node.js';

export interface RaellaAnalysisOptions {
  /** Crossbar rows per tile for layers without centers (layers with centers use center_rows). Default 512. */
  readonly rows?: number;
  /** Signed ADC bits of the Center+Offset crossbars. Default 7. */
  readonly adcBits?: number;
  /** Seed of the calibration-vector sampling. Default 0. */
  readonly seed?: number;
  /** Calibration im2col vectors per layer. Default 256. */
  readonly vectors?: number;
  /** Speculative input slices for layers without input_speculation. Default [4, 2, 2]. */
  readonly speculation?: readonly number[];
  /** Weight slicing for layers without weight_slices (the chip's default). Default [4, 4]: 4-bit cells. */
  readonly defaultSlicing?: readonly number[];
  /** The ISAAC-like baseline's rows (128), slicing ([2,2,2,2]) and unsigned ADC bits (8). */
  readonly baselineRows?: number;
  readonly baselineSlicing?: readonly number[];
  readonly baselineAdcBits?: number;
}

/** One crossbar layer's RAELLA metrics, with where its encoding came from. */
export interface RaellaLayerReport extends LayerAnalysis {
  readonly name: string;
  readonly op: string;
  /** weight_slices, weight_centers and input_speculation were set by the passes (else defaults). */
  readonly slicingFromAttribute: boolean;
  readonly centered: boolean;
  readonly speculationFromAttribute: boolean;
}

/**
 * RAELLA metrics (algorithms.md §3.6) of every PimQConv and PimQGemm of `model`, read from its
 * encoding attributes, on calibration vectors sampled from `calibration` (deterministic for a seed).
 */
export function analyzeRaellaLayers(
  model: Model,
  calibration: RaellaCalibration,
  options: RaellaAnalysisOptions = {},
): RaellaLayerReport[] {
  const rng = new Rng(options.seed ?? 0);
  const reports: RaellaLayerReport[] = [];
  for (const node of model.graph.nodes) {
    if (!isCrossbarLayer(node)) continue;
    const x = calibration.get(node.name);
    if (x === undefined) {
      throw new PimcError('pass', `RAELLA analysis needs calibration activations for layer '${node.name}' (${node.op})`);
    }
    const layer = raellaLayerOf(node);
    const vectors = sampleLayerVectors(node, layer, x, options.vectors ?? 256, rng);
    const encoding = encodingOf(node);
    const slicing = encoding.weightSlices.length > 0 ? encoding.weightSlices : (options.defaultSlicing ?? [4, 4]);
    const speculation =
      encoding.inputSpeculation.length > 0 ? encoding.inputSpeculation : (options.speculation ?? DEFAULT_ANALYSIS.speculation);
    const analysis = analyzeLayer(layer, vectors, {
      ...DEFAULT_ANALYSIS,
      slicing,
      layout: centerLayoutOf(node, options.rows ?? 512),
      adcBits: options.adcBits ?? DEFAULT_ANALYSIS.adcBits,
      speculation,
      baselineRows: options.baselineRows ?? DEFAULT_ANALYSIS.baselineRows,
      baselineSlicing: options.baselineSlicing ?? DEFAULT_ANALYSIS.baselineSlicing,
      baselineAdcBits: options.baselineAdcBits ?? DEFAULT_ANALYSIS.baselineAdcBits,
    });
    reports.push({
      name: node.name,
      op: node.op,
      slicingFromAttribute: encoding.weightSlices.length > 0,
      centered: encoding.weightCenters.length > 0,
      speculationFromAttribute: encoding.inputSpeculation.length > 0,
      ...analysis,
    });
  }
  return reports;
}
