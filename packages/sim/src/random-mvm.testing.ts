import { validateChip, type Chip } from '@pimc/arch';
import { PIMB_FORMAT_VERSION, type CrossbarImage, type CrossbarMvm, type MvmTile, type Program } from '@pimc/isa';
import type { Rng } from '@pimc/support';
import { cellsOf } from './program.testing.js';
import type { SimTensor } from './sim-tensor.js';

/*
 * Random crossbar layers for the simulator's own tests (no compiler involved): a convolution (any
 * groups, kernel, strides, dilations, padding) on differential (2T2R) cells, row and channel
 * tiling with odd row starts, Center+Offset centers and speculative input slicing on request.
 */

/** A RAELLA-like chip (2T2R, 4-bit cells and pulse-train DAC) with 64×48 arrays. */
export function smallRaellaChip(): Chip {
  return validateChip({
    extends: 'raella',
    name: 'raella-64x48',
    tiles: { macro: { crossbar: { rows: 64, columns: 48 } } },
  });
}

export interface RandomMvmOptions {
  readonly chip: Chip;
  /** Centers per tile and channel (Center+Offset); otherwise the cells hold the weights. */
  readonly centers: boolean;
  /** Speculative input slices, or undefined for the chip's DAC-wide slices. */
  readonly speculation: readonly number[] | undefined;
  /** The program's signed ADC resolution. */
  readonly adcBits: number;
  readonly weightSlices: readonly number[];
  /** Inputs near the top of their range (large column sums: failures and clipping). */
  readonly high?: boolean;
}

export interface RandomMvm {
  readonly program: Program;
  readonly input: SimTensor;
  readonly description: string;
}

