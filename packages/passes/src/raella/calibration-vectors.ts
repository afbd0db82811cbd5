import { pimConvWindow, type Node, type PimQConvAttrs, type Tensor } from '@pimc/ir';
import { PimcError, type Rng } from '@pimc/support';
import type { LayerVectors, RaellaLayer } from './layer-data.js';

/*
 * Calibration input vectors of a crossbar layer: the im2col vectors (one per output position, one
 * part per group) of the layer's recorded input activation codes, sampled without replacement.
 */

/** Layer input activation codes per PimQConv/PimQGemm node name ([N, C, ...spatial] or [N, K]). */
export type RaellaCalibration = ReadonlyMap<string, Tensor>;

/** `count` distinct integers of [0, total), ascending (all of them when total ≤ count): Floyd's sampling. */
export function samplePositions(total: number, count: number, rng: Rng): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = total - count; j < total; j++) {
    const t = rng.int(0, j);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** Up to `count` im2col vectors of `node` from its calibration input `x`, positions drawn with `rng`. */
export function sampleLayerVectors(node: Node, layer: RaellaLayer, x: Tensor, count: number, rng: Rng): LayerVectors {
  const expected = layer.signedInputs ? 'int8' : 'uint8';
  if (x.dtype !== expected) {
    throw new PimcError(
      'invalid-input',
      `layer ${node.name}: calibration activations are ${x.dtype}, the layer reads ${expected}`,
    );
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new PimcError('pipeline', `calibration vectors must be a positive integer, got ${count}`);
  }
  return node.op === 'PimQGemm' ? gemmVectors(node, layer, x, count, rng) : convVectors(node, layer, x, count, rng);
}

function gemmVectors(node: Node, layer: RaellaLayer, x: Tensor, count: number, rng: Rng): LayerVectors {
  if (x.rank !== 2 || x.shape[1] !== layer.depth) {
    throw new PimcError(
      'shape-mismatch',
      `layer ${node.name}: calibration activations [${x.shape.join(', ')}] are not [N, ${layer.depth}]`,
    );
  }
  const rows = samplePositions(x.shape[0]!, count, rng);
  const codes = new Int32Array(rows.length * layer.depth);
  const data = x.data as Uint8Array | Int8Array;
  rows.forEach((n, v) => codes.set(data.subarray(n * layer.depth, (n + 1) * layer.depth), v * layer.depth));
  return { count: rows.length, codes };
}

function convVectors(node: Node, layer: RaellaLayer, x: Tensor, count: number, rng: Rng): LayerVectors {
  const w = node.inputs[1]!.constant!;
  const attrs = node.attrs as unknown as PimQConvAttrs;
  const [batch, channels] = [x.shape[0]!, x.shape[1]!];
  const spatial = x.shape.slice(2);
  const kernel = w.shape.slice(2);
  const perGroup = w.shape[1]!;
  if (x.rank !== w.rank || channels !== perGroup * layer.groups) {
    throw new PimcError(
      'shape-mismatch',
      `layer ${node.name}: calibration activations [${x.shape.join(', ')}] do not fit W [${w.shape.join(', ')}] with group ${layer.groups}`,
    );
  }
  const window = pimConvWindow(spatial, kernel, attrs, `layer ${node.name}`);
  const rank = spatial.length;
  const outSize = window.output.reduce((a, b) => a * b, 1);
  const taps = kernel.reduce((a, b) => a * b, 1);
  const inSize = spatial.reduce((a, b) => a * b, 1);
  const positions = samplePositions(batch * outSize, count, rng);
  const data = x.data as Uint8Array | Int8Array;
  const codes = new Int32Array(positions.length * layer.groups * layer.depth);
  // Per kernel tap: its offset along each spatial axis.
  const tapOffsets = Array.from({ length: taps }, (_, tap) => {
    const r: number[] = new Array<number>(rank);
    for (let d = rank - 1, rest = tap; d >= 0; d--) {
      r[d] = (rest % kernel[d]!) * window.dilations[d]!;
      rest = Math.floor(rest / kernel[d]!);
    }
    return r;
  });
  const origin: number[] = new Array<number>(rank);
  // Input element offset of each tap at the current position (−1 in the padding).
  const tapAt = new Int32Array(taps);
  positions.forEach((position, v) => {
    const n = Math.floor(position / outSize);
    for (let d = rank - 1, rest = position % outSize; d >= 0; d--) {
      origin[d] = (rest % window.output[d]!) * window.strides[d]! - window.pads[d]!;
      rest = Math.floor(rest / window.output[d]!);
    }
    for (let tap = 0; tap < taps; tap++) {
      let at = 0;
      for (let d = 0; d < rank; d++) {
        const i = origin[d]! + tapOffsets[tap]![d]!;
        if (i < 0 || i >= spatial[d]!) {
          at = -1;
          break;
        }
        at = at * spatial[d]! + i;
      }
      tapAt[tap] = at;
    }
    for (let g = 0; g < layer.groups; g++) {
      const base = (v * layer.groups + g) * layer.depth;
      for (let c = 0; c < perGroup; c++) {
        const plane = (n * channels + g * perGroup + c) * inSize;
        for (let tap = 0; tap < taps; tap++) {
          const at = tapAt[tap]!;
          codes[base + c * taps + tap] = at < 0 ? layer.zeroPoint : data[plane + at]!;
        }
      }
    }
  });
  return { count: positions.length, codes };
}
