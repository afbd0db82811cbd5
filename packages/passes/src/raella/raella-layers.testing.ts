import { GraphBuilder, onnxOps, Tensor, Value, type Model } from '@pimc/ir';
import type { Rng } from '@pimc/support';
import { rowTileCount } from './center.js';
import type { CenterLayout, LayerVectors, RaellaLayer } from './layer-data.js';
import { weightSlicings } from './slicings.js';

/*
 * Random crossbar layers for the RAELLA tests: small (exhaustive checks) and Tier-0 synthetic ones
 * (algorithms.md §7.2: Gaussian int8 weights, σ = 20 LSB; ReLU-Gaussian u8 inputs, P(0) = 0.5).
 */

export interface RandomRaellaLayer {
  readonly layer: RaellaLayer;
  readonly vectors: LayerVectors;
  readonly layout: CenterLayout;
  readonly slicing: readonly number[];
}

const clampInt8 = (v: number) => Math.max(-128, Math.min(127, Math.round(v)));

/** A small layer with random groups, weights, zero point, signedness, centers, rows and slicing. */
export function randomSmallLayer(rng: Rng): RandomRaellaLayer {
  const groups = rng.int(1, 3);
  const outChannels = groups * rng.int(1, 5);
  const depth = rng.int(1, 40);
  const spread = rng.next() < 0.3 ? 127 : rng.int(1, 40);
  const weights = Int8Array.from({ length: outChannels * depth }, () => clampInt8(rng.normal(rng.int(-20, 20), spread)));
  const signedInputs = rng.next() < 0.4;
  const [lo, hi] = signedInputs ? [-128, 127] : [0, 255];
  const count = rng.int(1, 4);
  const codes = Int32Array.from({ length: count * groups * depth }, () => (rng.next() < 0.3 ? 0 : rng.int(lo, hi)));
  const rows = rng.int(1, 24);
  const tiles = rowTileCount(depth, rows);
  let centers: Int16Array | undefined;
  if (rng.next() < 0.8) {
    centers = new Int16Array(outChannels * tiles);
    for (let m = 0; m < outChannels; m++) {
      for (let t = 0; t < tiles; t++) {
        const column = weights.subarray(m * depth + t * rows, m * depth + Math.min(depth, (t + 1) * rows));
        centers[m * tiles + t] = rng.int(Math.min(...column), Math.max(...column));
      }
    }
  }
  const all = weightSlicings(rng.next() < 0.5 ? 4 : 8);
  const slicing = rng.next() < 0.05 ? [8] : all[rng.int(0, all.length - 1)]!;
  return {
    layer: { name: 'small', weights, outChannels, depth, groups, zeroPoint: rng.int(lo, hi), signedInputs },
    vectors: { count, codes },
    layout: { centers, rows },
    slicing,
  };
}

/** Tier-0 weights: Gaussian int8, σ = 20 LSB. */
export function gaussianWeights(rng: Rng, count: number, sigma = 20): Int8Array {
  return Int8Array.from({ length: count }, () => clampInt8(rng.normal(0, sigma)));
}

/** Tier-0 inputs: ReLU of a Gaussian, as u8 codes; P(0) = 0.5, the positive half spread over `scale` LSB. */
export function reluGaussianCodes(rng: Rng, count: number, scale = 60): Int32Array {
  return Int32Array.from({ length: count }, () => Math.min(255, Math.max(0, Math.round(rng.normal(0, scale)))));
}

/** A Tier-0 layer of `outChannels` × `depth` (one group, zero point 0) with `count` vectors. */
export function tierZeroLayer(
  rng: Rng,
  outChannels: number,
  depth: number,
  count: number,
): { layer: RaellaLayer; vectors: LayerVectors } {
  return {
    layer: {
      name: `tier0-${outChannels}x${depth}`,
      weights: gaussianWeights(rng, outChannels * depth),
      outChannels,
      depth,
      groups: 1,
      zeroPoint: 0,
      signedInputs: false,
    },
    vectors: { count, codes: reluGaussianCodes(rng, count * depth) },
  };
}

/** Attributes every requantizing PimQ layer needs, with the given input zero point. */
function requantAttrs(channels: number, zeroPoint: number) {
  return {
    x_zero_point: zeroPoint,
    multiplier: new Array<number>(channels).fill(2 ** 23),
    shift: new Array<number>(channels).fill(30),
    y_dtype: 'uint8',
    y_zero_point: 0,
    y_min: 0,
    y_max: 255,
    activation: 'relu',
    y_scale: 0.05,
    x_scale: 0.02,
    w_scale: [0.01],
  };
}

/**
 * A tiny quantized model: a grouped, padded PimQConv on u8 inputs ('conv'), followed by a
 * PimRequantize, and a PimQGemm on i8 inputs ('fc'); with calibration activations for both layers.
 */
export function tinyQuantizedModel(rng: Rng, batch = 3): { model: Model; calibration: Map<string, Tensor> } {
  const builder = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: 'uint8', shape: ['N', 4, 7, 6] });
  const z = new Value('z', { dtype: 'int8', shape: ['N', 40] });
  const convW = Value.ofConstant('conv.W', new Tensor('int8', [6, 2, 3, 3], gaussianWeights(rng, 6 * 2 * 3 * 3, 30)));
  const conv = builder.add1('PimQConv', [x, convW], {
    name: 'conv',
    attrs: { pads: [1, 0, 1, 1], strides: [1, 2], dilations: [1, 1], group: 2, ...requantAttrs(6, 3) },
  });
  const y = builder.add1('PimRequantize', [conv], {
    name: 'requantize',
    attrs: { x_zero_point: 0, multiplier: 2 ** 23, shift: 24, y_dtype: 'uint8', y_zero_point: 0, x_scale: 0.05, y_scale: 0.1 },
  });
  const fcW = Value.ofConstant('fc.W', new Tensor('int8', [5, 40], gaussianWeights(rng, 5 * 40)));
  const fc = builder.add1('PimQGemm', [z, fcW], {
    name: 'fc',
    attrs: { ...requantAttrs(5, -2), y_dtype: 'int8', y_min: -128, y_max: 127 },
  });
  const model: Model = {
    graph: { name: 'tiny', inputs: [x, z], outputs: [y, fc], nodes: builder.nodes },
    opsets: new Map([['', 25]]),
    producer: 'test',
    source: 'tiny',
  };
  const calibration = new Map<string, Tensor>([
    ['conv', new Tensor('uint8', [batch, 4, 7, 6], Uint8Array.from(reluGaussianCodes(rng, batch * 4 * 7 * 6)))],
    [
      'fc',
      new Tensor(
        'int8',
        [batch * 4, 40],
        Int8Array.from({ length: batch * 4 * 40 }, () => rng.int(-128, 127)),
      ),
    ],
  ]);
  return { model, calibration };
}
