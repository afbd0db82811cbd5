import type { Chip } from '@pimc/arch';
import { EventTally } from '../event-tally.js';
import type { PreparedMvm } from './prepare.js';

/**
 * The events of one output position of one image of a crossbar-mvm (docs/simulator.md, "Event
 * counting"). They do not depend on the data: the baseline hardware drives every slice and
 * converts every used column whatever the values (no zero skipping), so the layer's counts are
 * these times N·P·Q.
 */
export function mvmPositionEvents(p: PreparedMvm, chip: Chip): EventTally {
  const t = new EventTally();
  const mvm = p.instruction;
  const busBits = chip.tiles.edramBusBits;
  let channelTiles = 0;
  for (const tile of p.tilesByGroup.flat()) {
    const { rowCount, channelCount } = tile.tile;
    // The tile's slice of the input vector: from eDRAM into the macro's input register.
    t.bufRead('edram', Math.ceil((rowCount * 8) / busBits));
    t.bufWrite('macroInput', Math.ceil((rowCount * 8) / 32));
    for (let pass = 0; pass < p.passes; pass++) {
      for (const slice of p.inputSlices) {
        t.xbActivations(tile.image.rows, tile.image.columns, 1);
        t.dacDrives(slice.width, rowCount);
        t.bufRead('macroInput', Math.ceil((rowCount * slice.width) / 32));
        t.adcConverts(mvm.adc.bits, tile.columns);
        t.shiftAdds(tile.columns);
      }
    }
    // One 32-bit partial sum per channel, written by the shift-add units and read back for the digital tail.
    t.bufWrite('macroOutput', channelCount);
    t.bufRead('macroOutput', channelCount);
    channelTiles += channelCount;
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
