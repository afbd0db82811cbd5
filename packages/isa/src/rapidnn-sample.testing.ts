import { getPreset } from '@pimc/arch';
import { Rng } from '@pimc/support';
import { PIMB_FORMAT_VERSION, type LutMvm, type Program } from './program.js';

/**
 * A small hand-built RAPIDNN program on the rapidnn preset: the f32 input is CAM-encoded into 4
 * clusters, a 2→3 channel 3×3 conv (padding 1, per-output-channel product tables, fused activation
 * CAM into 3 clusters) runs on four RNA blocks, then index max pooling and a reshape, a fully
 * connected lut-mvm (one shared table, no activation: f32 out) and a softmax; the pooled indices
 * are also decoded to f32 as a second output.
 */
export function rapidnnSampleProgram(): Program {
  const rng = new Rng(17);
  const conv: LutMvm = {
    op: 'lut-mvm',
    name: 'conv1',
    input: 1,
    output: 2,
    geometry: {
      inShape: [2, 4, 4],
      outShape: [3, 4, 4],
      kernel: [3, 3],
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      groups: 1,
    },
    weightIndices: Uint8Array.from({ length: 3 * 18 }, () => rng.int(0, 4)),
    kW: 5,
    kU: 4,
    lut: Int32Array.from({ length: 3 * 5 * 4 }, () => rng.int(-32768, 32767)),
    lutBits: 16,
    lutScale: 1 / 4096,
    bias: Int32Array.from([100, -2000, 0]),
    activation: {
      keyShift: 4,
      cam: { keys: Int32Array.from([-50, 0, 0, 900]), values: Uint8Array.from([0, 0, 1, 2]), keyBits: 16, camBits: 8 },
    },
    blocks: [0, 1, 2, 3].map((block) => ({ tile: 0, block })),
  };
  const fc: LutMvm = {
    op: 'lut-mvm',
    name: 'fc',
    input: 4,
    output: 5,
    geometry: {
      inShape: [12, 1, 1],
      outShape: [5, 1, 1],
      kernel: [1, 1],
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      groups: 1,
    },
    weightIndices: Uint8Array.from({ length: 5 * 12 }, () => rng.int(0, 1)),
    kW: 2,
    kU: 3,
    lut: Int32Array.from([-300, 0, 250, 120, -7, 32767]),
    lutBits: 16,
    lutScale: 0.001,
    bias: Int32Array.from([1, 2, 3, 4, 5]),
    blocks: [{ tile: 1, block: 0 }],
  };
  const hidden = Float32Array.from([0, 0.25, 1]);
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip: getPreset('rapidnn'),
    tensors: [
      { id: 0, name: 'x', type: 'f32', shape: [1, 2, 4, 4] },
      { id: 1, name: 'x_idx', type: 'u8', shape: [1, 2, 4, 4], codebook: Float32Array.from([-0.5, 0, 0.5, 1]) },
      { id: 2, name: 'conv1', type: 'u8', shape: [1, 3, 4, 4], codebook: hidden },
      { id: 3, name: 'pool1', type: 'u8', shape: [1, 3, 2, 2], codebook: hidden },
      { id: 4, name: 'flat', type: 'u8', shape: [1, 12], codebook: hidden },
      { id: 5, name: 'logits', type: 'f32', shape: [1, 5] },
      { id: 6, name: 'probs', type: 'f32', shape: [1, 5] },
      { id: 7, name: 'pooled', type: 'f32', shape: [1, 3, 2, 2] },
    ],
    crossbars: [],
    instructions: [
      {
        op: 'cam-encode',
        name: 'x_enc',
        input: 0,
        output: 1,
        keyScale: 1 / 256,
        cam: { keys: Int32Array.from([-128, 0, 128, 256]), values: Uint8Array.from([0, 1, 2, 3]), keyBits: 16, camBits: 12 },
      },
      conv,
      {
        op: 'digital',
        name: 'pool1',
        kind: 'maxpool',
        inputs: [2],
        outputs: [3],
        attrs: { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] },
      },
      { op: 'digital', name: 'flat', kind: 'reshape', inputs: [3], outputs: [4], attrs: {} },
      fc,
      { op: 'digital', name: 'softmax', kind: 'softmax', inputs: [5], outputs: [6], attrs: { axis: -1 } },
      { op: 'digital', name: 'decode', kind: 'decode', inputs: [3], outputs: [7], attrs: {} },
    ],
    inputs: [0],
    outputs: [6, 7],
    metadata: { source: 'hand-built RAPIDNN sample', pimc: '0.1.0' },
  };
}
