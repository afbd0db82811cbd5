import { getPreset, validateChip } from '@pimc/arch';
import { PimcError } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import type { pimb } from '../generated/pimb.js';
import { HEADER_BYTES, wrapBody } from './container.js';
import { crc32 } from './crc32.js';
import { decodePimb, encodePimb, validateProgram } from './pimb.js';
import { PIMB_ERROR_CODES } from './pimb-errors.js';
import type { CrossbarMvm, DigitalOp, Instruction, Program } from './program.js';
import { differentialSampleProgram, encodeUnchecked, sampleProgram } from './sample-program.testing.js';

/** The PimcError `fn` throws (failing the test when it throws anything else or nothing). */
function errorOf(fn: () => unknown): PimcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PimcError) return e;
    throw e;
  }
  throw new Error('expected a PimcError, but nothing was thrown');
}

function mvmOf(program: Program): CrossbarMvm {
  const ins = program.instructions[0];
  if (ins.op !== 'crossbar-mvm') throw new Error('sample program starts with its crossbar-mvm');
  return ins;
}

/** The program with its first instruction (the crossbar-mvm) changed. */
function withMvm(program: Program, change: Partial<CrossbarMvm>): Program {
  return { ...program, instructions: [{ ...mvmOf(program), ...change }, ...program.instructions.slice(1)] };
}

/** The digital op `ins` with `change` applied (the sample's digital ops only). */
function withDigital(ins: Instruction, change: Partial<DigitalOp>): DigitalOp {
  if (ins.op !== 'digital') throw new Error('expected a digital op');
  return { ...ins, ...change };
}

/** Sets the header's version (the checksum is recomputed so only the version is wrong). */
function withVersion(bytes: Uint8Array, version: number): Uint8Array {
  const body = bytes.subarray(HEADER_BYTES, bytes.length - 4);
  return wrapBody(body, version);
}

describe('encodePimb / decodePimb', () => {
  it('round-trips a small program on the isaac preset', () => {
    const program = sampleProgram();
    const decoded = decodePimb(encodePimb(program));
    expect(decoded).toStrictEqual(program);
    expect(decoded.chip).toStrictEqual(getPreset('isaac'));
    expect(mvmOf(decoded).bias).toBeInstanceOf(Int32Array);
    expect(decoded.crossbars[0].levels).toBeInstanceOf(Uint8Array);
  });

  it('round-trips a differential (2T2R) program on the raella preset', () => {
    const program = differentialSampleProgram();
    expect(decodePimb(encodePimb(program))).toStrictEqual(program);
  });

  it('round-trips edge values: empty and negative attributes, absent quantization, extreme int32s', () => {
    const base = sampleProgram();
    const program: Program = {
      ...withMvm(base, {
        bias: Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, -1]),
        outputZeroPoint: -128,
        clampMin: -128,
        clampMax: 127,
      }),
      tensors: base.tensors.map((t) => (t.id === 1 ? { id: 1, name: '', type: 'i8', shape: [1, 4, 2, 2] } : t)),
      metadata: {},
    };
    const ops = program.instructions.slice(1);
    const edited: Program = {
      ...program,
      instructions: [
        program.instructions[0],
        withDigital(ops[0], { attrs: { empty: [], text: '', zero: 0, negative: -2.5, big: 1e300 } }),
        ...ops.slice(1),
      ],
    };
    expect(decodePimb(encodePimb(edited))).toStrictEqual(edited);
  });

  it('is deterministic: same program, same bytes, whatever order its maps were built in', () => {
    const program = sampleProgram();
    const bytes = encodePimb(program);
    expect(encodePimb(sampleProgram())).toEqual(bytes);
    expect(encodePimb(decodePimb(bytes))).toEqual(bytes);
    const reordered: Program = { ...program, metadata: { pimc: '0.1.0', source: 'hand-built' } };
    expect(encodePimb(reordered)).toEqual(bytes);
  });

  it('writes the documented container: magic, version, flags, length, body, CRC-32', () => {
    const bytes = encodePimb(sampleProgram());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PIMB');
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint16(6, true)).toBe(0);
    const bodyLength = view.getUint32(8, true);
    expect(bytes.length).toBe(12 + bodyLength + 4);
    expect(view.getUint32(12 + bodyLength, true)).toBe(crc32(bytes.subarray(0, 12 + bodyLength)));
  });

  it('keeps bulk arrays compact: the file is little more than the cell levels', () => {
    const program = sampleProgram();
    const cells = program.crossbars.reduce((n, c) => n + c.levels.length, 0);
    const chipBytes = new TextEncoder().encode(JSON.stringify(program.chip)).length;
    expect(encodePimb(program).length).toBeLessThan(cells + chipBytes + 1000);
  });
});

