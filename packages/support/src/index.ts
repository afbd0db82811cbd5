export { type Location, formatLocation } from './location.js';
export { type ErrorCode, PimcError, isPimcError, withLocation } from './errors.js';
export { assert, check, unreachable } from './assert.js';
export { Rng } from './rng.js';
