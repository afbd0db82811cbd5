import { readFileSync } from 'node:fs';
import { getPreset, isPreset, parseChip, type Chip } from '@pimc/arch';
import { PimcError } from '@pimc/support';

/** A chip from a preset name (`isaac`, `raella`, …) or a JSON description file that may extend one. */
export function loadChip(presetOrPath = 'isaac'): Chip {
  if (isPreset(presetOrPath)) return getPreset(presetOrPath);
  let text: string;
  try {
    text = readFileSync(presetOrPath, 'utf8');
  } catch (e) {
    if (!presetOrPath.includes('.') && !presetOrPath.includes('/')) return getPreset(presetOrPath); // names the presets
    throw new PimcError('io', `cannot read chip description '${presetOrPath}': ${(e as Error).message}`, { cause: e });
  }
  return parseChip(text, { file: presetOrPath });
}
