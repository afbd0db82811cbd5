import { PimcError } from '@pimc/support';
import { onnxOps, PassManager, type Model, type PassRecord } from '@pimc/ir';
import { allPasses, quantizeWith, type CalibrationMethod, type CalibrationTable } from '@pimc/passes';
import { collectCalibration, type Feeds } from './calibration.js';
import { runPipeline, SIMPLIFY_PIPELINE } from './pipeline.js';
import { quantizationErrorReport, type QuantizationReport } from './quantization-error.js';

/** The float pipeline quantization starts from: exact simplification, then activation fusion. */
export const QUANTIZE_FLOAT_PIPELINE = `${SIMPLIFY_PIPELINE},fuse-activations`;

export interface QuantizeModelOptions {
  /** Calibration inputs (from the training split), one map of graph inputs per run; required. */
  readonly calibration: readonly Feeds[];
  /** Inputs the error report is measured on; the calibration inputs when absent. */
  readonly evaluation?: readonly Feeds[];
  /** Activation type (quantize{activations}); uint8 by default. */
  readonly activations?: 'uint8' | 'int8';
  /** Range method (quantize{calibration}); minmax by default. */
  readonly method?: CalibrationMethod;
  /** Percentile for `method: 'percentile'` (quantize{percentile}); 99.99 by default. */
  readonly percentile?: number;
  /** Weight scales (quantize{weights}); per-channel by default. */
  readonly weights?: 'per-channel' | 'per-tensor';
  /** Float pipeline run before calibration; QUANTIZE_FLOAT_PIPELINE by default. */
  readonly floatPipeline?: string;
  readonly verifyEach?: boolean;
  readonly log?: (message: string) => void;
}

export interface QuantizedModel {
  /** The model in the quantized dialect. */
  readonly model: Model;
  /** The float reference it was made from (after the float pipeline). */
  readonly floatModel: Model;
  /** The whole pipeline as text, for reports and reproducers. */
  readonly pipeline: string;
  /** What every pass did (float pipeline, then quantize). */
  readonly records: readonly PassRecord[];
  readonly calibration: CalibrationTable;
  /** Per-layer and per-output error of the quantized model against the float one. */
  readonly report: QuantizationReport;
}

/**
 * Post-training quantization: runs the float pipeline, collects calibration statistics by running
 * the float reference executor on the calibration inputs, runs the quantize pass with them, and
 * measures the quantized model's error against the float one (on `evaluation`, else on the
 * calibration inputs).
 */
export function quantizeModel(model: Model, options: QuantizeModelOptions): QuantizedModel {
  const floatPipeline = options.floatPipeline ?? QUANTIZE_FLOAT_PIPELINE;
  const run = {
    ...(options.verifyEach === undefined ? {} : { verifyEach: options.verifyEach }),
    ...(options.log === undefined ? {} : { log: options.log }),
  };
  const float = floatPipeline.trim() === '' ? { model, records: [] } : runPipeline(model, floatPipeline, run);
  const method = options.method ?? 'minmax';
  const calibration = collectCalibration(float.model, options.calibration, { histograms: method === 'percentile' });
  const step =
    `quantize{activations=${options.activations ?? 'uint8'},calibration=${method},` +
    `percentile=${options.percentile ?? 99.99},weights=${options.weights ?? 'per-channel'}}`;
  const passes = [...allPasses.filter((p) => p.name !== 'quantize'), quantizeWith(calibration)];
  const quantized = new PassManager(passes, onnxOps).run(float.model, step, run);
  if (quantized.model === float.model) {
    throw new PimcError('pass', `quantize found nothing to quantize in ${model.source}`, {
      notes: ['see the quantize log for why each layer stayed in float'],
    });
  }
  return {
    model: quantized.model,
    floatModel: float.model,
    pipeline: floatPipeline.trim() === '' ? step : `${floatPipeline},${step}`,
    records: [...float.records, ...quantized.records],
    calibration,
    report: quantizationErrorReport(float.model, quantized.model, options.evaluation ?? options.calibration),
  };
}
