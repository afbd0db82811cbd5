import { readFileSync, writeFileSync } from 'node:fs';
import { PimcError } from '@pimc/support';
import type { Tensor } from '@pimc/ir';
import { decodeTensorProto, encodeTensorProto } from '@pimc/frontend-onnx';
import { decodeNpy, encodeNpy } from './npy.js';

export type TensorFormat = 'pb' | 'npy';

/** Reads a tensor from an ONNX TensorProto `.pb` or a numpy `.npy` file (chosen by content). */
export function readTensorFile(path: string): { name: string; tensor: Tensor } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new PimcError('io', `cannot read tensor file '${path}': ${(e as Error).message}`, { cause: e });
  }
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return { name: '', tensor: decodeNpy(bytes, path) };
  return decodeTensorProto(bytes, path);
}

export function writeTensorFile(path: string, tensor: Tensor, format: TensorFormat, name = ''): void {
  writeFileSync(path, format === 'npy' ? encodeNpy(tensor) : encodeTensorProto(tensor, name));
}
