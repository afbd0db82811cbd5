// Restores lockfile entries for optional platform packages that this machine's registry mirror does
// not serve (turbo's darwin and windows binaries answer 404 here). `npm install` then leaves them
// out of package-lock.json, and `npm ci` refuses a lockfile that lacks an optional dependency even
// when it would skip it on this platform. Each missing entry is copied from a sibling that is
// present, with its own os/cpu, so npm ci sees a complete lockfile and installs only what fits.
// Run after any `npm install` that rewrites the lockfile: `node scripts/lockfile-platforms.js`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const PLATFORM = {
  'darwin-64': ['darwin', 'x64'],
  'darwin-arm64': ['darwin', 'arm64'],
  'linux-64': ['linux', 'x64'],
  'linux-arm64': ['linux', 'arm64'],
  'windows-64': ['win32', 'x64'],
  'windows-arm64': ['win32', 'arm64'],
};

let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${dep}`;
    if (packages[target] !== undefined) continue;
    const suffix = dep.split('/').pop();
    const platform = PLATFORM[suffix];
    const sibling = Object.entries(packages).find(
      ([k]) => k.startsWith(`node_modules/${dep.split('/')[0]}/`) && dep.startsWith('@'),
    );
    if (platform === undefined || sibling === undefined) {
      throw new Error(
        `${key}: optional dependency ${dep}@${version} is missing from the lockfile and is not a known platform package`,
      );
    }
    const { resolved: _r, integrity: _i, ...template } = sibling[1];
    packages[target] = { ...template, version, os: [platform[0]], cpu: [platform[1]] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: ${added} platform entr${added === 1 ? 'y' : 'ies'} restored`);
