import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { PimcError } from '@pimc/support';

/** One tensor's `external_data` entries, as ONNX stores them (key/value strings). */
export interface ExternalDataRef {
  readonly location: string;
  readonly offset: number;
  readonly length: number | undefined;
}

export function parseExternalData(
  entries: readonly { key?: string | null; value?: string | null }[],
  where: string,
): ExternalDataRef {
  const map = new Map(entries.map((e) => [e.key ?? '', e.value ?? '']));
  const location = map.get('location');
  if (location === undefined || location === '') {
    throw new PimcError('external-data', `${where}: external data without a 'location'`);
  }
  const number = (key: string): number | undefined => {
    const text = map.get(key);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new PimcError('external-data', `${where}: external data ${key} '${text}' is not a non-negative integer`);
    }
    return n;
  };
  return { location, offset: number('offset') ?? 0, length: number('length') };
}

/**
 * Reads external tensor data, confined to the model's folder: an absolute location, a `..` step, or
 * a symbolic link that resolves outside the folder is refused, since a model file is untrusted input
 * and must not make pimc read arbitrary files.
 */
export class ExternalDataReader {
  private readonly files = new Map<string, { fd: number; size: number }>();
  private readonly root: string | undefined;

  constructor(private readonly modelDir: string | undefined) {
    this.root = modelDir === undefined ? undefined : realpathSync(modelDir);
  }

  read(ref: ExternalDataRef, byteLength: number, where: string): Uint8Array {
    const file = this.open(ref.location, where);
    if (ref.length !== undefined && ref.length !== byteLength) {
      throw new PimcError(
        'external-data',
        `${where}: external data length ${ref.length} does not match the ${byteLength} bytes its dims and type need`,
      );
    }
    if (ref.offset + byteLength > file.size) {
      throw new PimcError(
        'external-data',
        `${where}: external data [${ref.offset}, ${ref.offset + byteLength}) lies beyond the end of '${ref.location}' (${file.size} bytes)`,
      );
    }
    const out = new Uint8Array(byteLength);
    let done = 0;
    while (done < byteLength) {
      const n = readSync(file.fd, out, done, byteLength - done, ref.offset + done);
      if (n === 0) throw new PimcError('external-data', `${where}: unexpected end of '${ref.location}'`);
      done += n;
    }
    return out;
  }

  close(): void {
    for (const f of this.files.values()) closeSync(f.fd);
    this.files.clear();
  }

  private open(location: string, where: string): { fd: number; size: number } {
    const cached = this.files.get(location);
    if (cached !== undefined) return cached;
    if (this.modelDir === undefined || this.root === undefined) {
      throw new PimcError(
        'external-data',
        `${where}: the model refers to external data '${location}' but was not loaded from a file`,
      );
    }
    const unsafe = () =>
      new PimcError(
        'external-data',
        `${where}: external data location '${location}' escapes the model's folder; only relative paths inside it are allowed`,
      );
    if (location.includes('\0') || isAbsolute(location) || /^[a-zA-Z]:/.test(location)) throw unsafe();
    const normalized = normalize(location);
    if (normalized === '..' || normalized.startsWith(`..${sep}`) || normalized.split(/[\\/]/).includes('..')) throw unsafe();
    let real: string;
    try {
      real = realpathSync(join(this.modelDir, normalized));
    } catch (e) {
      throw new PimcError('external-data', `${where}: cannot open external data file '${location}'`, { cause: e });
    }
    const rel = relative(this.root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) throw unsafe();
    const fd = openSync(real, 'r');
    const entry = { fd, size: fstatSync(fd).size };
    this.files.set(location, entry);
    return entry;
  }
}
