import { requireMacro, type Chip } from '@pimc/arch';
import { integerRange, type Node, type PimQConvAttrs, type PimQGemmAttrs, type Tensor } from '@pimc/ir';
import type { CrossbarMvm, MvmGeometry, MvmTile, TensorDesc } from '@pimc/isa';
import { PimcError, withLocation } from '@pimc/support';
import {
  adcSpec,
  cellTable,
  inputEncoding,
  magnitudeCellTable,
  MAX_STORED_MAGNITUDE,
  weightEncoding,
  type WeightScheme,
} from './encoding.js';

/** A crossbar image before placement: its contents, not yet its place on the chip. */
export interface UnplacedCrossbar {
  readonly id: number;
  readonly rows: number;
  readonly columns: number;
  /** Row-major cell levels; two planes (positive, negative) on a differential chip. */
  readonly levels: Uint8Array;
  /** The instruction it belongs to (placement keeps a layer's crossbars together). */
  readonly layer: string;
}

export interface MvmLoweringOptions {
  readonly weightScheme?: WeightScheme | undefined;
  readonly adcLsb?: number | undefined;
}

export interface LoweredMvm {
  readonly instruction: CrossbarMvm;
  readonly crossbars: readonly UnplacedCrossbar[];
}

function fail(node: Node, message: string, notes: readonly string[] = []): never {
  throw new PimcError('unsupported-model', message, { location: { node: node.name, opType: node.op }, notes });
}

/** The im2col geometry of a PimQConv (1-D convolutions as H = 1) or PimQGemm (a 1×1 conv on 1×1). */
function geometryOf(node: Node, x: TensorDesc, y: TensorDesc, w: Tensor): MvmGeometry {
  if (node.op === 'PimQGemm') {
    const [k, m] = [w.shape[1]!, w.shape[0]!];
    return {
      inShape: [k, 1, 1],
      outShape: [m, 1, 1],
      kernel: [1, 1],
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      groups: 1,
    };
  }
  const a = node.attrs as PimQConvAttrs;
  const rank = x.shape.length;
  if (rank === 4) {
    return {
      inShape: [x.shape[1]!, x.shape[2]!, x.shape[3]!],
      outShape: [y.shape[1]!, y.shape[2]!, y.shape[3]!],
      kernel: [w.shape[2]!, w.shape[3]!],
      strides: [a.strides[0]!, a.strides[1]!],
      pads: [a.pads[0]!, a.pads[1]!, a.pads[2]!, a.pads[3]!],
      dilations: [a.dilations[0]!, a.dilations[1]!],
      groups: a.group,
    };
  }
  if (rank === 3) {
    return {
      inShape: [x.shape[1]!, 1, x.shape[2]!],
      outShape: [y.shape[1]!, 1, y.shape[2]!],
      kernel: [1, w.shape[2]!],
      strides: [1, a.strides[0]!],
      pads: [0, a.pads[0]!, 0, a.pads[1]!],
      dilations: [1, a.dilations[0]!],
      groups: a.group,
    };
  }
  return fail(node, `only 1-D and 2-D convolutions map to crossbars; input '${x.name}' has rank ${rank}`);
}

/** Per-channel list from a one-or-M attribute. */
function perChannel(values: readonly number[], channels: number): Int32Array {
  return Int32Array.from({ length: channels }, (_, m) => values[values.length === 1 ? 0 : m]!);
}

/**
 * Lowers a PimQConv or PimQGemm to a crossbar-mvm (docs/lowering.md): im2col rows K = C/g·R·S
 * (row k = (c·R + r)·S + s), per group row tiles of the crossbar's rows and column tiles of
 * ⌊columns / slices⌋ channels, each tile one crossbar image with the weights' cell levels from
 * row 0 and column 0 (channel-major, slice-minor); input, weight and ADC encodings from the chip;
 * bias, multipliers, shifts, zero points and clamp bounds from the node.
 */
