export * from './program.js';
export { type DecodeOptions, encodePimb, decodePimb, validateProgram } from './pimb.js';
export { readPimb, writePimb, disassembleFile } from './pimb-file.js';
export { type DisassembleOptions, disassemble } from './disassemble.js';
export { PIMB_MAGIC } from './container.js';
export { PIMB_ERROR_CODES } from './pimb-errors.js';
export { type ChipDifference, firstChipDifference } from './chip-difference.js';
export { WEIGHT_BITS, DIGITAL_OP_KINDS, isDigitalOpKind } from './vocabulary.js';
