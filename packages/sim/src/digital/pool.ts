import { clamp } from '../fixed-point.js';
import { programError } from '../program-error.js';
import { allocate, formatShape, integerRange, requireFloat, requireInteger, sizeOf, type SimTensor } from '../sim-tensor.js';
import { integerAttr, intListAttr, rejectAttrs } from './attrs.js';
import { countTraffic, operand, single, type DigitalContext, type DigitalKernel } from './context.js';

/** A pooling window over [N, C, H, W] (a 1-D pool over [N, C, L] is read as H = 1). */
interface Window {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly p: number;
  readonly q: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  /** Pads: top, left, bottom, right. */
  readonly pt: number;
  readonly pl: number;
  readonly pb: number;
  readonly pr: number;
}

/**
 * Reads {kernel, strides, pads, dilations} (per spatial axis; pads begins then ends, ONNX order)
 * and checks them against the operand and the result: the result's spatial size is the program's
 * (it encodes ceil_mode), and every window must start inside the input or its begin padding.
 */
function windowOf(ctx: DigitalContext, x: SimTensor, shape: readonly number[]): Window {
  const op = ctx.op;
  const rank = x.shape.length;
  if ((rank !== 3 && rank !== 4) || shape.length !== rank || shape[0] !== x.shape[0] || shape[1] !== x.shape[1]) {
    throw programError(
      op,
      `pools [N, C, H, W] or [N, C, L] into the same N and C: operand ${formatShape(x.shape)}, result ${formatShape(shape)}`,
    );
  }
  const spatial = rank - 2;
  const kernel = intListAttr(op, 'kernel', spatial);
  const strides = intListAttr(op, 'strides', spatial);
  const dilations = intListAttr(op, 'dilations', spatial);
  const pads = intListAttr(op, 'pads', 2 * spatial);
  if ([...kernel, ...strides, ...dilations].some((v) => v < 1) || pads.some((v) => v < 0)) {
    throw programError(op, 'kernel, strides and dilations must be ≥ 1 and pads ≥ 0');
  }
  const two = (v: readonly number[], fill: number) => (spatial === 1 ? [fill, v[0]!] : [v[0]!, v[1]!]);
  const [kh, kw] = two(kernel, 1);
  const [sh, sw] = two(strides, 1);
  const [dh, dw] = two(dilations, 1);
  const [pt, pl] = two(pads.slice(0, spatial), 0);
  const [pb, pr] = two(pads.slice(spatial), 0);
  const [h, w] = spatial === 1 ? [1, x.shape[2]!] : [x.shape[2]!, x.shape[3]!];
  const [p, q] = spatial === 1 ? [1, shape[2]!] : [shape[2]!, shape[3]!];
  if ((p - 1) * sh >= h + pt || (q - 1) * sw >= w + pl) {
    throw programError(op, `result ${formatShape(shape)} has windows starting past the padded operand ${formatShape(x.shape)}`);
  }
  return { planes: x.shape[0]! * x.shape[1]!, h, w, p, q, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr };
}

/**
 * `maxpool` {kernel, strides, pads, dilations}: the largest element of each window among the taps
 * inside the operand (padding never wins); the result has the operand's type and quantization. On
 * f32 a NaN tap makes the window's result NaN; on RAPIDNN index tensors (u8) the largest index is
 * the largest value, since codebooks ascend.
 */
