import { PimcError } from '@pimc/support';
import type { Chip } from './chip.js';
import { CHIP_SCHEMA, META_FIELDS, sourceKeys } from './chip-schema.js';
import { cloneJson, deepFreeze, isPlainObject, mergePatch } from './merge.js';
import { PRESET_DEFINITIONS } from './preset-data.js';
import { checkField, fieldAt, type Problem } from './schema.js';
import { closestMatch } from './suggest.js';

export interface ChipInputOptions {
  /** The file the description came from: named in errors and in the sources of user values. */
  readonly file?: string;
}

/**
 * Parses a chip description from JSON text (see `validateChip`). Malformed JSON is reported with
 * its line and column.
 */
export function parseChip(text: string, options: ChipInputOptions = {}): Chip {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new PimcError('invalid-chip', `chip description is not valid JSON${lineColumn(text, detail)}: ${detail}`, {
      location: options.file === undefined ? {} : { file: options.file },
    });
  }
  return validateChip(value, options);
}

/**
 * Validates a chip description (parsed JSON) and returns the resolved, deep-frozen `Chip`.
 *
 * - `"extends": "<preset>"` starts from that preset and applies the rest as a JSON merge patch:
 *   objects merge key by key, `null` removes an inherited optional block, other values replace.
 * - Every problem is collected; the error names the first one by its JSON path (for example
 *   `tiles.macro.crossbar.rows: must be at least 1, got 0`) and lists the others as notes.
 * - Values the user set get the source `[user]` (with the file name) unless `sources` says otherwise.
 */
export function validateChip(value: unknown, options: ChipInputOptions = {}): Chip {
  const userTag = options.file === undefined ? '[user]' : `[user] ${options.file}`;
  return resolveDescription(value, userTag, [], options.file);
}

/** Validates a preset's own JSON: overridden values without a source lose the inherited one. */
export function resolvePresetJson(json: unknown, chain: readonly string[]): Chip {
  return resolveDescription(json, undefined, chain, undefined);
}

function resolveDescription(
  value: unknown,
  userTag: string | undefined,
  chain: readonly string[],
  file: string | undefined,
): Chip {
  const problems: Problem[] = [];
  const merged = resolveExtends(value, userTag, chain, problems);
  if (merged !== undefined && problems.length === 0) {
    const checked = checkField(CHIP_SCHEMA, merged, '', problems);
    if (checked !== undefined && problems.length === 0) {
      crossFieldProblems(checked as Chip, problems);
      if (problems.length === 0) return deepFreeze(checked as Chip);
    }
  }
  throw chipError(problems, file);
}

/** Applies `extends` (recursively) and source attribution; returns the merged plain object. */
function resolveExtends(
  value: unknown,
  tag: string | undefined,
  chain: readonly string[],
  problems: Problem[],
): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    problems.push({
      path: '',
      message: `a chip description must be a JSON object, got ${Array.isArray(value) ? 'a list' : String(value)}`,
    });
    return undefined;
  }
  const { extends: baseName, ...patch } = value;
  if (baseName === undefined || baseName === null) {
    const own = mergePatch({}, patch) as Record<string, unknown>;
    attributeSources(own, patch, tag);
    return own;
  }
  if (typeof baseName !== 'string') {
    problems.push({ path: 'extends', message: `expected a preset name (string), got ${JSON.stringify(baseName)}` });
    return undefined;
  }
  const preset = PRESET_DEFINITIONS.find((p) => p.name === baseName);
  if (preset === undefined) {
    const names = PRESET_DEFINITIONS.map((p) => p.name);
    const guess = closestMatch(baseName, names);
    problems.push({
      path: 'extends',
      message: `unknown preset '${baseName}'${guess === undefined ? '' : `; did you mean '${guess}'?`}`,
      notes: [`presets: ${names.join(', ')}`],
    });
    return undefined;
  }
  if (chain.includes(baseName)) {
    problems.push({ path: 'extends', message: `presets extend each other in a cycle: ${[...chain, baseName].join(' → ')}` });
    return undefined;
  }
  const base = resolveExtends(preset.json, undefined, [...chain, baseName], problems);
  if (base === undefined) return undefined;
  const basedOn = [...(Array.isArray(base.basedOn) ? (base.basedOn as string[]) : []), baseName];
  // The derived chip is not the base: it gets its own name and description (or none).
  const { name: _name, description: _description, ...inherited } = base;
  const merged = mergePatch(inherited, patch) as Record<string, unknown>;
  merged.basedOn = basedOn;
  attributeSources(merged, patch, tag);
  return merged;
}

