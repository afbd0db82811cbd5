import { getPreset } from '@pimc/arch';
import { PimcError } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import type { pimb } from '../generated/pimb.js';
import { disassemble } from './disassemble.js';
import { decodePimb, encodePimb, validateProgram } from './pimb.js';
import { PIMB_ERROR_CODES } from './pimb-errors.js';
import type { CamEncode, Instruction, LutMvm, Program, TensorDesc } from './program.js';
import { rapidnnSampleProgram } from './rapidnn-sample.testing.js';
import { encodeUnchecked } from './sample-program.testing.js';

function errorOf(fn: () => unknown): PimcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PimcError) return e;
    throw e;
  }
  throw new Error('expected a PimcError, but nothing was thrown');
}

const sample = rapidnnSampleProgram();

function instruction<T extends Instruction['op']>(program: Program, op: T, name: string): Extract<Instruction, { op: T }> {
  const found = program.instructions.find((i) => i.op === op && i.name === name);
  if (found === undefined) throw new Error(`no ${op} '${name}'`);
  return found as Extract<Instruction, { op: T }>;
}

/** The sample with one instruction (by name) replaced. */
function withInstruction(name: string, change: (ins: Instruction) => Instruction): Program {
  return { ...sample, instructions: sample.instructions.map((i) => (i.name === name ? change(i) : i)) };
}

function withConv(change: Partial<LutMvm>): Program {
  return withInstruction('conv1', (i) => ({ ...(i as LutMvm), ...change }));
}

function withEncode(change: Partial<CamEncode>): Program {
  return withInstruction('x_enc', (i) => ({ ...(i as CamEncode), ...change }));
}

function withTensor(id: number, change: Partial<TensorDesc>): Program {
  return { ...sample, tensors: sample.tensors.map((t) => (t.id === id ? { ...t, ...change } : t)) };
}

/** The decoder's error for a file holding `program` unchecked (and `edit`ed on the wire). */
function decodeError(program: Program, edit?: (wire: pimb.Program.$Properties) => void): PimcError {
  const error = errorOf(() => decodePimb(encodeUnchecked(program, edit), { file: 'bad.pimb' }));
  return error;
}

describe('RAPIDNN programs in .pimb', () => {
  it('round-trip: index tensors, cam-encode, lut-mvm with and without activation, decode', () => {
    const bytes = encodePimb(sample);
    const decoded = decodePimb(bytes);
    expect(decoded).toStrictEqual(sample);
    expect(decoded.tensors[1].codebook).toBeInstanceOf(Float32Array);
    const conv = instruction(decoded, 'lut-mvm', 'conv1');
    expect(conv.lut).toBeInstanceOf(Int32Array);
    expect(conv.weightIndices).toBeInstanceOf(Uint8Array);
    expect(conv.activation?.cam.keys).toBeInstanceOf(Int32Array);
    expect(instruction(decoded, 'lut-mvm', 'fc').activation).toBeUndefined();
    expect(encodePimb(decoded)).toEqual(bytes);
  });

  it('keeps ordinary tensors free of a codebook and ordinary programs byte-identical', () => {
    const decoded = decodePimb(encodePimb(sample));
    expect('codebook' in decoded.tensors[0]).toBe(false);
  });

  it('disassembles codebooks, cam-encode, lut-mvm and decode', () => {
    const text = disassemble(sample);
    expect(text).toContain('codebook');
    expect(text).toContain('f32[4]: -0.5, 0, 0.5, 1');
    expect(text).toContain("[0] cam-encode 'x_enc'  %0 x → %1 x_idx");
    expect(text).toMatch(
      /key +roundHalfEven\(x \/ 0\.00390625\), 16-bit keys compared on the top 12 bits\n +cam \(4\) +keys i32\[4\]: -128, 0, 128, 256\n +→ clusters u8\[4\]: 0, 1, 2, 3\n/,
    );
    expect(text).toContain("[1] lut-mvm 'conv1'  %1 x_idx → %2 conv1");
    expect(text).toContain('3 tables (per output channel) of 5×4 16-bit entries, unit 0.000244141');
    expect(text).toContain('activation  key (acc + 2^3) >> 4, 16-bit keys compared on the top 8 bits');
    expect(text).toContain('blocks (4)  tile 0 block 0');
    expect(text).toContain('output      f32: acc · unit (no activation)');
    expect(text).toContain("[6] digital decode 'decode'  %3 pool1 → %7 pooled");
    expect(text).toContain('CAM 8 per tile, 64 entries of 16 bits');
  });
});