/** A one-layer program computing a random convolution, and an input batch for it. */
export function randomMvmProgram(rng: Rng, options: RandomMvmOptions): RandomMvm {
  const { chip, weightSlices } = options;
  const macro = chip.tiles.macro!;
  const groups = rng.next() < 0.3 ? rng.int(2, 3) : 1;
  const gc = rng.int(1, rng.next() < 0.3 ? 20 : 5);
  const gm = rng.int(1, 12);
  const [kh, kw] = [rng.int(1, 3), rng.int(1, 3)];
  const strides = [rng.int(1, 2), rng.int(1, 2)] as const;
  const dilations = [rng.next() < 0.2 ? 2 : 1, 1] as const;
  const pads = [rng.int(0, 1), rng.int(0, 1), rng.int(0, 1), rng.int(0, 1)] as const;
  const spanH = (kh - 1) * dilations[0] + 1;
  const spanW = (kw - 1) * dilations[1] + 1;
  const h = Math.max(rng.int(1, 7), spanH);
  const w = Math.max(rng.int(1, 10), spanW);
  const outP = Math.floor((h + pads[0] + pads[2] - spanH) / strides[0]) + 1;
  const outQ = Math.floor((w + pads[1] + pads[3] - spanW) / strides[1]) + 1;
  const batch = rng.int(1, 2);
  const depth = gc * kh * kw;
  const [c, m] = [gc * groups, gm * groups];
  const signed = rng.next() < 0.4;
  const [lo, hi] = signed ? [-128, 127] : [0, 255];
  const zeroPoint = rng.int(lo, hi);

  // Weights [M][depth]: trained-like (small) or full range, sometimes all alike (zero offsets).
  const spread = rng.next() < 0.5 ? 127 : rng.int(2, 40);
  const alike = rng.next() < 0.1;
  const weights = Array.from({ length: m }, () => {
    const base = rng.int(-100, 100);
    return Array.from({ length: depth }, () =>
      alike ? base : Math.max(-128, Math.min(127, Math.round(rng.normal() * (spread / 2)))),
    );
  });

  const { rows, columns } = macro.crossbar;
  // At most 8 row tiles, often with odd starts.
  const rowsPerTile = Math.min(rows, rng.next() < 0.5 ? rows : rng.int(Math.max(3, Math.ceil(depth / 8)), rows));
  const channelsPerTile = rng.int(1, Math.floor(columns / weightSlices.length));
  const tiles: MvmTile[] = [];
  const crossbars: CrossbarImage[] = [];
  const perMacro = macro.crossbar.count;
  for (let g = 0; g < groups; g++) {
    for (let c0 = 0; c0 < gm; c0 += channelsPerTile) {
      for (let r0 = 0; r0 < depth; r0 += rowsPerTile) {
        const rowCount = Math.min(rowsPerTile, depth - r0);
        const channelCount = Math.min(channelsPerTile, gm - c0);
        const id = crossbars.length;
        const levels = new Uint8Array(2 * rows * columns);
        const centers = Int16Array.from({ length: channelCount }, (_, ch) => {
          if (!options.centers) return 0;
          const ws = weights[g * gm + c0 + ch]!.slice(r0, r0 + rowCount);
          const center = Math.round(ws.reduce((a, b) => a + b, 0) / rowCount) + rng.int(-2, 2);
          return Math.max(-128, Math.min(127, center));
        });
        for (let r = 0; r < rowCount; r++) {
          for (let ch = 0; ch < channelCount; ch++) {
            const value = weights[g * gm + c0 + ch]![r0 + r]! - centers[ch]!;
            const { pos, neg } = cellsOf(value, 'differential', weightSlices);
            const at = r * columns + ch * weightSlices.length;
            pos.forEach((l, s) => (levels[at + s] = l));
            neg.forEach((l, s) => (levels[rows * columns + at + s] = l));
          }
        }
        crossbars.push({
          id,
          tile: Math.floor(id / (perMacro * macro.count)),
          macro: Math.floor(id / perMacro) % macro.count,
          index: id % perMacro,
          rows,
          columns,
          levels,
        });
        tiles.push({
          group: g,
          rowStart: r0,
          rowCount,
          channelStart: c0,
          channelCount,
          crossbar: id,
          ...(options.centers ? { centers } : {}),
        });
      }
    }
  }
  // Tiles in a shuffled order: the simulator must not depend on it.
  tiles.sort(() => rng.next() - 0.5);

  const outSigned = rng.next() < 0.5;
  const [olo, ohi] = outSigned ? [-128, 127] : [0, 255];
  const typical = Math.sqrt(depth) * 60 * 40;
  const shift = Math.max(1, Math.min(63, Math.round(Math.log2((typical * 2 ** 23.5) / 40))));
  const mvm: CrossbarMvm = {
    op: 'crossbar-mvm',
    name: 'conv',
    input: 0,
    output: 1,
    geometry: {
      inShape: [c, h, w],
      outShape: [m, outP, outQ],
      kernel: [kh, kw],
      strides,
      pads,
      dilations,
      groups,
    },
    weights: { scheme: 'differential', offset: 0, slices: weightSlices },
    inputs: {
      zeroPoint,
      slices: options.speculation === undefined ? [4, 4] : new Array<number>(8).fill(1),
      bits: 8,
      signed,
      ...(options.speculation === undefined ? {} : { speculation: { slices: options.speculation } }),
    },
    adc: { bits: options.adcBits, signed: true, lsb: 1 },
    tiles,
    bias: Int32Array.from({ length: m }, () => rng.int(-30000, 30000)),
    multiplier: Int32Array.from({ length: m }, () => rng.int(2 ** 23, 2 ** 24 - 1)),
    shift: Int32Array.from({ length: m }, () => shift + rng.int(-2, 2)),
    outputZeroPoint: rng.int(olo, ohi),
    clampMin: olo,
    clampMax: ohi,
  };
  const program: Program = {
    formatVersion: PIMB_FORMAT_VERSION,
    chip,
    tensors: [
      { id: 0, name: 'x', type: signed ? 'i8' : 'u8', shape: [batch, c, h, w], scale: 1, zeroPoint },
      { id: 1, name: 'y', type: outSigned ? 'i8' : 'u8', shape: [batch, m, outP, outQ], scale: 1, zeroPoint: 0 },
    ],
    crossbars,
    instructions: [mvm],
    inputs: [0],
    outputs: [1],
    metadata: { source: 'random test layer' },
  };
  const n = batch * c * h * w;
  const sparse = rng.next() < 0.3;
  const draw = () => (options.high === true ? rng.int(hi - 60, hi) : sparse && rng.next() < 0.5 ? zeroPoint : rng.int(lo, hi));
  const data = signed ? Int8Array.from({ length: n }, draw) : Uint8Array.from({ length: n }, draw);
  const description =
    `x ${signed ? 'i8' : 'u8'}[${batch},${c},${h},${w}] zp ${zeroPoint} k ${kh}×${kw} s ${strides.join(',')} ` +
    `d ${dilations.join(',')} p ${pads.join(',')} g ${groups} m ${m} rows/tile ${rowsPerTile} ch/tile ${channelsPerTile} ` +
    `w [${weightSlices.join(',')}] spec [${options.speculation?.join(',') ?? ''}] adc ${options.adcBits} centers ${options.centers}`;
  return { program, input: { type: signed ? 'i8' : 'u8', shape: [batch, c, h, w], data }, description };
}

