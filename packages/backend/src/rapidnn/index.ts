export {
  lowerRapidnn,
  lowerRapidnnModel,
  placeRapidnn,
  type RapidnnOptions,
  type LoweredRapidnn,
  type RapidnnLayerInfo,
} from './lower-rapidnn.js';
export { activationCam, activationIndex, type Activation, type ActivationCam, type AccRange } from './activation-cam.js';
export { encodeCam, type EncodeCam } from './encode-cam.js';
export { productTables, accRange, type ProductTables, type TableGranularity, MAX_WEIGHT_CLUSTERS } from './product-table.js';
export { placeRnaBlocks, type RnaDemand } from './rna-placement.js';
