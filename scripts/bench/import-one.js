// Measures one import in a fresh process, so peak RSS belongs to this import alone.
// Usage: node import-one.js MODEL [--fold | --read-only]
// Prints JSON: file size, time to read the file, time to import it (and fold constants), peak RSS.
// `--read-only` only reads the file: the reference time, measured in its own process so the
// buffer it reads does not count towards the import's peak memory.
import { readFileSync, statSync } from 'node:fs';
import { loadModel, runPipeline } from '@pimc/driver';

const [path, flag] = process.argv.slice(2);
const bytes = statSync(path).size;
const rssBefore = process.resourceUsage().maxRSS * 1024;

let t = performance.now();
if (flag === '--read-only') {
  readFileSync(path);
  const readMs = performance.now() - t;
  process.stdout.write(JSON.stringify({ path, bytes, readMs }) + '\n');
  process.exit(0);
}

t = performance.now();
let model = loadModel(path);
const importMs = performance.now() - t;
let foldMs = 0;
if (flag === '--fold') {
  t = performance.now();
  model = runPipeline(model, 'fold-constants').model;
  foldMs = performance.now() - t;
}
let parameters = 0;
for (const node of model.graph.nodes)
  for (const v of node.inputs) if (v?.constant && v.constant.dtype === 'float32') parameters += v.constant.size;
const peakRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ path, bytes, importMs, foldMs, parameters, peakRss, baselineRss: rssBefore }) + '\n');