describe('RAPIDNN program checks', () => {
  const cases: [string, Program, RegExp][] = [
    ['codebook on i8', withTensor(1, { type: 'i8' }), /index tensor 'x_idx' is i8; a tensor with a codebook holds u8/],
    [
      'codebook not ascending',
      withTensor(1, { codebook: Float32Array.from([-0.5, 0.5, 0.5, 1]) }),
      /codebook is not strictly ascending: value 2 \(0.5\) follows 0.5/,
    ],
    ['codebook NaN', withTensor(1, { codebook: Float32Array.from([-0.5, NaN, 0.5, 1]) }), /codebook value 1 is NaN, not finite/],
    ['codebook too long', withTensor(1, { codebook: Float32Array.from({ length: 257 }, (_, i) => i) }), /1\.\.256/],
    ['cam-encode of u8', withEncode({ input: 2 }), /cam-encode 'x_enc' reads 'conv1' \(u8\); it encodes f32 values/],
    ['cam-encode into a plain tensor', withEncode({ output: 5 }), /writes 'logits', which has no codebook/],
    ['cam-encode scale', withEncode({ keyScale: 0 }), /key scale 0; a scale is finite and positive/],
    [
      'CAM keys unsorted',
      withEncode({
        cam: { keys: Int32Array.from([0, -1, 2, 3]), values: Uint8Array.from([0, 1, 2, 3]), keyBits: 16, camBits: 8 },
      }),
      /CAM keys are not sorted: key 1 \(-1\) is below key 0 \(0\)/,
    ],
    [
      'CAM key out of range',
      withEncode({
        cam: { keys: Int32Array.from([0, 1, 2, 40000]), values: Uint8Array.from([0, 1, 2, 3]), keyBits: 16, camBits: 8 },
      }),
      /CAM key 3 is 40000, outside the signed 16-bit range -32768\.\.32767/,
    ],
    [
      'CAM value beyond the codebook',
      withEncode({
        cam: { keys: Int32Array.from([0, 1, 2, 3]), values: Uint8Array.from([0, 1, 2, 4]), keyBits: 16, camBits: 8 },
      }),
      /CAM entry 3 returns cluster 4, but the output codebook has 4 clusters/,
    ],
    [
      'camBits above keyBits',
      withEncode({ cam: { keys: Int32Array.from([0, 1, 2, 3]), values: Uint8Array.from([0, 1, 2, 3]), keyBits: 8, camBits: 9 } }),
      /camBits, at most keyBits\) is 9, expected an integer in 1\.\.8/,
    ],
    [
      'keyBits above the chip',
      withEncode({
        cam: { keys: Int32Array.from([0, 1, 2, 3]), values: Uint8Array.from([0, 1, 2, 3]), keyBits: 17, camBits: 8 },
      }),
      /CAM key bits is 17, expected an integer in 1\.\.16/,
    ],
    [
      'more CAM entries than the chip',
      withEncode({ cam: { keys: new Int32Array(65), values: new Uint8Array(65), keyBits: 16, camBits: 8 } }),
      /CAM has 65 entries; chip 'rapidnn' CAMs hold 1\.\.64/,
    ],
    [
      'kU disagrees with the input codebook',
      withConv({ kU: 3, lut: new Int32Array(45) }),
      /kU = 3, but its input 'x_idx' has a codebook of 4 clusters/,
    ],
    [
      'weight index ≥ kW',
      withConv({ weightIndices: new Uint8Array(54).fill(5) }),
      /weight index of \(channel 0, row 0\) is 5, but the layer has kW = 5/,
    ],
    [
      'weight indices length',
      withConv({ weightIndices: new Uint8Array(53) }),
      /53 weight indices, expected 3 output channels × 18 im2col rows = 54/,
    ],
    [
      'lut length',
      withConv({ lut: new Int32Array(21) }),
      /21 LUT entries, expected kW·kU = 20 \(one table for the layer\) or M·kW·kU = 60/,
    ],
    [
      'lut entry range',
      withConv({ lutBits: 8 }),
      /LUT entry \(table \d+, weight cluster \d+, input cluster \d+\) is -?\d+, outside the signed 8-bit range -128\.\.127/,
    ],
    ['lutBits above the chip', withConv({ lutBits: 17 }), /LUT entry bits is 17, expected an integer in 1\.\.16/],
    [
      'table larger than a LUT block',
      withConv({ kW: 256, kU: 17 }),
      /256 × 17 = 4352-entry product table, but chip 'rapidnn' LUT blocks hold 4096 entries/,
    ],
    ['lut scale', withConv({ lutScale: Infinity }), /LUT scale Infinity; a scale is finite and positive/],
    ['bias length', withConv({ bias: new Int32Array(2) }), /2 bias values, expected one per output channel \(3\)/],
    ['activation into f32', withConv({ output: 5 }), /lut-mvm 'conv1' writes 'logits', which has no codebook/],
    [
      'key shift',
      withConv({ activation: { keyShift: 53, cam: instruction(sample, 'lut-mvm', 'conv1').activation!.cam } }),
      /key shift is 53, expected an integer in 0\.\.52/,
    ],
    [
      'no activation into an index tensor',
      withConv({ activation: undefined }),
      /has no activation, so it writes f32 pre-activations, but 'conv1' is u8/,
    ],
    ['no blocks', withConv({ blocks: [] }), /runs on no RNA block/],
    [
      'block beyond the tile',
      withConv({ blocks: [{ tile: 0, block: 8 }] }),
      /block 0 is block 8, but chip 'rapidnn' has 8 RNA blocks \(LUT \+ CAM\) per tile/,
    ],
    [
      'tile beyond the chip',
      withConv({ blocks: [{ tile: 128, block: 0 }] }),
      /block 0 is on tile 128, but chip 'rapidnn' has 128 tiles/,
    ],
    [
      'duplicate block',
      withConv({
        blocks: [
          { tile: 0, block: 1 },
          { tile: 0, block: 1 },
        ],
      }),
      /lists block 1 of tile 0 twice/,
    ],
    [
      'geometry',
      withConv({ geometry: { ...instruction(sample, 'lut-mvm', 'conv1').geometry, outShape: [3, 3, 4] } }),
      /output height is 3, but input height 4 with kernel 3, stride 1, dilation 1 and pads 1\+1 gives 4/,
    ],
    [
      'decode of a plain tensor',
      withInstruction('decode', (i) => ({ ...(i as Extract<Instruction, { op: 'digital' }>), inputs: [5] })),
      /digital decode 'decode' reads 'logits', which has no codebook to decode with/,
    ],
    [
      'index tensor into softmax',
      withInstruction('softmax', (i) => ({ ...(i as Extract<Instruction, { op: 'digital' }>), inputs: [4] })),
      /digital softmax 'softmax' uses index tensor 'flat'/,
    ],
    [
      'maxpool changing codebooks',
      withTensor(3, { codebook: Float32Array.from([0, 0.5, 1]) }),
      /digital maxpool 'pool1' mixes index tensors of different codebooks: 'pool1' \(3 clusters, 0\.\.1\) and 'conv1' \(3 clusters, 0\.\.1\)/,
    ],
  ];

  it.each(cases)('%s: refused on encode (internal) and rejected on decode (invalid-binary)', (_, program, message) => {
    const encodeError = errorOf(() => encodePimb(program));
    expect(encodeError.code).toBe(PIMB_ERROR_CODES.invalidProgram);
    expect(encodeError.message).toMatch(message);
    expect(encodeError.location?.path).toMatch(/^(tensors|instructions)\[\d+\]/);
    const error = decodeError(program);
    expect(error.code).toBe(PIMB_ERROR_CODES.invalidBinary);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith('bad.pimb: ')).toBe(true);
  });

  it('names the field of the problem', () => {
    expect(errorOf(() => validateProgram(withConv({ lutScale: 0 }))).location?.path).toBe('instructions[1].lutScale');
    expect(errorOf(() => validateProgram(withConv({ blocks: [{ tile: 0, block: 9 }] }))).location?.path).toBe(
      'instructions[1].blocks[0].block',
    );
    expect(errorOf(() => validateProgram(withTensor(2, { codebook: Float32Array.from([1, 0, 2]) }))).location?.path).toBe(
      'tensors[2].codebook[1]',
    );
  });

  it('a RAPIDNN program on a chip without CAM and LUT blocks is a chip mismatch', () => {
    const error = errorOf(() => encodePimb({ ...sample, chip: getPreset('isaac') }));
    expect(error.code).toBe(PIMB_ERROR_CODES.chipMismatch);
    expect(error.message).toMatch(/index tensor 'x_idx' needs CAM blocks, but chip 'isaac' has none \(tiles\.cam is absent\)/);
    const decoded = decodeError({ ...sample, chip: getPreset('isaac') });
    expect(decoded.code).toBe(PIMB_ERROR_CODES.chipMismatch);
  });

  it('rejects damaged bulk fields on decode with the field named', () => {
    const cases: [(wire: pimb.Program.$Properties) => void, RegExp][] = [
      [
        (w) => (w.tensors![1].codebook = new Uint8Array(5)),
        /tensor 'x_idx' codebook has 5 bytes, not a whole number of float32 values/,
      ],
      [
        (w) => (w.instructions![1].lutMvm!.lut = new Uint8Array(7)),
        /lut-mvm 'conv1' lut has 7 bytes, not a whole number of int32 values/,
      ],
      [(w) => (w.instructions![1].lutMvm!.bias = new Uint8Array(2)), /lut-mvm 'conv1' bias has 2 bytes/],
      [(w) => (w.instructions![0].camEncode!.cam!.keys = new Uint8Array(3)), /cam-encode 'x_enc' CAM keys has 3 bytes/],
      [(w) => (w.instructions![0].camEncode!.cam = null), /cam-encode 'x_enc' has no cam/],
      [(w) => (w.instructions![1].lutMvm!.geometry = null), /lut-mvm 'conv1' has no geometry/],
      [(w) => (w.instructions![1].lutMvm!.activation!.cam = null), /lut-mvm 'conv1' activation has no cam/],
      [(w) => (w.instructions![1].lutMvm!.geometry!.kernel = [3]), /lut-mvm 'conv1' kernel has 1 values, expected 2/],
    ];
    for (const [edit, message] of cases) {
      const error = decodeError(sample, edit);
      expect(error.code).toBe(PIMB_ERROR_CODES.invalidBinary);
      expect(error.message).toMatch(message);
    }
  });
});