/**
 * Updates `merged.sources` for the values `patch` set or removed: removed fields lose their
 * sources; set fields take the patch's own source, else `tag`, else (presets) none, so that a
 * preset overriding a value without saying where it comes from fails the source-completeness test.
 */
function attributeSources(merged: Record<string, unknown>, patch: Record<string, unknown>, tag: string | undefined): void {
  const own = isPlainObject(patch.sources) ? patch.sources : {};
  const sources = isPlainObject(merged.sources) ? { ...merged.sources } : {};
  const valid = sourceKeys();
  const { set, removed } = touchedPaths(patch, '');
  for (const path of removed) {
    for (const key of Object.keys(sources)) if (key === path || key.startsWith(`${path}.`)) delete sources[key];
  }
  for (const path of set) {
    if (own[path] !== undefined || !valid.includes(path)) continue;
    if (tag === undefined) delete sources[path];
    else sources[path] = tag;
  }
  if (Object.keys(sources).length > 0 || merged.sources !== undefined) merged.sources = cloneJson(sources);
}

/** Leaf paths a patch sets and paths it removes (with `null`), following the schema's objects. */
function touchedPaths(patch: Record<string, unknown>, path: string): { set: string[]; removed: string[] } {
  const set: string[] = [];
  const removed: string[] = [];
  for (const [key, v] of Object.entries(patch)) {
    const p = path === '' ? key : `${path}.${key}`;
    if (path === '' && META_FIELDS.includes(key)) continue;
    const field = fieldAt(CHIP_SCHEMA, p);
    if (v === null) removed.push(p);
    else if (isPlainObject(v) && field?.kind === 'object') {
      const inner = touchedPaths(v, p);
      set.push(...inner.set);
      removed.push(...inner.removed);
    } else if (isPlainObject(v) && field?.kind === 'record') {
      for (const [k, x] of Object.entries(v)) (x === null ? removed : set).push(`${p}.${k}`);
    } else set.push(p);
  }
  return { set, removed };
}

/** Constraints between fields, checked once every field is individually valid. */
function crossFieldProblems(chip: Chip, problems: Problem[]): void {
  const { macro, cam, lut } = chip.tiles;
  if (macro === undefined && (cam === undefined || lut === undefined)) {
    problems.push({
      path: 'tiles.macro',
      message: 'a chip needs crossbar macros (tiles.macro) or both CAM and lookup-table blocks (tiles.cam, tiles.lut)',
    });
  }
  if (macro === undefined) return;
  const spec = macro.speculation;
  if (spec !== undefined) {
    spec.sliceBits.forEach((b, i) => {
      if (b > macro.dac.bits) {
        problems.push({
          path: `tiles.macro.speculation.sliceBits[${i}]`,
          message: `a ${b}-bit speculation slice needs a DAC of at least ${b} bits, but tiles.macro.dac.bits is ${macro.dac.bits}`,
        });
      }
    });
  }
  if (!macro.adc.signed && macro.crossbar.cell === 'differential-2t2r') {
    problems.push({
      path: 'tiles.macro.adc.signed',
      message: 'differential (2T2R) cells give signed column sums: the ADC must be signed',
    });
  } else if (!macro.adc.signed && macro.centerOffset !== undefined) {
    problems.push({
      path: 'tiles.macro.adc.signed',
      message: 'Center+Offset column sums are signed: the ADC must be signed (or remove tiles.macro.centerOffset)',
    });
  }
}

function chipError(problems: readonly Problem[], file: string | undefined): PimcError {
  const [first, ...rest] = problems;
  const location = { ...(file === undefined ? {} : { file }), ...(first.path === '' ? {} : { path: first.path }) };
  const notes = [...(first.notes ?? []), ...rest.map((p) => `also ${p.path === '' ? '' : `${p.path}: `}${p.message}`)];
  return new PimcError('invalid-chip', first.message, { location, notes });
}

/** ` at line L, column C` from a JSON.parse message that gives a character position. */
function lineColumn(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (m === null) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}
