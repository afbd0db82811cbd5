import { crossbarsPerChip, isPreset, requireMacro, type Chip } from '@pimc/arch';
import type { CrossbarImage } from '@pimc/isa';
import { PimcError } from '@pimc/support';
import type { UnplacedCrossbar } from './lower-mvm.js';

export interface PlacementOptions {
  /**
   * `dense` (default): crossbars fill the chip in order, tile by tile, macro by macro.
   * `macro`: each layer starts on a fresh macro, so no macro's ADCs and input register serve two layers.
   */
  readonly align?: 'dense' | 'macro';
}

/**
 * Assigns every crossbar image a physical crossbar (tile, macro, index), in order, layer by layer.
 * Kept apart from lowering so a later schedule can place several images on one crossbar over time
 * (weight streaming). A model that does not fit is an error naming what it needs and what the
 * chip has.
 */
export function placeCrossbars(
  crossbars: readonly UnplacedCrossbar[],
  chip: Chip,
  options: PlacementOptions = {},
): CrossbarImage[] {
  const macro = requireMacro(chip, 'placement');
  const perMacro = macro.crossbar.count;
  const perTile = macro.count * perMacro;
  const available = crossbarsPerChip(chip);
  const slots: number[] = [];
  let next = 0;
  let layer: string | undefined;
  for (const c of crossbars) {
    if (c.rows !== macro.crossbar.rows || c.columns !== macro.crossbar.columns) {
      throw new PimcError(
        'internal',
        `crossbar image ${c.id} of '${c.layer}' is ${c.rows}×${c.columns}, chip '${chip.name}' has ${macro.crossbar.rows}×${macro.crossbar.columns}`,
      );
    }
    if (options.align === 'macro' && layer !== undefined && c.layer !== layer) next = Math.ceil(next / perMacro) * perMacro;
    layer = c.layer;
    slots.push(next++);
  }
  if (next > available) throw doesNotFit(crossbars, next, chip, perTile);
  return crossbars.map((c, i) => {
    const slot = slots[i]!;
    return {
      id: c.id,
      tile: Math.floor(slot / perTile),
      macro: Math.floor(slot / perMacro) % macro.count,
      index: slot % perMacro,
      rows: c.rows,
      columns: c.columns,
      levels: c.levels,
    };
  });
}

function doesNotFit(crossbars: readonly UnplacedCrossbar[], needed: number, chip: Chip, perTile: number): PimcError {
  const macro = requireMacro(chip, 'placement');
  const byLayer = new Map<string, number>();
  for (const c of crossbars) byLayer.set(c.layer, (byLayer.get(c.layer) ?? 0) + 1);
  const largest = [...byLayer].sort((a, b) => b[1] - a[1]).slice(0, 5);
  const tiles = Math.ceil(needed / perTile);
  const base = isPreset(chip.name) ? chip.name : (chip.basedOn.at(-1) ?? chip.name);
  return new PimcError(
    'unsupported-model',
    `the model needs ${needed} crossbars but chip '${chip.name}' has ${crossbarsPerChip(chip)} ` +
      `(${chip.tiles.count} tiles × ${macro.count} macros × ${macro.crossbar.count} crossbars)`,
    {
      notes: [
        `largest layers: ${largest.map(([name, n]) => `${name} ${n}`).join(', ')}`,
        `a chip with ${tiles} tiles fits it: {"extends": "${base}", "tiles": {"count": ${tiles}}}`,
        'weight streaming (reprogramming crossbars between layers) is not supported yet',
      ],
    },
  );
}
