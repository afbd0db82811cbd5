import { getPreset } from '@pimc/arch';
import {
  PIMB_FORMAT_VERSION,
  type CamTable,
  type Instruction,
  type LutMvm,
  type MvmGeometry,
  type Program,
  type TensorDesc,
} from '@pimc/isa';

/*
 * Hand-built RAPIDNN programs for the simulator's own tests (no compiler involved), and plain
 * reference implementations of the lookup layer and the CAM search to compare the simulator with.
 */

export const rapidnnChip = getPreset('rapidnn');

/** The codebook 0, 1, …, n − 1 (the values do not matter to a lut-mvm, only their count). */
export function codebookOf(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i);
}

/** A conv geometry with its output size worked out. */
export function convGeometry(
  inShape: readonly [number, number, number],
  m: number,
  kernel: readonly [number, number],
  options: {
    strides?: [number, number];
    pads?: [number, number, number, number];
    dilations?: [number, number];
    groups?: number;
  } = {},
): MvmGeometry {
  const strides = options.strides ?? [1, 1];
  const pads = options.pads ?? [0, 0, 0, 0];
  const dilations = options.dilations ?? [1, 1];
  const size = (axis: 0 | 1) =>
    Math.floor(
      (inShape[axis + 1]! + pads[axis]! + pads[axis + 2]! - (dilations[axis]! * (kernel[axis]! - 1) + 1)) / strides[axis]!,
    ) + 1;
  return { inShape, outShape: [m, size(0), size(1)], kernel, strides, pads, dilations, groups: options.groups ?? 1 };
}

export interface LutLayerSpec {
  readonly geometry: MvmGeometry;
  readonly kW: number;
  readonly kU: number;
  readonly weightIndices: Uint8Array;
  readonly lut: Int32Array;
  readonly lutBits?: number;
  readonly lutScale?: number;
  readonly bias?: Int32Array;
  readonly activation?: LutMvm['activation'];
  /** Clusters of the output index tensor (with an activation). */
  readonly outClusters?: number;
  readonly blocks?: number;
  readonly batch?: number;
}

/** One lut-mvm from the index input `x` (a program input) to `y`. */
export function lutProgram(spec: LutLayerSpec): Program {
  const batch = spec.batch ?? 1;
  const g = spec.geometry;
  const [m] = g.outShape;
  const x: TensorDesc = { id: 0, name: 'x', type: 'u8', shape: [batch, ...g.inShape], codebook: codebookOf(spec.kU) };
  const y: TensorDesc =
    spec.activation === undefined
      ? { id: 1, name: 'y', type: 'f32', shape: [batch, ...g.outShape] }
      : { id: 1, name: 'y', type: 'u8', shape: [batch, ...g.outShape], codebook: codebookOf(spec.outClusters ?? 256) };
  const layer: LutMvm = {
    op: 'lut-mvm',
    name: 'layer',
    input: 0,
    output: 1,
    geometry: g,
    weightIndices: spec.weightIndices,
    kW: spec.kW,
    kU: spec.kU,
    lut: spec.lut,
    lutBits: spec.lutBits ?? 16,
    lutScale: spec.lutScale ?? 1,
    bias: spec.bias ?? new Int32Array(m),
    ...(spec.activation === undefined ? {} : { activation: spec.activation }),
    blocks: Array.from({ length: spec.blocks ?? 1 }, (_, i) => ({ tile: Math.floor(i / 8), block: i % 8 })),
  };
  return programOf([x, y], [layer], [0], [1]);
}

export function programOf(
  tensors: readonly TensorDesc[],
  instructions: readonly Instruction[],
  inputs: readonly number[],
  outputs: readonly number[],
): Program {
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip: rapidnnChip,
    tensors,
    crossbars: [],
    instructions,
    inputs,
    outputs,
    metadata: { source: 'hand-built RAPIDNN test program' },
  };
}

/** The CAM by brute force: the first entry at the smallest distance on the compared bits. */
export function referenceCamSearch(cam: CamTable, query: number): number {
  const lo = -(2 ** (cam.keyBits - 1));
  const hi = 2 ** (cam.keyBits - 1) - 1;
  const shift = cam.keyBits - cam.camBits;
  const q = Math.floor(Math.min(hi, Math.max(lo, query)) / 2 ** shift);
  let best = 0;
  let bestDistance = Infinity;
  cam.keys.forEach((key, i) => {
    const d = Math.abs(Math.floor(key / 2 ** shift) - q);
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return cam.values[best]!;
}

/**
 * The lookup layer by its definition, one neuron at a time: accumulators [N][M][P][Q] of
 * bias + Σ over the taps inside the input of lut[table(m)][iW[m][k]][x].
 */
export function referenceAccumulators(spec: LutLayerSpec, x: Uint8Array): number[] {
  const g = spec.geometry;
  const [c, h, w] = g.inShape;
  const [m, p, q] = g.outShape;
  const [kh, kw] = g.kernel;
  const cg = c / g.groups;
  const mg = m / g.groups;
  const depth = cg * kh * kw;
  const perTable = spec.kW * spec.kU;
  const tables = spec.lut.length / perTable;
  const out: number[] = [];
  for (let n = 0; n < (spec.batch ?? 1); n++) {
    for (let oc = 0; oc < m; oc++) {
      const group = Math.floor(oc / mg);
      const t = tables === 1 ? 0 : oc;
      for (let oy = 0; oy < p; oy++) {
        for (let ox = 0; ox < q; ox++) {
          let acc = spec.bias?.[oc] ?? 0;
          for (let ic = 0; ic < cg; ic++) {
            for (let r = 0; r < kh; r++) {
              for (let s = 0; s < kw; s++) {
                const iy = oy * g.strides[0] - g.pads[0] + r * g.dilations[0];
                const ix = ox * g.strides[1] - g.pads[1] + s * g.dilations[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const k = (ic * kh + r) * kw + s;
                const u = x[((n * c + group * cg + ic) * h + iy) * w + ix]!;
                const wi = spec.weightIndices[oc * depth + k]!;
                acc += spec.lut[(t * spec.kW + wi) * spec.kU + u]!;
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