describe('decodePimb: container errors', () => {
  const good = encodePimb(sampleProgram());
  const invalid = PIMB_ERROR_CODES.invalidBinary;

  it('rejects files that are not .pimb, showing what they start with', () => {
    const onnx = Uint8Array.from([0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68, 0x00, 0, 0, 0, 0]);
    const e = errorOf(() => decodePimb(onnx, { file: 'model.onnx' }));
    expect(e.code).toBe(invalid);
    expect(e.message).toBe(
      'model.onnx: not a .pimb binary: it starts with 08 07 12 07 70 79 74 6f ("....pyto"), expected the magic "PIMB"',
    );
    expect(errorOf(() => decodePimb(new TextEncoder().encode('{"name": "isaac"}'))).message).toContain('not a .pimb binary');
    expect(errorOf(() => decodePimb(new Uint8Array(0))).message).toBe('empty file: not a .pimb binary');
    expect(errorOf(() => decodePimb(Uint8Array.from([0x50, 0x49, 0x58]))).message).toContain('not a .pimb binary');
  });

  it('rejects truncated files, naming expected and actual lengths', () => {
    const short = errorOf(() => decodePimb(good.subarray(0, good.length - 10), { file: 'a.pimb' }));
    expect(short.code).toBe(invalid);
    expect(short.message).toBe(
      `a.pimb: truncated .pimb: ${good.length - 10} bytes, but its header announces ${good.length} (a ${good.length - 16}-byte body)`,
    );
    expect(short.notes[0]).toBe('10 bytes are missing; was the file cut short while copying or writing?');
    expect(errorOf(() => decodePimb(good.subarray(0, 3))).message).toBe(
      'truncated .pimb: 3 bytes, but even an empty program needs 16',
    );
    expect(errorOf(() => decodePimb(good.subarray(0, 9))).code).toBe(invalid);
  });

  it('rejects trailing bytes after the checksum', () => {
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(errorOf(() => decodePimb(longer)).message).toBe(
      `3 unexpected bytes after the end of the .pimb (${good.length} bytes announced, ${good.length + 3} found)`,
    );
  });

  it('rejects a checksum mismatch', () => {
    const damaged = good.slice();
    damaged[HEADER_BYTES + 100] ^= 0x01;
    const e = errorOf(() => decodePimb(damaged, { file: 'a.pimb' }));
    expect(e.code).toBe(invalid);
    expect(e.message).toMatch(
      /^a\.pimb: corrupt \.pimb: checksum mismatch \(stored CRC-32 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/,
    );
  });

  it('rejects newer and older format versions, naming both', () => {
    const newer = errorOf(() => decodePimb(withVersion(good, 2)));
    expect(newer.code).toBe(invalid);
    expect(newer.message).toBe('.pimb format version 2 is newer than this pimc reads (version 1)');
    const older = errorOf(() => decodePimb(withVersion(good, 0)));
    expect(older.message).toBe('.pimb format version 0 is older than this pimc reads (version 1)');
    // The version is checked before the rest of the header is trusted, even in a short file.
    expect(errorOf(() => decodePimb(withVersion(good, 7).subarray(0, 6))).message).toContain('version 7 is newer');
  });

  it('rejects unknown flags', () => {
    const body = good.subarray(HEADER_BYTES, good.length - 4);
    expect(errorOf(() => decodePimb(wrapBody(body, 1, 0x0004))).message).toBe(
      'unsupported .pimb flags 0x0004: format version 1 defines none',
    );
  });

  it('rejects a body that is not protobuf', () => {
    const e = errorOf(() => decodePimb(wrapBody(Uint8Array.from([0x0a, 0xff, 0xff, 0x01, 0x02])), { file: 'a.pimb' }));
    expect(e.code).toBe(PIMB_ERROR_CODES.malformedBody);
    expect(e.message).toMatch(/^a\.pimb: malformed \.pimb body: /);
  });
});

describe('decodePimb: inconsistent contents', () => {
  const invalid = PIMB_ERROR_CODES.invalidBinary;

  function contentError(program: Program, edit?: (wire: pimb.Program.$Properties) => void): PimcError {
    const e = errorOf(() => decodePimb(encodeUnchecked(program, edit), { file: 'bad.pimb' }));
    expect(e.code).toBe(invalid);
    return e;
  }

  it('rejects tensor ids out of range', () => {
    const program = sampleProgram();
    const bad: Program = {
      ...program,
      instructions: program.instructions.map((ins, i) => (i === 2 ? withDigital(ins, { inputs: [9] }) : ins)),
    };
    expect(contentError(bad).message).toBe(
      'bad.pimb: instructions[2].inputs[0]: tensor id 9 is out of range: the program has 6 tensors (0..5)',
    );
    expect(contentError({ ...program, outputs: [6] }).message).toContain('outputs[0]: tensor id 6 is out of range');
    expect(contentError(withMvm(program, { output: 100 })).message).toContain('instructions[0].output: tensor id 100');
  });

  it('rejects a tile naming a missing crossbar', () => {
    const program = sampleProgram();
    const tiles = mvmOf(program).tiles.map((t, k) => (k === 1 ? { ...t, crossbar: 2 } : t));
    expect(contentError(withMvm(program, { tiles })).message).toBe(
      "bad.pimb: instructions[0].tiles[1].crossbar: crossbar-mvm 'conv1' tile names crossbar 2, but the program has 2 crossbars (0..1)",
    );
  });

  it('rejects a levels array of the wrong length, on single-ended and differential chips', () => {
    const program = sampleProgram();
    const crossbars = program.crossbars.map((c, i) => (i === 1 ? { ...c, levels: c.levels.subarray(1) } : c));
    expect(contentError({ ...program, crossbars }).message).toBe(
      'bad.pimb: crossbars[1].levels: crossbar 1 has 255 cell levels, expected 16 rows × 16 columns = 256',
    );
    const diff = differentialSampleProgram();
    const onePlane = diff.crossbars.map((c) => ({ ...c, levels: c.levels.subarray(0, c.rows * c.columns) }));
    expect(contentError({ ...diff, crossbars: onePlane }).message).toBe(
      'bad.pimb: crossbars[0].levels: crossbar 0 has 256 cell levels, expected 16 rows × 16 columns × 2 planes (differential cells) = 512',
    );
  });

  it('rejects a level the chip cannot store', () => {
    const program = sampleProgram();
    const levels = program.crossbars[0].levels.slice();
    levels[3 * 16 + 5] = 4;
    const crossbars = [{ ...program.crossbars[0], levels }, program.crossbars[1]];
    expect(contentError({ ...program, crossbars }).message).toBe(
      "bad.pimb: crossbars[0].levels: crossbar 0 cell (row 3, column 5) has level 4, but chip 'isaac' stores 2 bits per cell (levels 0..3)",
    );
  });

  it('rejects weight slices that do not add up to the weight bits', () => {
    const program = sampleProgram();
    const weights = { ...mvmOf(program).weights, slices: [2, 2, 2] };
    expect(contentError(withMvm(program, { weights })).message).toBe(
      "bad.pimb: instructions[0].weights.slices: crossbar-mvm 'conv1' weight slices [2, 2, 2] add up to 6 bits, expected 8",
    );
    const tooWide = { ...mvmOf(program).weights, slices: [4, 4] };
    expect(contentError(withMvm(program, { weights: tooWide })).message).toContain(
      "weights.slices[0]: crossbar-mvm 'conv1' weight slice 0 is 4 bits; slices here are 1..2 bits",
    );
  });

  it('rejects per-channel arrays whose length is not the output channel count', () => {
    const program = sampleProgram();
    expect(contentError(withMvm(program, { multiplier: Int32Array.from([1, 2, 3]) })).message).toBe(
      "bad.pimb: instructions[0].multiplier: crossbar-mvm 'conv1' has 3 multiplier values, expected one per output channel (4)",
    );
    expect(contentError(withMvm(program, { shift: new Int32Array(5) })).message).toContain('has 5 shift values');
  });

  it('rejects int32 arrays that are not a whole number of values', () => {
    const e = contentError(sampleProgram(), (wire) => {
      const mvm = wire.instructions?.[0].crossbarMvm;
      if (mvm) mvm.bias = new Uint8Array(15);
    });
    expect(e.message).toBe(
      "bad.pimb: instructions[0].bias: crossbar-mvm 'conv1' bias has 15 bytes, not a whole number of int32 values (4 bytes each)",
    );
  });

  it('rejects impossible geometry and tiles', () => {
    const program = sampleProgram();
    const g = mvmOf(program).geometry;
    expect(contentError(withMvm(program, { geometry: { ...g, outShape: [4, 3, 2] } })).message).toBe(
      "bad.pimb: instructions[0].geometry.outShape[1]: crossbar-mvm 'conv1' output height is 3, but input height 4 with kernel 3, stride 1, dilation 1 and pads 0+0 gives 2",
    );
    expect(contentError(withMvm(program, { geometry: { ...g, groups: 3 } })).message).toContain(
      '3 groups, which divide neither 2 input channels nor 4 output channels evenly',
    );
    const tiles = mvmOf(program).tiles.map((t, k) => (k === 1 ? { ...t, rowCount: 9 } : t));
    expect(contentError(withMvm(program, { tiles })).message).toContain(
      'tile covers rows 10..18, but the layer has 18 im2col rows per group',
    );
    const grouped = mvmOf(program).tiles.map((t) => ({ ...t, group: 1 }));
    expect(contentError(withMvm(program, { tiles: grouped })).message).toBe(
      "bad.pimb: instructions[0].tiles[0].group: crossbar-mvm 'conv1' tile is in group 1, but the layer has 1 group",
    );
    const e = contentError(program, (wire) => {
      const geometry = wire.instructions?.[0].crossbarMvm?.geometry;
      if (geometry) geometry.pads = [0, 0];
    });
    expect(e.message).toBe(
      "bad.pimb: instructions[0].geometry.pads: crossbar-mvm 'conv1' pads has 2 values, expected 4 (top, left, bottom, right)",
    );
  });

  it('rejects crossbars placed outside the chip or twice in one place', () => {
    const program = sampleProgram();
    const outside = [{ ...program.crossbars[0], tile: 168 }, program.crossbars[1]];
    expect(contentError({ ...program, crossbars: outside }).message).toBe(
      "bad.pimb: crossbars[0].tile: crossbar 0 is on tile 168, but chip 'isaac' has 168 tiles (0..167)",
    );
    const twice = [program.crossbars[0], { ...program.crossbars[1], macro: 0 }];
    expect(contentError({ ...program, crossbars: twice }).message).toBe(
      'bad.pimb: crossbars[1]: crossbars 0 and 1 are both placed at tile 0, macro 0, crossbar 0',
    );
  });

  it('rejects unknown enum values, op kinds and empty instructions', () => {
    const program = sampleProgram();
    expect(
      contentError(program, (wire) => {
        const t = wire.tensors?.[2];
        if (t) t.type = 9 as pimb.ElementType;
      }).message,
    ).toBe("bad.pimb: tensors[2].type: tensor 'pool1' has element type code 9, which is not one of u8, i8, i32, f32");
    expect(
      contentError(program, (wire) => {
        const d = wire.instructions?.[1].digital;
        if (d) d.kind = 'gelu';
      }).message,
    ).toBe("bad.pimb: instructions[1].kind: digital op 'pool1' has unknown kind 'gelu'");
    expect(
      contentError(program, (wire) => {
        wire.instructions?.push({});
      }).message,
    ).toBe(
      'bad.pimb: instructions[5]: instruction is none of crossbar-mvm, digital, cam-encode, lut-mvm (empty, or written by a newer pimc)',
    );
  });

  it('rejects a missing or invalid chip description', () => {
    const program = sampleProgram();
    expect(contentError(program, (wire) => (wire.chipJson = '')).message).toBe(
      'bad.pimb: chip: the .pimb holds no chip description',
    );
    expect(contentError(program, (wire) => (wire.chipJson = '{"name": ')).message).toMatch(
      /^bad\.pimb: chip: the chip description inside the \.pimb is not valid JSON: /,
    );
    const broken = { ...JSON.parse(JSON.stringify(program.chip)), clockGhz: -1 };
    expect(contentError(program, (wire) => (wire.chipJson = JSON.stringify(broken))).message).toMatch(
      /^bad\.pimb: chip: the chip description inside the \.pimb is invalid: clockGhz: /,
    );
  });

  it('rejects crossbars on a chip without crossbar macros', () => {
    const program = sampleProgram();
    const e = contentError(program, (wire) => (wire.chipJson = JSON.stringify(getPreset('rapidnn'))));
    expect(e.message).toBe(
      "bad.pimb: crossbars[0]: crossbar 0 needs crossbars, but chip 'rapidnn' has none (tiles.macro is absent)",
    );
  });
});

describe('encodePimb: refuses programs it could not read back', () => {
  it('reports the inconsistency as a compiler bug', () => {
    const program = sampleProgram();
    const e = errorOf(() => encodePimb({ ...program, inputs: [42] }));
    expect(e.code).toBe(PIMB_ERROR_CODES.invalidProgram);
    expect(e.message).toBe('inputs[0]: tensor id 42 is out of range: the program has 6 tensors (0..5)');
    expect(e.notes).toContain('a Program must satisfy the rules of docs/pimb-format.md to be written or run');
    expect(() => validateProgram({ ...program, inputs: [42] })).toThrow('inputs[0]: tensor id 42 is out of range');
    expect(() => validateProgram(program)).not.toThrow();
  });

  it('refuses values the wire types would silently change', () => {
    const program = sampleProgram();
    expect(errorOf(() => encodePimb(withMvm(program, { clampMax: 254.5 }))).message).toBe(
      "instructions[0].clampMax: crossbar-mvm 'conv1' clamp maximum is 254.5, expected an integer in -2147483648..2147483647",
    );
    const tensors = program.tensors.map((t) => (t.id === 0 ? { ...t, shape: [1, -2, 4, 4] } : t));
    expect(errorOf(() => encodePimb({ ...program, tensors })).message).toContain('tensors[0].shape[1]');
    const renumbered = program.tensors.map((t) => (t.id === 3 ? { ...t, id: 7 } : t));
    expect(errorOf(() => encodePimb({ ...program, tensors: renumbered })).message).toBe(
      "tensors[3].id: tensor 'flat' has id 7 at index 3: a tensor's id is its index",
    );
    expect(errorOf(() => encodePimb({ ...program, formatVersion: 2 })).message).toBe(
      'formatVersion: program has format version 2; this pimc writes version 1',
    );
  });
});

describe('decodePimb: expectChip', () => {
  const bytes = encodePimb(sampleProgram());

  it('accepts the chip the program was compiled for, and one differing only in labels', () => {
    expect(decodePimb(bytes, { expectChip: getPreset('isaac') }).chip.name).toBe('isaac');
    const renamed = validateChip({ extends: 'isaac', name: 'my-isaac', description: 'a copy' });
    expect(() => decodePimb(bytes, { expectChip: renamed })).not.toThrow();
  });

  it('names both chips and the first differing field', () => {
    const e = errorOf(() => decodePimb(bytes, { file: 'net.pimb', expectChip: getPreset('raella') }));
    expect(e.code).toBe(PIMB_ERROR_CODES.chipMismatch);
    expect(e.message).toBe("net.pimb: compiled for chip 'isaac', not 'raella': clockGhz is 1.2 in the program, 1 in 'raella'");
    const bigger = validateChip({ extends: 'isaac', name: 'isaac-256', tiles: { macro: { crossbar: { rows: 256 } } } });
    expect(errorOf(() => decodePimb(bytes, { expectChip: bigger })).message).toBe(
      "compiled for chip 'isaac', not 'isaac-256': tiles.macro.crossbar.rows is 128 in the program, 256 in 'isaac-256'",
    );
    const camOnly = getPreset('rapidnn');
    expect(errorOf(() => decodePimb(bytes, { expectChip: camOnly })).message).toMatch(
      /^compiled for chip 'isaac', not 'rapidnn': /,
    );
  });
});
