// Generates the static protobufjs module for onnx.proto. Int64 fields decode as plain numbers
// (--force-number): ONNX dims and attribute integers fit in 2^53, and Long objects would leak into
// every consumer. Values outside ±2^53 (INT64_MAX as a Slice end, for one) stay usable as bounds.
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
  join(out, 'onnx.js'),
  'onnx.proto',
]);
// Two fix-ups of the generated code: ESM resolution needs the file extension of protobufjs' minimal
// runtime, and the decoder returns Long objects for 64-bit fields whenever the 'long' package is
// installed, --force-number notwithstanding, so those reads are converted to numbers here.
const js = join(out, 'onnx.js');
const source = readFileSync(js, 'utf8')
  .replace(/from "protobufjs\/minimal"/, 'from "protobufjs/minimal.js"')
  .replace(/\breader\.(u?int64|s?fixed64|sint64)\(\)/g, '$toNumber(reader.$1())')
  .replace(
    '// Common aliases',
    '// 64-bit fields as plain numbers (exact up to 2^53).\nconst $toNumber = (v) => (typeof v === "number" ? v : v.toNumber());\n\n// Common aliases',
  );
writeFileSync(js, source);
run('pbts', ['-o', join(out, 'onnx.d.ts'), js]);
