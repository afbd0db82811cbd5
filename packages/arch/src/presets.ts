import { PimcError } from '@pimc/support';
import type { Chip } from './chip.js';
import { DEFAULT_PRESET, PRESET_DEFINITIONS } from './preset-data.js';
import { closestMatch } from './suggest.js';
import { resolvePresetJson } from './validate.js';

export { DEFAULT_PRESET } from './preset-data.js';

export interface PresetInfo {
  readonly name: string;
  readonly summary: string;
  /** The preset it extends, if any. */
  readonly extends: string | undefined;
}

/** The built-in presets, the default (`isaac`) first. */
export function listPresets(): readonly PresetInfo[] {
  return PRESET_DEFINITIONS.map((p) => ({
    name: p.name,
    summary: p.summary,
    extends: typeof p.json.extends === 'string' ? p.json.extends : undefined,
  }));
}

/** True when `name` is a built-in preset. */
export function isPreset(name: string): boolean {
  return PRESET_DEFINITIONS.some((p) => p.name === name);
}

/** A built-in preset, validated and frozen. An unknown name is an error listing the presets. */
export function getPreset(name: string = DEFAULT_PRESET): Chip {
  const preset = PRESET_DEFINITIONS.find((p) => p.name === name);
  if (preset === undefined) {
    const names = PRESET_DEFINITIONS.map((p) => p.name);
    const guess = closestMatch(name, names);
    throw new PimcError(
      'invalid-chip',
      `unknown chip preset '${name}'${guess === undefined ? '' : `; did you mean '${guess}'?`}`,
      {
        notes: [`presets: ${names.join(', ')}`, 'or give a chip description file (JSON) that may "extends" one of them'],
      },
    );
  }
  return resolvePresetJson(preset.json, []);
}
