import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, Value, type Node } from '@pimc/ir';
import { isPimcError, Rng } from '@pimc/support';
import { samplePositions, sampleLayerVectors } from './calibration-vectors.js';
import { raellaLayerOf } from './layer-of-node.js';

interface ConvCase {
  readonly node: Node;
  readonly x: Tensor;
  readonly geometry: { c: number; h: number; w: number; m: number; kh: number; kw: number; group: number };
  readonly attrs: { pads: number[]; strides: number[]; dilations: number[]; x_zero_point: number };
}

/** A random 2-D (or, with h = kh = 1 folded away, 1-D) PimQConv and an input batch. */
function randomConv(rng: Rng, oneD: boolean): ConvCase {
  const group = rng.int(1, 3);
  const [cg, mg] = [rng.int(1, 3), rng.int(1, 2)];
  const [c, m] = [cg * group, mg * group];
  const [kh, kw] = oneD ? [1, rng.int(1, 4)] : [rng.int(1, 3), rng.int(1, 3)];
  const dilations = oneD ? [rng.int(1, 2)] : [rng.int(1, 2), rng.int(1, 2)];
  const strides = oneD ? [rng.int(1, 3)] : [rng.int(1, 2), rng.int(1, 3)];
  const pads = oneD ? [rng.int(0, 2), rng.int(0, 2)] : [rng.int(0, 2), rng.int(0, 1), rng.int(0, 2), rng.int(0, 2)];
  const h = oneD ? 1 : rng.int(kh * 2, 8);
  const w = rng.int(kw * 2 + 1, 9);
  const zp = rng.int(0, 255);
  const builder = new GraphBuilder(onnxOps);
  const shape = oneD ? ['N', c, w] : ['N', c, h, w];
  const x = new Value('x', { dtype: 'uint8', shape });
  const wShape = oneD ? [m, cg, kw] : [m, cg, kh, kw];
  const weights = Value.ofConstant(
    'W',
    new Tensor(
      'int8',
      wShape,
      Int8Array.from({ length: m * cg * kh * kw }, () => rng.int(-128, 127)),
    ),
  );
  const attrs = { pads, strides, dilations, x_zero_point: zp };
  const node = builder.add('PimQConv', [x, weights], {
    name: 'conv',
    attrs: {
      ...attrs,
      group,
      multiplier: [2 ** 20],
      shift: [20],
      y_dtype: 'uint8',
      y_zero_point: 0,
      y_min: 0,
      y_max: 255,
      activation: 'none',
      y_scale: 1,
      x_scale: 1,
      w_scale: [1],
    },
  });
  const batch = rng.int(1, 2);
  const xShape = oneD ? [batch, c, w] : [batch, c, h, w];
  const input = new Tensor(
    'uint8',
    xShape,
    Uint8Array.from({ length: batch * c * h * w }, () => rng.int(0, 255)),
  );
  return { node, x: input, geometry: { c, h, w, m, kh, kw, group }, attrs };
}

/** Direct convolution accumulators Σ (x − zp)·w per (n, m, oy, ox), padding reading zp (contributes 0). */
function directConv(k: ConvCase, oneD: boolean): number[] {
  const { c, h, w, m, kh, kw, group } = k.geometry;
  const [sh, sw] = oneD ? [1, k.attrs.strides[0]!] : k.attrs.strides;
  const [dh, dw] = oneD ? [1, k.attrs.dilations[0]!] : k.attrs.dilations;
  const [pt, pl, pb, pr] = oneD ? [0, k.attrs.pads[0]!, 0, k.attrs.pads[1]!] : k.attrs.pads;
  const oh = Math.floor((h + pt! + pb! - ((kh - 1) * dh! + 1)) / sh!) + 1;
  const ow = Math.floor((w + pl! + pr! - ((kw - 1) * dw! + 1)) / sw!) + 1;
  const weights = k.node.inputs[1]!.constant!.data as Int8Array;
  const data = k.x.data as Uint8Array;
  const [cg, mg] = [c / group, m / group];
  const batch = k.x.shape[0]!;
  const out: number[] = [];
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < m; ch++) {
          const g = Math.floor(ch / mg);
          let acc = 0;
          for (let ci = 0; ci < cg; ci++) {
            for (let r = 0; r < kh; r++) {
              for (let s = 0; s < kw; s++) {
                const [iy, ix] = [oy * sh! - pt! + r * dh!, ox * sw! - pl! + s * dw!];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const xv = data[((n * c + g * cg + ci) * h + iy) * w + ix]!;
                acc += (xv - k.attrs.x_zero_point) * weights[((ch * cg + ci) * kh + r) * kw + s]!;
              }
            }
          }
          out.push(acc);
        }
      }
    }
  }
  return out;
}

describe('sampleLayerVectors', () => {
  for (const oneD of [false, true]) {
    it(`gives the im2col vectors of every output position of ${oneD ? '1-D' : '2-D'} convolutions`, () => {
      const rng = new Rng(oneD ? 4 : 3);
      for (let trial = 0; trial < 40; trial++) {
        const k = randomConv(rng, oneD);
        const layer = raellaLayerOf(k.node);
        const vectors = sampleLayerVectors(k.node, layer, k.x, 100000, rng);
        // Σ_k (x_k − zp)·w_k over each vector is the direct convolution, position by position.
        const got: number[] = [];
        const perGroup = layer.outChannels / layer.groups;
        for (let v = 0; v < vectors.count; v++) {
          for (let ch = 0; ch < layer.outChannels; ch++) {
            const g = Math.floor(ch / perGroup);
            let acc = 0;
            for (let r = 0; r < layer.depth; r++) {
              acc +=
                (vectors.codes[(v * layer.groups + g) * layer.depth + r]! - layer.zeroPoint) *
                layer.weights[ch * layer.depth + r]!;
            }
            got.push(acc);
          }
        }
        expect(got).toEqual(directConv(k, oneD));
      }
    });
  }

  it('samples distinct positions deterministically for a seed', () => {
    const a = samplePositions(1000, 50, new Rng(1));
    expect(new Set(a).size).toBe(50);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(samplePositions(1000, 50, new Rng(1))).toEqual(a);
    expect(samplePositions(1000, 50, new Rng(2))).not.toEqual(a);
    expect(samplePositions(5, 50, new Rng(1))).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses calibration activations of the wrong type or shape', () => {
    const k = randomConv(new Rng(5), false);
    const layer = raellaLayerOf(k.node);
    const signed = new Tensor('int8', k.x.shape, new Int8Array(k.x.size));
    const wrongChannels = new Tensor(
      'uint8',
      [1, k.geometry.c + 1, k.geometry.h, k.geometry.w],
      new Uint8Array((k.geometry.c + 1) * k.geometry.h * k.geometry.w),
    );
    for (const bad of [signed, wrongChannels]) {
      try {
        sampleLayerVectors(k.node, layer, bad, 10, new Rng(0));
        expect.unreachable();
      } catch (e) {
        expect(isPimcError(e)).toBe(true);
        expect((e as Error).message).toContain('conv');
      }
    }
  });
});