export const maxpool: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  const float = x.type === 'f32';
  if (float || slot.desc.type === 'f32') sameType(ctx, x, slot.desc.type);
  const xs = float ? requireFloat(x, 'maxpool') : requireInteger(x, 'maxpool');
  const g = windowOf(ctx, x, slot.shape);
  const out = allocate(x.type, sizeOf(slot.shape));
  const lowest = x.type === 'f32' ? -Infinity : integerRange(x.type)[0];
  let o = 0;
  for (let pc = 0; pc < g.planes; pc++) {
    const base = pc * g.h * g.w;
    for (let oy = 0; oy < g.p; oy++) {
      for (let ox = 0; ox < g.q; ox++) {
        let best = lowest;
        for (let r = 0; r < g.kh; r++) {
          const iy = oy * g.sh - g.pt + r * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let s = 0; s < g.kw; s++) {
            const ix = ox * g.sw - g.pl + s * g.dw;
            if (ix >= 0 && ix < g.w) best = Math.max(best, xs[base + iy * g.w + ix]!);
          }
        }
        out[o++] = best;
      }
    }
  }
  ctx.events.digitalAdds(float ? 32 : 8, out.length * (g.kh * g.kw - 1));
  const result = { type: x.type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

function sameType(ctx: DigitalContext, x: SimTensor, type: SimTensor['type']): void {
  if (x.type !== type) throw programError(ctx.op, `operand is ${x.type} but result '${single(ctx).desc.name}' is ${type}`);
}

/**
 * `avgpool` {kernel, strides, pads, dilations, zeroPoint, countIncludePad}: per window the exact sum
 * S of (x − zeroPoint) over the taps inside the operand and the divisor n (those taps, or with
 * countIncludePad = 1 the taps inside the explicitly padded operand), then
 * `y = clamp(zeroPoint + ⌊(2S + n) / (2n)⌋)`: the mean rounded half up, same scale in and out. A
 * global average pool is a window of the whole plane. (The float division is exact enough: for
 * |2S + n| < 2^53 a non-integer quotient is at least 1/(2n) from the next integer, more than its
 * rounding error, so the floor is the integer one.)
 *
 * On f32 (no `zeroPoint`): `y = f32(S / n)` with S the sum of the taps inside the operand in double
 * precision, in window order.
 */
export const avgpool: DigitalKernel = (ctx) => {
  const slot = single(ctx);
  const x = operand(ctx, 0);
  if (x.type === 'f32' || slot.desc.type === 'f32') return avgpoolFloat(ctx, x);
  const xs = requireInteger(x, 'avgpool');
  if (x.type === 'i32') throw programError(ctx.op, 'pools u8/i8 tensors only');
  const g = windowOf(ctx, x, slot.shape);
  const [lo, hi] = integerRange(x.type);
  const zp = integerAttr(ctx.op, 'zeroPoint', lo, hi);
  const includePad = integerAttr(ctx.op, 'countIncludePad', 0, 1) === 1;
  const out = allocate(x.type, sizeOf(slot.shape));
  let o = 0;
  for (let pc = 0; pc < g.planes; pc++) {
    const base = pc * g.h * g.w;
    for (let oy = 0; oy < g.p; oy++) {
      for (let ox = 0; ox < g.q; ox++) {
        let sum = 0;
        for (let r = 0; r < g.kh; r++) {
          const iy = oy * g.sh - g.pt + r * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let s = 0; s < g.kw; s++) {
            const ix = ox * g.sw - g.pl + s * g.dw;
            if (ix >= 0 && ix < g.w) sum += xs[base + iy * g.w + ix]! - zp;
          }
        }
        const n = windowCount(g, oy, ox, includePad);
        if (n === 0) throw programError(ctx.op, `window (${oy}, ${ox}) covers no element to average`);
        out[o++] = clamp(zp + Math.floor((2 * sum + n) / (2 * n)), lo, hi);
      }
    }
  }
  ctx.events.digitalAdds(16, out.length * g.kh * g.kw);
  ctx.events.digitalMacs(16, out.length);
  const result = { type: x.type, shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
};

/** Taps of a window inside the operand, or inside the explicitly padded operand (countIncludePad). */
function windowCount(g: Window, oy: number, ox: number, includePad: boolean): number {
  let rows = 0;
  let cols = 0;
  for (let r = 0; r < g.kh; r++) {
    const iy = oy * g.sh - g.pt + r * g.dh;
    if (iy >= (includePad ? -g.pt : 0) && iy < (includePad ? g.h + g.pb : g.h)) rows++;
  }
  for (let s = 0; s < g.kw; s++) {
    const ix = ox * g.sw - g.pl + s * g.dw;
    if (ix >= (includePad ? -g.pl : 0) && ix < (includePad ? g.w + g.pr : g.w)) cols++;
  }
  return rows * cols;
}

/** The f32 form of `avgpool`: the window mean in double precision, rounded to f32 once. */
function avgpoolFloat(ctx: DigitalContext, x: SimTensor): SimTensor[] {
  const slot = single(ctx);
  sameType(ctx, x, slot.desc.type);
  const xs = requireFloat(x, 'avgpool');
  rejectAttrs(ctx.op, ['zeroPoint'], 'f32');
  const g = windowOf(ctx, x, slot.shape);
  const includePad = integerAttr(ctx.op, 'countIncludePad', 0, 1) === 1;
  const out = new Float32Array(sizeOf(slot.shape));
  let o = 0;
  for (let pc = 0; pc < g.planes; pc++) {
    const base = pc * g.h * g.w;
    for (let oy = 0; oy < g.p; oy++) {
      for (let ox = 0; ox < g.q; ox++) {
        let sum = 0;
        for (let r = 0; r < g.kh; r++) {
          const iy = oy * g.sh - g.pt + r * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let s = 0; s < g.kw; s++) {
            const ix = ox * g.sw - g.pl + s * g.dw;
            if (ix >= 0 && ix < g.w) sum += xs[base + iy * g.w + ix]!;
          }
        }
        const n = windowCount(g, oy, ox, includePad);
        if (n === 0) throw programError(ctx.op, `window (${oy}, ${ox}) covers no element to average`);
        out[o++] = sum / n;
      }
    }
  }
  ctx.events.digitalAdds(32, out.length * g.kh * g.kw);
  ctx.events.digitalMacs(32, out.length);
  const result: SimTensor = { type: 'f32', shape: slot.shape, data: out };
  countTraffic(ctx, [result]);
  return [result];
}
