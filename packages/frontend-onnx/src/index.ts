export { loadModel, importModel, decodeModel, type ImportOptions } from './import-model.js';
export { tensorFromProto, encodeTensorProto, decodeTensorProto } from './tensor-proto.js';
export { dtypeFromOnnx, dtypeToOnnx } from './dtypes.js';
export {
  type ImportRule,
  type ImportContext,
  type OnnxNode,
  importAsIs,
  dropAttrs,
  MAX_OPSET,
  MIN_OPSET,
} from './import-rule.js';
export { RuleTable } from './rule-table.js';
export { supportedOpsMarkdown } from './supported-ops.js';