/**
 * The integer reference of a random layer: per output, clamp(zp_y + round_half_up((Σ (x − zp)·w +
 * b)·mult / 2^shift)) with the true weights w = center + the cells' value, from the program.
 */
export function integerReference(program: Program, input: SimTensor): number[] {
  const mvm = program.instructions[0] as CrossbarMvm;
  const g = mvm.geometry;
  const [c, h, w] = g.inShape;
  const [m, outP, outQ] = g.outShape;
  const gc = c / g.groups;
  const gm = m / g.groups;
  const [kh, kw] = g.kernel;
  const depth = gc * kh * kw;
  const weights = trueWeights(program, mvm, depth, gm);
  const batch = input.shape[0]!;
  const out: number[] = new Array<number>(batch * m * outP * outQ);
  const zp = mvm.inputs.zeroPoint;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outP; oy++) {
      for (let ox = 0; ox < outQ; ox++) {
        for (let mm = 0; mm < m; mm++) {
          const gi = Math.floor(mm / gm);
          let acc = mvm.bias[mm]!;
          let k = 0;
          for (let ci = 0; ci < gc; ci++) {
            for (let r = 0; r < kh; r++) {
              for (let s = 0; s < kw; s++, k++) {
                const iy = oy * g.strides[0] - g.pads[0] + r * g.dilations[0];
                const ix = ox * g.strides[1] - g.pads[1] + s * g.dilations[1];
                const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                const x = inside ? input.data[((n * c + gi * gc + ci) * h + iy) * w + ix]! : zp;
                acc += (x - zp) * weights[mm * depth + k]!;
              }
            }
          }
          const shift = BigInt(mvm.shift[mm]!);
          const half = shift === 0n ? 0n : 1n << (shift - 1n);
          const y = Number((BigInt(acc | 0) * BigInt(mvm.multiplier[mm]!) + half) >> shift) + mvm.outputZeroPoint;
          out[((n * m + mm) * outP + oy) * outQ + ox] = Math.min(mvm.clampMax, Math.max(mvm.clampMin, y));
        }
      }
    }
  }
  return out;
}

/** w[m][k] = center + Σ_i 2^shift_i · (positive − negative level), read back from the crossbar images. */
function trueWeights(program: Program, mvm: CrossbarMvm, depth: number, gm: number): Int32Array {
  const widths = mvm.weights.slices;
  const out = new Int32Array(mvm.geometry.outShape[0] * depth);
  for (const t of mvm.tiles) {
    const image = program.crossbars[t.crossbar]!;
    const plane = image.rows * image.columns;
    for (let r = 0; r < t.rowCount; r++) {
      for (let ch = 0; ch < t.channelCount; ch++) {
        let value = t.centers?.[ch] ?? 0;
        let end = 8;
        widths.forEach((width, i) => {
          end -= width;
          const at = r * image.columns + ch * widths.length + i;
          value += 2 ** end * (image.levels[at]! - image.levels[plane + at]!);
        });
        out[(t.group * gm + t.channelStart + ch) * depth + t.rowStart + r] = value - mvm.weights.offset;
      }
    }
  }
  return out;
}
