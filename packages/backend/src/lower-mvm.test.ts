import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { GraphBuilder, onnxOps, Tensor, Value } from '@pimc/ir';
import type { CrossbarMvm } from '@pimc/isa';
import { lowerModel } from './lower-program.js';
import { Rng } from '@pimc/support';
import { chipLike, compareCodes, runBoth } from './sim-bridge.testing.js';

/** A PimQGemm of K inputs and M outputs with weights w[m][k] = f(m, k). */
function gemm(k: number, m: number, f: (m: number, k: number) => number, extra: Record<string, readonly number[] | number> = {}) {
  const b = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: 'uint8', shape: ['N', k] });
  const w = Value.ofConstant(
    'W',
    new Tensor(
      'int8',
      [m, k],
      Int8Array.from({ length: m * k }, (_, i) => f(Math.floor(i / k), i % k)),
    ),
  );
  const y = b.add1('PimQGemm', [x, w], {
    name: 'fc',
    attrs: {
      x_zero_point: 7,
      multiplier: [2 ** 23],
      shift: [30],
      y_dtype: 'int8',
      y_zero_point: -3,
      y_min: -3,
      y_max: 127,
      activation: 'relu',
      y_scale: 1,
      x_scale: 1,
      w_scale: [1],
      ...extra,
    },
  });
  return {
    graph: { name: 'g', inputs: [x], outputs: [y], nodes: b.nodes },
    opsets: new Map([['', 25]]),
    producer: 't',
    source: 'test',
  };
}

describe('lowerMvm: tiling and the crossbar image', () => {
  it('K = 300, M = 40 on 128 × 128 crossbars with 4 slices per weight: 3 row tiles × 2 column tiles', () => {
    const lowered = lowerModel(
      gemm(300, 40, (m, k) => ((m * 7 + k) % 255) - 127),
      getPreset('isaac'),
    );
    const mvm = lowered.instructions[0] as CrossbarMvm;
    expect(mvm.tiles.map((t) => [t.rowStart, t.rowCount, t.channelStart, t.channelCount])).toEqual([
      [0, 128, 0, 32],
      [128, 128, 0, 32],
      [256, 44, 0, 32],
      [0, 128, 32, 8],
      [128, 128, 32, 8],
      [256, 44, 32, 8],
    ]);
    expect(lowered.crossbars).toHaveLength(6);
    expect(mvm.geometry).toMatchObject({ inShape: [300, 1, 1], outShape: [40, 1, 1], groups: 1 });
    expect(mvm.inputs.zeroPoint).toBe(7);
    expect(mvm).toMatchObject({ outputZeroPoint: -3, clampMin: -3, clampMax: 127 });
    expect(Array.from(mvm.shift)).toEqual(new Array<number>(40).fill(30));
  });

  it('lays weight (k, m) at crossbar row k − rowStart, columns (m − channelStart)·4 … +3, MSB slice first', () => {
    const lowered = lowerModel(
      gemm(300, 40, (m, k) => (k === 130 && m === 33 ? -1 : 0)),
      getPreset('isaac'),
    );
    const image = lowered.crossbars[4]!; // row tile 1, column tile 1
    const at = (130 - 128) * 128 + (33 - 32) * 4;
    expect(Array.from(image.levels.subarray(at, at + 4))).toEqual([1, 3, 3, 3]); // −1 + 128 = 127
    expect(Array.from(image.levels.subarray(at + 4, at + 8))).toEqual([2, 0, 0, 0]); // 0 + 128
    expect(image.levels[44 * 128]).toBe(2); // any other weight there is 0: stored as 0 + 128, MSB slice 2
  });

  it('puts differential weights on two planes', () => {
    const chip = chipLike('raella', 'raella-16', { tiles: { macro: { crossbar: { rows: 16, columns: 16 } } } });
    const lowered = lowerModel(
      gemm(3, 2, (m, k) => (m === 0 ? -(k + 1) : k + 1)),
      chip,
    );
    const image = lowered.crossbars[0]!;
    expect(image.levels).toHaveLength(2 * 16 * 16);
    // channel 0 (−1, −2, −3) on the negative plane, channel 1 (1, 2, 3) on the positive; 4-bit slices [4, 4].
    expect(Array.from(image.levels.subarray(0, 4))).toEqual([0, 0, 0, 1]);
    expect(Array.from(image.levels.subarray(256, 260))).toEqual([0, 1, 0, 0]);
    expect((lowered.instructions[0] as CrossbarMvm).weights.scheme).toBe('differential');
  });
});

