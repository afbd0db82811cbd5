import { describe, expect, it } from 'vitest';
import { disassemble, summarizeArray } from './disassemble.js';
import type { Program } from './program.js';
import { differentialSampleProgram, sampleProgram } from './sample-program.testing.js';

const SAMPLE_LISTING = `; pimb format version 1, sample.pimb (4000 bytes)
; pimc: 0.1.0
; source: hand-built

chip 'isaac': ISAAC-like baseline (Shafiee et al., ISCA 2016), 32 nm: unsigned (biased) weights, 1-bit input slices
  168 tiles × 12 macros × 8 crossbars of 128×128 cells, 2 bits per cell (single-ended)
  DAC 1 bit (level), ADC 8 bits unsigned, clock 1.2 GHz

tensors (6)
  id  name    type  shape    scale  zero point
  %0  input   u8    1×2×4×4  0.02   3
  %1  conv1   u8    1×4×2×2  0.05   0
  %2  pool1   u8    1×4×1×1  0.05   0
  %3  flat    u8    1×4      0.05   0
  %4  logits  f32   1×4
  %5  probs   f32   1×4

inputs   %0 input
outputs  %5 probs

crossbars (2)
  id  tile  macro  index  size   cells used              levels
  #0  0     0      0      16×16  160 (62.5%) by 'conv1'  0:136 1:39 2:49 3:32
  #1  0     1      0      16×16  128 (50%) by 'conv1'    0:156 1:35 2:39 3:26

instructions (5)
  [0] crossbar-mvm 'conv1'  %0 input → %1 conv1
      geometry    in 2×4×4 → out 4×2×2, kernel 3×3, strides 1×1, pads 0,0,0,0 (t,l,b,r), dilations 1×1, groups 1
      weights     offset binary (w + 128), slices 2+2+2+2 bits
      inputs      8-bit unsigned codes, zero point 3, slices 1+1+1+1+1+1+1+1 bits
      adc         8 bits unsigned, lsb 1
      tiles (2)   group 0 rows 0..9 channels 0..3 → #0
                  group 0 rows 10..17 channels 0..3 → #1
      bias        i32[4]: 100, -200, 300, -400
      multiplier  i32[4]: 8388608, 9000000, 12345678, 16777215
      shift       i32[4]: 30, 31, 29, 32
      output      zero point 0, clamp 0..255
  [1] digital maxpool 'pool1'  %1 conv1 → %2 pool1  kernel=[2, 2] strides=[2, 2]
  [2] digital reshape 'flat'  %2 pool1 → %3 flat  shape=[1, 4]
  [3] digital dequantize 'dq'  %3 flat → %4 logits  scale=0.05 zeroPoint=0
  [4] digital softmax 'softmax'  %4 logits → %5 probs  axis=-1 mode="exact"
`;

describe('disassemble', () => {
  it('lists header, chip, tensors, crossbars and instructions (golden)', () => {
    expect(disassemble(sampleProgram(), { file: 'sample.pimb', fileBytes: 4000 })).toBe(SAMPLE_LISTING);
  });

  it('summarizes a differential chip and its two-plane level histogram', () => {
    const text = disassemble(differentialSampleProgram());
    expect(text).toContain('  32 tiles × 8 macros × 4 crossbars of 512×512 cells, 4 bits per cell (differential-2t2r)\n');
    expect(text).toContain('  speculative input slices 4+2+2 bits\n');
    expect(text).toContain('cells used             levels (both planes)\n');
    expect(text).toContain('      weights     differential (sign-magnitude), slices 4+4 bits\n');
  });

  it('abbreviates long arrays and long tile lists', () => {
    const base = sampleProgram();
    const mvm = base.instructions[0];
    if (mvm.op !== 'crossbar-mvm') throw new Error('sample starts with its crossbar-mvm');
    const many = Array.from({ length: 9 }, (_, k) => ({ ...mvm.tiles[0], crossbar: k % 2 }));
    const program: Program = {
      ...base,
      instructions: [
        { ...mvm, tiles: many, bias: Int32Array.from({ length: 64 }, (_, k) => k * 3 - 50) },
        { op: 'digital', name: 'r', kind: 'reshape', inputs: [1], outputs: [2], attrs: { shape: [1, 2, 3, 4, 5, 6, 7, 8, 9] } },
      ],
    };
    const text = disassemble(program);
    expect(text).toContain('      bias        i32[64] min -50 max 139: -50, -47, -44, -41, …\n');
    expect(text).toContain('      tiles (9)   group 0 rows 0..9 channels 0..3 → #0\n');
    expect(text).toContain('                  … 3 more\n');
    expect(text).toContain("  [1] digital reshape 'r'  %1 conv1 → %2 pool1  shape=[9] min 1 max 9: 1, 2, 3, 4, …\n");
    expect(text).toContain("  #0  0     0      0      16×16  800 (312.5%) by 'conv1'");
  });

  it('summarizes arrays by type, count, range and first values', () => {
    expect(summarizeArray(new Int32Array(0))).toBe('i32[0]');
    expect(summarizeArray(Uint8Array.from([1, 2, 3]))).toBe('u8[3]: 1, 2, 3');
    expect(summarizeArray([0.5, 0.25])).toBe('[2]: 0.5, 0.25');
    expect(summarizeArray(Int32Array.from([5, -7, 9, 1, 2, 3, 4, 5, 100]))).toBe('i32[9] min -7 max 100: 5, -7, 9, 1, …');
  });

  it('says when a crossbar is unused and a program has no inputs', () => {
    const base = sampleProgram();
    const text = disassemble({ ...base, instructions: base.instructions.slice(1), inputs: [] });
    expect(text).toContain('inputs   (none)\n');
    expect(text).toContain('  #1  0     1      0      16×16  unused      0:156 1:35 2:39 3:26\n');
  });
});
