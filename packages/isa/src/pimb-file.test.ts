import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPreset } from '@pimc/arch';
import { isPimcError } from '@pimc/support';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePimb } from './pimb.js';
import { PIMB_ERROR_CODES } from './pimb-errors.js';
import { disassembleFile, readPimb, writePimb } from './pimb-file.js';
import { sampleProgram } from './sample-program.testing.js';

describe('readPimb / writePimb / disassembleFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pimc-isa-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the encoded bytes and reads the program back', () => {
    const path = join(dir, 'sample.pimb');
    const program = sampleProgram();
    writePimb(path, program);
    expect(new Uint8Array(readFileSync(path))).toEqual(encodePimb(program));
    expect(readPimb(path)).toStrictEqual(program);
    expect(readPimb(path, { expectChip: getPreset('isaac') }).chip.name).toBe('isaac');
  });

  it('names the file in errors', () => {
    const path = join(dir, 'model.onnx');
    writeFileSync(path, Uint8Array.from([0x08, 0x07, 0x12, 0x07]));
    expect(() => readPimb(path)).toThrow(`${path}: not a .pimb binary`);
    const missing = join(dir, 'missing.pimb');
    let error: unknown;
    try {
      readPimb(missing);
    } catch (e) {
      error = e;
    }
    expect(isPimcError(error, 'io')).toBe(true);
    expect(isPimcError(error) && error.message.startsWith(`${missing}: cannot read ${missing}: `)).toBe(true);
    const chipError = (() => {
      try {
        readPimb(join(dir, 'sample.pimb'), { expectChip: getPreset('raella') });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isPimcError(chipError, PIMB_ERROR_CODES.chipMismatch)).toBe(true);
  });

  it('disassembles a file, naming it and its size in the header', () => {
    const path = join(dir, 'listing.pimb');
    writePimb(path, sampleProgram());
    const size = readFileSync(path).length;
    const text = disassembleFile(path);
    expect(text.split('\n')[0]).toBe(`; pimb format version 1, ${path} (${size} bytes)`);
    expect(text).toContain("[0] crossbar-mvm 'conv1'  %0 input → %1 conv1\n");
  });
});
