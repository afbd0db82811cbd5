import { readFileSync, writeFileSync } from 'node:fs';
import { PimcError } from '@pimc/support';
import { disassemble } from './disassemble.js';
import { type DecodeOptions, decodePimb, encodePimb } from './pimb.js';
import type { Program } from './program.js';

/** Reads and decodes a `.pimb` file (see `decodePimb`); errors name the file. */
export function readPimb(path: string, options: Omit<DecodeOptions, 'file'> = {}): Program {
  return decodePimb(readBytes(path), { ...options, file: path });
}

/** Encodes a program and writes it to `path`. */
export function writePimb(path: string, program: Program): void {
  const bytes = encodePimb(program);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new PimcError('io', `cannot write ${path}: ${reason(e)}`, { location: { file: path }, cause: e });
  }
}

/** What `pimc disasm FILE` prints: the file read, checked and disassembled. */
export function disassembleFile(path: string): string {
  const bytes = readBytes(path);
  return disassemble(decodePimb(bytes, { file: path }), { file: path, fileBytes: bytes.length });
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new PimcError('io', `cannot read ${path}: ${reason(e)}`, { location: { file: path }, cause: e });
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