describe('lowerMvm: 1-D convolutions run as H = 1', () => {
  it('equals the executor exactly with a wide ADC', () => {
    const rng = new Rng(4);
    for (let t = 0; t < 10; t++) {
      const [c, m, k, len] = [rng.int(1, 6), rng.int(1, 9), rng.int(1, 4), rng.int(4, 20)];
      const b = new GraphBuilder(onnxOps);
      const x = new Value('x', { dtype: 'uint8', shape: ['N', c, len] });
      const w = Value.ofConstant(
        'W',
        new Tensor(
          'int8',
          [m, c, k],
          Int8Array.from({ length: m * c * k }, () => rng.int(-128, 127)),
        ),
      );
      const y = b.add1('PimQConv', [x, w], {
        name: 'conv1d',
        attrs: {
          pads: [rng.int(0, 2), rng.int(0, 2)],
          strides: [rng.int(1, 2)],
          dilations: [rng.int(1, 2)],
          group: 1,
          x_zero_point: rng.int(0, 255),
          multiplier: [rng.int(2 ** 23, 2 ** 24 - 1)],
          shift: [31],
          y_dtype: 'uint8',
          y_zero_point: 128,
          y_min: 0,
          y_max: 255,
          activation: 'none',
          y_scale: 1,
          x_scale: 1,
          w_scale: [1],
        },
      });
      const model = {
        graph: { name: 'g', inputs: [x], outputs: [y], nodes: b.nodes },
        opsets: new Map([['', 25]]),
        producer: 't',
        source: 's',
      };
      const input = new Tensor(
        'uint8',
        [2, c, len],
        Uint8Array.from({ length: 2 * c * len }, () => rng.int(0, 255)),
      );
      const { expected, run } = runBoth(
        model,
        new Map([['x', input]]),
        chipLike('isaac', 'isaac-adc12', { tiles: { macro: { adc: { bits: 12 } } } }),
      );
      expect(compareCodes(expected.get('conv1d')!, run.outputs.get('conv1d')!).mismatches).toBe(0);
    }
  });
});

describe('lowerMvm: RAELLA encodings from the layer attributes', () => {
  const k = 600;
  const m = 3;
  const weight = (ch: number, row: number) => ((ch * 37 + row * 11) % 101) - 40;
  const centers = [5, -7, 0, 12, 3, -20]; // [M = 3][2 row tiles of 512]
  const model = gemm(k, m, weight, {
    weight_slices: [4, 2, 2],
    weight_centers: centers,
    center_rows: 512,
    input_speculation: [4, 2, 2],
  });

  it('stores w − center in sign-magnitude slices, with the centers on the tiles and speculation on the inputs', () => {
    const lowered = lowerModel(model, getPreset('raella'));
    const mvm = lowered.instructions[0] as CrossbarMvm;
    expect(mvm.weights.slices).toEqual([4, 2, 2]);
    expect(mvm.inputs.speculation).toEqual({ slices: [4, 2, 2] });
    expect(mvm.inputs.slices).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(mvm.tiles.map((t) => [t.rowStart, [...(t.centers ?? [])]])).toEqual([
      [0, [5, 0, 3]],
      [512, [-7, 12, -20]],
    ]);
    for (const tile of mvm.tiles) {
      const image = lowered.crossbars[tile.crossbar]!;
      const plane = image.rows * image.columns;
      for (let ch = 0; ch < tile.channelCount; ch++) {
        for (let r = 0; r < tile.rowCount; r++) {
          const at = r * image.columns + ch * 3;
          const cell = (s: number) => image.levels[at + s]! - image.levels[plane + at + s]!;
          const stored = cell(0) * 16 + cell(1) * 4 + cell(2);
          expect(stored + tile.centers![ch]!).toBe(weight(ch, tile.rowStart + r));
        }
      }
    }
  });

  it('refuses centers computed for other row tiles, slices wider than the cells and speculation wider than the DAC', () => {
    expect(() => lowerModel(model, getPreset('raella-no-spec-2b'))).toThrow(/4-bit weight slice needs 4-bit cells/);
    expect(() => lowerModel(model, getPreset('raella-no-spec'))).toThrow(/4-bit speculative input slice needs a 4-bit DAC/);
    const isaacRows = gemm(k, m, weight, {
      weight_centers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      center_rows: 128,
    });
    expect(() => lowerModel(isaacRows, getPreset('isaac'))).toThrow(/Center\+Offset centers, which need differential/);
    expect(() => lowerModel(isaacRows, getPreset('raella'))).toThrow(
      /computed for 128-row tiles, but the chip's crossbars have 512 rows/,
    );
  });
});
