export {
  buildOnnxModel,
  onnxModelProto,
  tensorProto,
  type TestModel,
  type TestNode,
  type TestValue,
  type TestAttr,
} from './onnx-builder.js';
export { SHARED_DIR, ONNX_NODE_DIR, LIGHT_MODELS_DIR, MNIST8_DIR, FIXTURES_DIR, requireSharedData } from './shared-data.js';
export { GOLDEN_DIR, GOLDEN_PRESETS, goldenCases, computeGolden, type GoldenCase, type GoldenResult } from './golden.js';
