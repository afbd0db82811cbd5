import { OpCatalogue } from '../op-schema.js';
import { clusterOps } from './cluster.js';
import { elementwiseOps } from './elementwise.js';
import { nnOps } from './nn.js';
import { pimOps } from './pim.js';
import { quantizationOps } from './quantization.js';
import { shapeOps } from './shape.js';

/** Every op the IR knows, one list per category file. The frontend, executor and docs read this. */
export const onnxOps = new OpCatalogue([elementwiseOps, nnOps, shapeOps, quantizationOps, pimOps, clusterOps]);
