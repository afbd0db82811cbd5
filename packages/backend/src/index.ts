export { lowerModel, placeProgram, lowerToProgram, type LowerOptions, type LoweredModel } from './lower-program.js';
export { lowerMvm, type UnplacedCrossbar, type MvmLoweringOptions, type LoweredMvm } from './lower-mvm.js';
export { lowerDigital, type DigitalLowering } from './lower-digital.js';
export { placeCrossbars, type PlacementOptions } from './placement.js';
export {
  sliceWidths,
  weightEncoding,
  inputEncoding,
  adcSpec,
  cellTable,
  type CellTable,
  WEIGHT_BITS,
  INPUT_BITS,
  INT8_OFFSET,
  type WeightScheme,
} from './encoding.js';
export * from './rapidnn/index.js';