export function lowerMvm(
  node: Node,
  x: TensorDesc,
  y: TensorDesc,
  chip: Chip,
  options: MvmLoweringOptions,
  nextCrossbar: () => number,
): LoweredMvm {
  const w = node.inputs[1]?.constant;
  if (w === undefined || w.dtype !== 'int8') fail(node, 'its weights W are not an int8 constant');
  const bias = node.inputs[2];
  if (bias !== undefined && (bias.constant === undefined || bias.constant.dtype !== 'int32')) {
    fail(node, 'its bias B is not an int32 constant');
  }
  const a = node.attrs as PimQConvAttrs | PimQGemmAttrs;
  const geometry = geometryOf(node, x, y, w);
  const macro = requireMacro(chip, 'crossbar lowering');
  const { rows, columns } = macro.crossbar;
  const planes = macro.crossbar.cell === 'differential-2t2r' ? 2 : 1;
  const weights = withNode(node, () => weightEncoding(chip, options.weightScheme, a.weight_slices));
  const slices = weights.slices.length;
  const channelsPerCrossbar = Math.floor(columns / slices);
  if (channelsPerCrossbar < 1) {
    throw new PimcError('invalid-chip', `chip '${chip.name}': a weight takes ${slices} columns but a crossbar has ${columns}`, {
      location: { node: node.name, opType: node.op },
    });
  }
  const groups = geometry.groups;
  const [outChannels] = geometry.outShape;
  const groupOutputs = outChannels / groups;
  const depth = (geometry.inShape[0] / groups) * geometry.kernel[0] * geometry.kernel[1];
  const wd = w.data as Int8Array;
  if (wd.length !== outChannels * depth) {
    fail(node, `W [${w.shape.join(', ')}] does not hold ${outChannels} × ${depth} weights`);
  }
  const centers = centersOf(node, a, weights.scheme, rows, outChannels, depth);
  const rowTiles = Math.ceil(depth / rows);

  // Offset binary stores w + offset; differential cells store w − center in sign-magnitude.
  const table = weights.scheme === 'offset' ? cellTable(weights) : magnitudeCellTable(weights.slices);
  // Row of a stored value in the table: offset binary is indexed by w + 128, differential by v + 255.
  const tableBase = weights.scheme === 'offset' ? 128 : MAX_STORED_MAGNITUDE;
  const tiles: MvmTile[] = [];
  const crossbars: UnplacedCrossbar[] = [];
  const plane = rows * columns;
  for (let group = 0; group < groups; group++) {
    for (let channelStart = 0; channelStart < groupOutputs; channelStart += channelsPerCrossbar) {
      const channelCount = Math.min(channelsPerCrossbar, groupOutputs - channelStart);
      for (let rowStart = 0; rowStart < depth; rowStart += rows) {
        const rowCount = Math.min(rows, depth - rowStart);
        const levels = new Uint8Array(plane * planes);
        const tileCenters = centers === undefined ? undefined : new Int16Array(channelCount);
        for (let ch = 0; ch < channelCount; ch++) {
          const m = group * groupOutputs + channelStart + ch;
          const center = centers === undefined ? 0 : centers[m * rowTiles + rowStart / rows]!;
          if (tileCenters !== undefined) tileCenters[ch] = center;
          const base = m * depth + rowStart;
          for (let r = 0; r < rowCount; r++) {
            const from = (wd[base + r]! - center + tableBase) * slices;
            const at = r * columns + ch * slices;
            for (let s = 0; s < slices; s++) levels[at + s] = table.positive[from + s]!;
            if (planes === 2) for (let s = 0; s < slices; s++) levels[plane + at + s] = table.negative[from + s]!;
          }
        }
        const id = nextCrossbar();
        crossbars.push({ id, rows, columns, levels, layer: node.name });
        tiles.push({
          group,
          rowStart,
          rowCount,
          channelStart,
          channelCount,
          crossbar: id,
          ...(tileCenters === undefined ? {} : { centers: tileCenters }),
        });
      }
    }
  }

  const [lo, hi] = integerRange(y.type === 'i8' ? 'int8' : 'uint8');
  const instruction: CrossbarMvm = {
    op: 'crossbar-mvm',
    name: node.name,
    input: x.id,
    output: y.id,
    geometry,
    weights,
    inputs: withNode(node, () => inputEncoding(chip, a.x_zero_point, x.type === 'i8', a.input_speculation)),
    adc: adcSpec(chip, options.adcLsb),
    tiles,
    bias: bias === undefined ? new Int32Array(outChannels) : Int32Array.from(bias.constant!.data as Int32Array),
    multiplier: perChannel(a.multiplier, outChannels),
    shift: perChannel(a.shift, outChannels),
    outputZeroPoint: a.y_zero_point,
    clampMin: Math.max(a.y_min, lo),
    clampMax: Math.min(a.y_max, hi),
  };
  return { instruction, crossbars };
}

/** Runs `f`, naming the node in any error it throws. */
function withNode<T>(node: Node, f: () => T): T {
  return withLocation({ node: node.name, opType: node.op }, f);
}

/**
 * The layer's Center+Offset centers ([M][row tiles], from raella-encode), checked against the
 * chip: they need differential cells and must have been computed for the chip's row tiles.
 */
function centersOf(
  node: Node,
  a: PimQConvAttrs | PimQGemmAttrs,
  scheme: WeightScheme,
  rows: number,
  outChannels: number,
  depth: number,
): readonly number[] | undefined {
  if (a.weight_centers.length === 0) return undefined;
  if (scheme !== 'differential') {
    fail(node, 'it has Center+Offset centers, which need differential (2T2R) weights', [
      'compile for a chip with tiles.macro.crossbar.cell = differential-2t2r, or drop raella-encode',
    ]);
  }
  if (a.center_rows !== rows) {
    fail(node, `its centers were computed for ${a.center_rows}-row tiles, but the chip's crossbars have ${rows} rows`, [
      `run raella-encode{rows=${rows}} for this chip`,
    ]);
  }
  const expected = outChannels * Math.ceil(depth / rows);
  if (a.weight_centers.length !== expected) {
    fail(node, `it has ${a.weight_centers.length} centers, expected ${expected} (one per channel and row tile)`);
  }
  return a.weight_centers;
}
