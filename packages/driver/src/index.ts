export { SIMPLIFY_PIPELINE, createPassManager, runPipeline } from './pipeline.js';
export { prepareModel, bindInputs, runModel, type PreparedModel, type InputTensor } from './run-model.js';
export { compareTensors, DEFAULT_TOLERANCE, type Comparison, type Tolerance } from './compare.js';
export { findTestDirs, runConformanceTest, type ConformanceResult } from './conformance.js';
export { inspectModel, type ModelSummary, type LayerSummary } from './inspect.js';
export { readTensorFile, writeTensorFile, type TensorFormat } from './tensor-files.js';
export { decodeNpy, encodeNpy } from './npy.js';
export { loadModel, importModel } from '@pimc/frontend-onnx';
export { quantizeModel, QUANTIZE_FLOAT_PIPELINE, type QuantizeModelOptions, type QuantizedModel } from './quantize.js';
export { collectCalibration, readCalibrationFeeds, randomUniformFeeds, type Feeds } from './calibration.js';
export {
  quantizationErrorReport,
  type QuantizationReport,
  type LayerError,
  type OutputError,
  type ErrorStatistics,
} from './quantization-error.js';
export { loadChip } from './chip.js';
export { formatChip, formatCostTable, listPresets, priceEvents, chipArea, type Chip, type EventCounts } from '@pimc/arch';
export { disassembleFile, readPimb, writePimb, encodePimb, decodePimb, type Program } from '@pimc/isa';
export {
  compileModel,
  simulate,
  prepareSimulation,
  type Simulation,
  programInputs,
  isLookupChip,
  type CompileOptions,
  type CompiledModel,
  type RapidnnCompileOptions,
  type SimulationResult,
} from './compile.js';
export { evaluateCompiled, findTestSets, type Evaluation } from './evaluate.js';
export { applyRaella, captureLayerInputs, raellaPipeline, RAELLA_CALIBRATION_IMAGES, type RaellaResult } from './raella.js';
export * from './rapidnn/index.js';
export { withRandomWeights } from './synthetic-weights.js';
export {
  rapidnnSweep,
  bytesPerNeuron,
  DEFAULT_SWEEP_GRID,
  type SweepGrid,
  type SweepOptions,
  type SweepResult,
} from './sweep.js';
export { raellaReport, RAELLA_ABLATION, type RaellaReport, type RaellaReportOptions } from './raella-report.js';
