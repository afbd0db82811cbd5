export {
  type Chip,
  type Tiles,
  type Macro,
  type Crossbar,
  type CellKind,
  type Dac,
  type DacKind,
  type Adc,
  type AdcSharing,
  type CenterOffset,
  type Speculation,
  type CamBlock,
  type LutBlock,
  type Noc,
  type WriteParams,
  type WriteModel,
  type CostOptions,
  type AdcEnergyModel,
  levelsPerCell,
  devicesPerCell,
  adcsPerMacro,
  crossbarsPerChip,
  cycleNs,
  requireMacro,
} from './chip.js';
export { CHIP_SCHEMA } from './chip-schema.js';
export { type ChipInputOptions, parseChip, validateChip } from './validate.js';
export { type PresetInfo, DEFAULT_PRESET, listPresets, isPreset, getPreset } from './presets.js';
export {
  type CostUnit,
  type ConstantSpec,
  type ConstantName,
  COST_CONSTANTS,
  CONSTANT_NAMES,
  SOURCE_TAGS,
  isPlaceholderSource,
} from './cost-constants.js';
export {
  type ShapeKey,
  type BufferName,
  type EventCounts,
  BUFFER_NAMES,
  EVENT_COUNTERS,
  shapeKey,
  addEventCounts,
} from './events.js';
export {
  constantValue,
  adcConvertEnergyPJ,
  adcAreaMm2,
  adcConvertNs,
  dacDriveEnergyPJ,
  speculationCellFactor,
  xbActivationEnergyPJ,
  sampleHoldEnergyPJ,
  bufferAccessEnergyPJ,
  bufferAccessBits,
  bufferAccessNs,
  flitHopEnergyPJ,
  flitHopNs,
  camSearchEnergyPJ,
  lutReadEnergyPJ,
  inMemAddSteps,
  inMemAddEnergyPJ,
  inMemAddNs,
  digitalMacEnergyPJ,
  digitalAddEnergyPJ,
  digitalOpNs,
} from './unit-costs.js';
export {
  writeIterations,
  overwriteIterations,
  iterationEnergyPJ,
  iterationNs,
  cellWriteEnergyPJ,
  rowWriteNs,
  crossbarWriteNs,
  lumpedCrossbarWrite,
} from './write-cost.js';
export { type ComponentName, type Breakdown, COMPONENT_NAMES, chipArea, chipPower } from './area-power.js';
export {
  type CostConstant,
  type EnergyComponent,
  type EventPrice,
  ENERGY_COMPONENTS,
  costConstants,
  priceEvents,
} from './cost-model.js';
export { formatChip, formatCostTable, formatFieldReference, formatConstantReference, formatNumber } from './print.js';
export { generatedSection, replaceGeneratedSection } from './doc-sections.js';
