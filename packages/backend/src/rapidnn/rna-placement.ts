import type { Chip } from '@pimc/arch';
import type { LutBlockRef } from '@pimc/isa';
import { PimcError } from '@pimc/support';

/** What placement needs to know of a lut-mvm layer. */
export interface RnaDemand {
  readonly name: string;
  /** Output neurons per sample (M · P · Q): no layer gets more blocks than this. */
  readonly neurons: number;
  /** Table lookups per sample (neurons · depth): the share of the chip a layer gets. */
  readonly lookups: number;
}

/**
 * Shares the chip's RNA blocks (a LUT block and a CAM block of one tile; tiles.count × min(lut.count,
 * cam.count) of them) among the lut-mvm layers in proportion to their lookups, so that layers running
 * as a pipeline take similar times: every layer gets at least one block and never more blocks than
 * neurons; blocks a capped layer cannot use go to the others. Blocks are numbered tile-major and a
 * layer gets a contiguous run, so its blocks sit on as few tiles as possible.
 *
 * A chip with fewer blocks than layers cannot hold every table at once: layers then get one block
 * each, round-robin, and a block's table (and CAM) is rewritten when the next layer that uses it
 * runs — the schedule becomes layer-sequential. Per-output-channel tables are likewise rewritten
 * on a block whenever it moves to a neuron of another channel.
 */
export function placeRnaBlocks(layers: readonly RnaDemand[], chip: Chip): LutBlockRef[][] {
  const { lut, cam } = chip.tiles;
  if (lut === undefined || cam === undefined) {
    throw new PimcError(
      'chip-mismatch',
      `chip '${chip.name}' has no ${lut === undefined ? 'LUT' : 'CAM'} blocks to place lookup tables on`,
    );
  }
  const perTile = Math.min(lut.count, cam.count);
  const total = chip.tiles.count * perTile;
  const slot = (s: number): LutBlockRef => ({ tile: Math.floor(s / perTile), block: s % perTile });
  if (layers.length === 0) return [];
  if (layers.length >= total) return layers.map((_, l) => [slot(l % total)]);

  const counts = layers.map(() => 1);
  let spare = total - layers.length;
  let open = layers.map((_, i) => i).filter((i) => layers[i]!.neurons > 1);
  // Proportional shares of the spare blocks among the layers below their cap, until none is left:
  // whole shares first, then one each by the largest fraction when no share is whole.
  while (spare > 0 && open.length > 0) {
    const work = open.reduce((a, i) => a + layers[i]!.lookups, 0);
    const share = (i: number) => (work > 0 ? (spare * layers[i]!.lookups) / work : spare / open.length);
    let given = 0;
    for (const i of open) {
      const add = Math.min(Math.floor(share(i)), layers[i]!.neurons - counts[i]!);
      counts[i]! += add;
      given += add;
    }
    if (given === 0) {
      for (const i of [...open].sort((a, b) => share(b) - share(a) || a - b)) {
        if (given === spare) break;
        counts[i]!++;
        given++;
      }
    }
    spare -= given;
    open = open.filter((i) => counts[i]! < layers[i]!.neurons);
  }
  let next = 0;
  return counts.map((c) => Array.from({ length: c }, () => slot(next++)));
}
