import { CrossbarLayer, type CrossbarTile } from '@pimc/kernels';
import { foldableBits } from './fold.js';
import type { PreparedMvm } from './prepare.js';

/**
 * The crossbar-mvm as a WebAssembly layer (@pimc/kernels' CrossbarLayer), when its arithmetic is
 * all integers: no device noise and an ADC with lsb 1, so a conversion is the column sum itself,
 * clipped. Then the result is the exact integer product Σ x·w (w = stored − offset + center, the
 * true weights: Center+Offset's digital center · Σx is part of the product) plus, for every
 * conversion that clips (under speculation: every recovery conversion of a failed column that
 * clips), (clipped − sum) at its place value; the 32-bit accumulator wraps, and the layer wraps
 * every step the same way. Undefined when the layer does not qualify (the JavaScript kernels then
 * run it).
 */
export function wasmLayer(p: PreparedMvm): CrossbarLayer | undefined {
  const mvm = p.instruction;
  // Speculation takes the cells as two's-complement planes of one bit more: at most 8.
  if (p.noisy || mvm.adc.lsb !== 1 || p.cellBits > (p.speculation === undefined ? 8 : 7)) return undefined;
  const tiles = p.tilesByGroup.flat();
  const offset = mvm.weights.offset;
  // The weights must fit int16 and a column sum int32 (any cells the program check lets through).
  const widest = [...p.inputSlices, ...(p.speculation ?? [])].reduce((most, s) => Math.max(most, s.mask), 0);
  const groupM = p.groupOutputs;
  const weights = new Int16Array(p.instruction.geometry.groups * p.depth * groupM);
  for (const t of tiles) {
    const cell = Math.max(t.maxPositive, t.maxNegative);
    if (t.tile.rowCount * widest * cell >= 2 ** 31) return undefined;
    const { group, rowStart, rowCount, channelStart, channelCount } = t.tile;
    const stored = t.stored;
    const centers = t.centers;
    for (let r = 0, i = 0; r < rowCount; r++) {
      const at = (group * p.depth + rowStart + r) * groupM + channelStart;
      for (let ch = 0; ch < channelCount; ch++, i++) {
        const w = stored[i]! - offset + (centers === undefined ? 0 : centers[ch]!);
        if (w < -32768 || w > 32767) return undefined;
        weights[at + ch] = w;
      }
    }
  }
  const zp = mvm.inputs.zeroPoint;
  // The accumulator starts at bias − zp·Σw (exact in a double, then wrapped like the register).
  const init = Int32Array.from(mvm.bias, (b, m) => b - zp * p.weightSums[m]!);
  const kernelTiles: CrossbarTile[] = tiles.map((t) => {
    const plane = t.image.rows * t.image.columns;
    const differential = t.image.levels.length === 2 * plane;
    return {
      group: t.tile.group,
      rowStart: t.tile.rowStart,
      rowCount: t.tile.rowCount,
      channelStart: t.tile.channelStart,
      channelCount: t.tile.channelCount,
      levels: t.image.levels,
      offset: 0,
      stride: t.image.columns,
      negativeOffset: differential ? plane : undefined,
      maxPositive: t.maxPositive,
      maxNegative: t.maxNegative,
      alwaysFold: foldableBits(p, t) !== 0,
    };
  });
  const g = mvm.geometry;
  return new CrossbarLayer({
    inShape: [p.inC, p.inH, p.inW],
    outShape: [p.outM, p.outP, p.outQ],
    kernel: [p.kernelH, p.kernelW],
    strides: g.strides,
    dilations: g.dilations,
    pads: [g.pads[0], g.pads[1]],
    groups: g.groups,
    signedInput: p.passes === 2,
    zeroPoint: zp,
    weights,
    init,
    multiplier: mvm.multiplier,
    shift: mvm.shift,
    signedOutput: p.output.type === 'i8',
    outputZeroPoint: mvm.outputZeroPoint,
    clampMin: mvm.clampMin,
    clampMax: mvm.clampMax,
    adcMin: p.adcMin,
    adcMax: p.adcMax,
    inputSlices: p.inputSlices.map((s) => ({ shift: s.shift, width: s.width })),
    speculation: p.speculation?.map((s) => ({ shift: s.shift, width: s.width })),
    weightShifts: p.weightSlices.map((s) => s.shift),
    cellBits: p.cellBits,
    tiles: kernelTiles,
  });
}
