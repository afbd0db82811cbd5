export { SIMPLIFY_PIPELINE, createPassManager, runPipeline } from './pipeline.js';
export { prepareModel, bindInputs, runModel, type PreparedModel, type InputTensor } from './run-model.js';
export { compareTensors, DEFAULT_TOLERANCE, type Comparison, type Tolerance } from './compare.js';
export { findTestDirs, runConformanceTest, type ConformanceResult } from './conformance.js';
export { inspectModel, type ModelSummary, type LayerSummary } from './inspect.js';
export { readTensorFile, writeTensorFile, type TensorFormat } from './tensor-files.js';
export { decodeNpy, encodeNpy } from './npy.js';
export { loadModel, importModel } from '@pimc/frontend-onnx';
