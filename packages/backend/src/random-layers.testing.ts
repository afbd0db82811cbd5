import { GraphBuilder, onnxOps, Tensor, Value, type Model } from '@pimc/ir';
import type { Rng } from '@pimc/support';

/*
 * Random quantized layers for the crossbar invariant tests: a PimQConv (any groups, strides, pads,
 * dilations, kernel) or a PimQGemm with random int8 weights, int32 bias, zero points, 24-bit
 * multipliers and shifts chosen so outputs spread over the 8-bit range instead of saturating.
 */

export interface RandomLayer {
  readonly model: Model;
  readonly input: Tensor;
  readonly description: string;
}

function int8Weights(rng: Rng, n: number): Int8Array {
  // Mix full-range weights with small ones (trained layers are mostly small).
  const spread = rng.next() < 0.5 ? 127 : rng.int(2, 40);
  return Int8Array.from({ length: n }, () => Math.max(-128, Math.min(127, Math.round(rng.normal(0, spread / 2)))));
}

function activations(rng: Rng, dtype: 'uint8' | 'int8', n: number): Tensor {
  const [lo, hi] = dtype === 'uint8' ? [0, 255] : [-128, 127];
  const sparse = rng.next() < 0.3; // post-ReLU-like: many codes at the bottom
  const values = Array.from({ length: n }, () => (sparse && rng.next() < 0.5 ? lo : rng.int(lo, hi)));
  return dtype === 'uint8' ? new Tensor('uint8', [n], Uint8Array.from(values)) : new Tensor('int8', [n], Int8Array.from(values));
}

/** Multipliers in [2^23, 2^24) (sometimes 0) and shifts scaling a typical accumulator to about ±64. */
function requantization(rng: Rng, channels: number, depth: number): { multiplier: number[]; shift: number[] } {
  const typical = Math.sqrt(depth) * 60 * 40;
  const multiplier: number[] = [];
  const shift: number[] = [];
  for (let m = 0; m < channels; m++) {
    const mult = rng.next() < 0.03 ? 0 : rng.int(2 ** 23, 2 ** 24 - 1);
    multiplier.push(mult);
    shift.push(Math.max(0, Math.min(63, Math.round(Math.log2((typical * 2 ** 23.5) / 24)) + rng.int(-2, 2))));
  }
  return { multiplier, shift };
}

function outputAttrs(rng: Rng) {
  const yDtype = rng.next() < 0.5 ? 'uint8' : 'int8';
  const [lo, hi] = yDtype === 'uint8' ? [0, 255] : [-128, 127];
  const zp = rng.int(lo, hi);
  const relu = rng.next() < 0.3;
  return {
    y_dtype: yDtype,
    y_zero_point: zp,
    y_min: relu ? zp : lo,
    y_max: hi,
    activation: relu ? 'relu' : 'none',
    y_scale: 0.05,
  };
}

function modelOf(builder: GraphBuilder, x: Value, y: Value, name: string): Model {
  return {
    graph: { name, inputs: [x], outputs: [y], nodes: builder.nodes },
    opsets: new Map([['', 25]]),
    producer: 'test',
    source: name,
  };
}

export function randomConv(rng: Rng, batch = 1): RandomLayer {
  const depthwise = rng.next() < 0.2;
  const group = depthwise ? rng.int(2, 6) : rng.next() < 0.3 ? rng.int(2, 3) : 1;
  const cg = depthwise ? 1 : rng.int(1, 12);
  const mg = depthwise ? rng.int(1, 2) : rng.int(1, 24);
  const [c, m] = [cg * group, mg * group];
  const [kh, kw] = [rng.int(1, 3), rng.int(1, 3)];
  const strides = [rng.int(1, 2), rng.int(1, 2)];
  const dilations = [rng.next() < 0.2 ? 2 : 1, rng.next() < 0.2 ? 2 : 1];
  const pads = [rng.int(0, 2), rng.int(0, 2), rng.int(0, 2), rng.int(0, 2)];
  const h = Math.max(rng.int(1, 9), (kh - 1) * dilations[0]! + 1);
  const w = Math.max(rng.int(1, 9), (kw - 1) * dilations[1]! + 1);
  const xDtype = rng.next() < 0.6 ? 'uint8' : 'int8';
  const [xlo, xhi] = xDtype === 'uint8' ? [0, 255] : [-128, 127];
  const depth = cg * kh * kw;
  const builder = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: xDtype, shape: ['N', c, h, w] });
  const weights = Value.ofConstant('W', new Tensor('int8', [m, cg, kh, kw], int8Weights(rng, m * depth)));
  const bias = Value.ofConstant(
    'B',
    new Tensor(
      'int32',
      [m],
      Int32Array.from({ length: m }, () => rng.int(-30000, 30000)),
    ),
  );
  const attrs = {
    pads,
    strides,
    dilations,
    group,
    x_zero_point: rng.int(xlo, xhi),
    ...requantization(rng, m, depth),
    ...outputAttrs(rng),
    x_scale: 0.02,
    w_scale: [0.01],
  };
  const y = builder.add1('PimQConv', [x, weights, bias], { name: 'conv', attrs });
  const input = activations(rng, xDtype, batch * c * h * w).reshape([batch, c, h, w]);
  const description = `conv x ${xDtype}[${c},${h},${w}] zp ${attrs.x_zero_point} W [${m},${cg},${kh},${kw}] g ${group} s ${strides} d ${dilations} p ${pads}`;
  return { model: modelOf(builder, x, y, description), input, description };
}

export function randomGemm(rng: Rng, batch = 1): RandomLayer {
  const k = rng.int(1, 300);
  const m = rng.int(1, 40);
  const xDtype = rng.next() < 0.6 ? 'uint8' : 'int8';
  const [xlo, xhi] = xDtype === 'uint8' ? [0, 255] : [-128, 127];
  const builder = new GraphBuilder(onnxOps);
  const x = new Value('x', { dtype: xDtype, shape: ['N', k] });
  const weights = Value.ofConstant('W', new Tensor('int8', [m, k], int8Weights(rng, m * k)));
  const bias = Value.ofConstant(
    'B',
    new Tensor(
      'int32',
      [m],
      Int32Array.from({ length: m }, () => rng.int(-30000, 30000)),
    ),
  );
  const attrs = {
    x_zero_point: rng.int(xlo, xhi),
    ...requantization(rng, m, k),
    ...outputAttrs(rng),
    x_scale: 0.02,
    w_scale: [0.01],
  };
  const y = builder.add1('PimQGemm', [x, weights, bias], { name: 'gemm', attrs });
  const input = activations(rng, xDtype, batch * k).reshape([batch, k]);
  return {
    model: modelOf(builder, x, y, `gemm x ${xDtype}[${k}] zp ${attrs.x_zero_point} W [${m},${k}]`),
    input,
    description: 'gemm',
  };
}
