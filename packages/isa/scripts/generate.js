// Generates the static protobufjs module for pimb.proto into generated/ (gitignored; `npm run
// build` in this package runs it before tsc). Static code rather than runtime reflection: the
// encoder and decoder are plain functions with TypeScript declarations (pbts), so the mapping
// between Program and the wire messages is type-checked, and nothing reads the .proto at run time.
// The schema has no 64-bit integers, so no Long values can appear.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(here, 'generated');
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
const cli = dirname(require.resolve('protobufjs-cli/package.json'));
const run = (script, args) =>
  execFileSync(process.execPath, [join(cli, 'bin', script), ...args], { cwd: here, stdio: 'inherit' });

const js = join(out, 'pimb.js');
run('pbjs', [
  '-t',
  'static-module',
  '-w',
  'es6',
  '--force-number',
  '--no-verify',
  '--no-delimited',
  '--no-convert',
  '--no-service',
  '-o',
  js,
  'pimb.proto',
]);
// ESM resolution needs the file extension of protobufjs' minimal runtime.
writeFileSync(js, readFileSync(js, 'utf8').replace(/from "protobufjs\/minimal"/, 'from "protobufjs/minimal.js"'));
run('pbts', ['-o', join(out, 'pimb.d.ts'), js]);
