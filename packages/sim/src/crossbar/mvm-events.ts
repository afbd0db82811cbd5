import type { Chip } from '@pimc/arch';
import { EventTally } from '../event-tally.js';
import type { MvmStats } from './mvm-stats.js';
import type { PreparedMvm } from './prepare.js';

/**
 * The events of one output position of one image of a crossbar-mvm that do not depend on the data
 * (docs/simulator.md, "Event counting"): the hardware drives every slice and converts every used
 * column whatever the values (no zero skipping), so the layer's counts are these times N·P·Q. Under
 * speculation the recovery conversions depend on the data: `addDataEvents` adds them from the run.
 */
export function mvmPositionEvents(p: PreparedMvm, chip: Chip): EventTally {
  const t = new EventTally();
  const mvm = p.instruction;
  const busBits = chip.tiles.edramBusBits;
  const centerOffset = chip.tiles.macro?.centerOffset;
  let channelTiles = 0;
  for (const tile of p.tilesByGroup.flat()) {
    const { rowCount, channelCount } = tile.tile;
    // The tile's slice of the input vector: from eDRAM into the macro's input register.
    t.bufRead('edram', Math.ceil((rowCount * 8) / busBits));
    t.bufWrite('macroInput', Math.ceil((rowCount * 8) / 32));
    for (let pass = 0; pass < p.passes; pass++) {
      // A crossbar cycle: one pulse train of `width` bits on every row of the tile. The cell array
      // draws current on the driven rows and is sensed on the used columns: the activation is
      // priced by the cells in use (docs/cost-model.md), not by the physical array.
      const cycle = (width: number) => {
        t.xbActivations(rowCount, tile.columns, 1);
        t.dacDrives(width, rowCount);
        t.bufRead('macroInput', Math.ceil((rowCount * width) / 32));
      };
      if (p.speculation === undefined) {
        for (const slice of p.inputSlices) {
          cycle(slice.width);
          t.adcConverts(mvm.adc.bits, tile.columns);
          t.shiftAdds(tile.columns);
        }
      } else {
        // Every speculative slice converts every column; the recovery cycles (one per input bit)
        // drive the whole array, but only the failed columns are converted (counted by the run).
        for (const slice of p.speculation) {
          cycle(slice.width);
          t.adcConverts(mvm.adc.bits, tile.columns);
          t.shiftAdds(tile.columns);
        }
        for (let b = 0; b < mvm.inputs.bits; b++) cycle(1);
      }
    }
    // One 32-bit partial sum per channel, written by the shift-add units and read back for the digital tail.
    t.bufWrite('macroOutput', channelCount);
    t.bufRead('macroOutput', channelCount);
    channelTiles += channelCount;
    if (tile.centers !== undefined) {
      // Center+Offset: the macro's running input sum over the tile's rows, then center · Σx per channel.
      const sumBits = centerOffset?.inputSumBits ?? 16;
      t.digitalAdds(sumBits, rowCount);
      t.digitalMacs(centerMacBits(centerOffset?.centerBits ?? 8, sumBits), channelCount);
    }
  }
  const groups = mvm.geometry.groups;
  const m = p.outM;
  // Partial sums of the row tiles of a channel are added: one add per extra row tile.
  t.digitalAdds(32, channelTiles - m);
  if (mvm.weights.offset !== 0) {
    // The running input sum Σx of each group (the offset correction), then one multiply-add per channel.
    t.digitalAdds(16, groups * p.depth);
    t.digitalAdds(32, m);
  }
  // Bias and the zero-point term zp·Σw are one precomputed constant per channel: one add.
  t.digitalAdds(32, m);
  // Requantization: one 24-bit multiply per output, then the zero point.
  t.digitalMacs(24, m);
  t.digitalAdds(8, m);
  t.bufWrite('tileOutput', Math.ceil((m * 8) / 32));
  t.bufWrite('edram', Math.ceil((m * 8) / busBits));
  return t;
}

/**
 * The `digitalMACs` key of a center multiply-add (centerBits × inputSumBits, 8 × 16 on RAELLA): a
 * MAC of b bits costs a b×b multiply ∝ b², so √(centerBits · inputSumBits) bits prices the
 * multiplier by the product of its operand widths (8 × 16 → 11 bits ≈ 0.38 pJ, vs 0.2 pJ for 8 × 8).
 */
export function centerMacBits(centerBits: number, inputSumBits: number): number {
  return Math.round(Math.sqrt(centerBits * inputSumBits));
}

/** The events that depend on the data: under speculation, each recovery conversion and its shift-add. */
export function addDataEvents(p: PreparedMvm, stats: MvmStats, tally: EventTally): void {
  if (stats.recoveryConversions === 0) return;
  tally.adcConverts(p.instruction.adc.bits, stats.recoveryConversions);
  tally.shiftAdds(stats.recoveryConversions);
}
