// `npm run bench`: pimc's performance figures, each against its reference measured in the same run.
//   1. Import: time and peak RSS for light_resnet50 (with constant folding: 25.6 M weights) and a
//      synthetic 100 MB model, against the time to read the file and the file size.
//   2. Float inference: pimc's reference executor vs onnxruntime-node on the same models and inputs.
// Prints markdown tables (pasted into docs/benchmarks.md with the date and machine).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel, evaluateCompiled, findTestSets, prepareModel, readTensorFile, runModel } from '@pimc/driver';
import { Tensor } from '@pimc/ir';
import * as ort from 'onnxruntime-node';
import { writeSyntheticModel } from './synthetic-model.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const shared = join(root, '..', 'shared');
const quick = process.argv.includes('--quick');

const mb = (b) => (b / 2 ** 20).toFixed(1);
const ms = (x) => x.toFixed(1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function importFigures(path, fold) {
  // The file read is timed in its own process, so its buffer does not count towards the import's RSS.
  const run = (flag) =>
    JSON.parse(
      execFileSync(process.execPath, [join(here, 'import-one.js'), path, ...(flag ? [flag] : [])], { encoding: 'utf8' }),
    );
  const { readMs } = run('--read-only');
  return { ...run(fold ? '--fold' : undefined), readMs };
}

function importSection() {
  const rows = [];
  const resnet = join(shared, 'models', 'light', 'light_resnet50.onnx');
  const r = importFigures(resnet, true);
  rows.push([
    'light_resnet50 (import + fold-constants)',
    `${(r.bytes / 1024).toFixed(0)} KiB`,
    `${(r.parameters / 1e6).toFixed(2)} M`,
    ms(r.readMs),
    ms(r.importMs + r.foldMs),
    '—',
    mb(r.peakRss),
    `${mb(r.peakRss - r.baselineRss)} over a ${mb(r.baselineRss)} MiB baseline`,
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'pimc-bench-'));
  const synthetic = join(dir, 'synthetic-100mb.onnx');
  writeSyntheticModel(synthetic, 100);
  // Warm the page cache so "time to read" measures memory bandwidth, as the import itself will.
  importFigures(synthetic, false);
  const s = importFigures(synthetic, false);
  rows.push([
    'synthetic 100 MB (MatMul+Add chain)',
    `${mb(s.bytes)} MiB`,
    `${(s.parameters / 1e6).toFixed(2)} M`,
    ms(s.readMs),
    ms(s.importMs),
    `${(s.importMs / s.readMs).toFixed(2)}× (target ≤ 2×)`,
    mb(s.peakRss),
    `${(s.peakRss / s.bytes).toFixed(2)}× the file size, Node's own ${mb(s.baselineRss)} MiB included (target ≤ 2×)`,
  ]);
  return table(['model', 'file', 'weights', 'read file (ms)', 'import (ms)', 'import / read', 'peak RSS (MiB)', 'RSS'], rows);
}

function arange(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i / n;
  return new Tensor('float32', shape, data);
}

async function timeOrt(path, feeds, reps) {
  const session = await ort.InferenceSession.create(path);
  const ortFeeds = Object.fromEntries([...feeds].map(([name, t]) => [name, new ort.Tensor('float32', t.data, [...t.shape])]));
  await session.run(ortFeeds); // warm-up
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await session.run(ortFeeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times);
}

function timePimc(model, feeds, reps) {
  runModel(model, feeds); // warm-up (compiles kernels, grows wasm memory)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    runModel(model, feeds);
    times.push(performance.now() - t);
  }
  return median(times);
}

async function inferenceSection() {
  const cases = [];
  const fixtures = join(root, 'fixtures');
  for (const name of existsSync(fixtures) ? readdirSync(fixtures).sort() : []) {
    const path = join(fixtures, name, 'model.onnx');
    if (!existsSync(path)) continue;
    cases.push({
      name: `fixtures/${name} (batch 250)`,
      path,
      input: () => readTensorFile(join(fixtures, name, 'test_data_set_0', 'input_0.pb')).tensor,
    });
  }
  cases.push({
    name: 'mnist-8 (batch 1)',
    path: join(shared, 'models', 'mnist-8', 'model.onnx'),
    input: () => readTensorFile(join(shared, 'models', 'mnist-8', 'test_data_set_0', 'input_0.pb')).tensor,
  });
  const light = quick ? ['resnet50'] : ['resnet50', 'squeezenet', 'densenet121', 'inception_v1', 'vgg19'];
  for (const m of light) {
    cases.push({
      name: `light_${m} (batch 1)`,
      path: join(shared, 'models', 'light', `light_${m}.onnx`),
      input: () => arange([1, 3, 224, 224]),
    });
  }
  const rows = [];
  for (const c of cases) {
    const { model } = prepareModel(c.path);
    const feeds = new Map([[model.graph.inputs[0].name, c.input()]]);
    const reps = quick ? 3 : 7;
    const pimcMs = timePimc(model, feeds, reps);
    const ortMs = await timeOrt(c.path, feeds, reps);
    rows.push([c.name, ms(ortMs), ms(pimcMs), `${(pimcMs / ortMs).toFixed(1)}×`]);
    process.stderr.write(`  ${c.name}: onnxruntime ${ms(ortMs)} ms, pimc ${ms(pimcMs)} ms\n`);
  }
  return table(['model', 'onnxruntime-node (ms)', 'pimc executor (ms)', 'pimc / onnxruntime'], rows);
}

function compileResnetSection() {
  const path = join(shared, 'models', 'light', 'light_resnet50.onnx');
  const r = JSON.parse(execFileSync(process.execPath, [join(here, 'compile-one.js'), path, 'isaac'], { encoding: 'utf8' }));
  return table(
    ['model', 'chip', 'crossbars used / available', 'compile (s)', 'target', 'peak RSS (MiB)', 'target'],
    [
      [
        'light_resnet50 (25.6 M weights)',
        r.chip,
        `${r.crossbars} / ${r.available}`,
        (r.ms / 1000).toFixed(2),
        '≤ 10 s',
        mb(r.peakRss),
        '≤ 1536 MiB',
      ],
    ],
  );
}

function compiledSection() {
  const fixtures = join(root, 'fixtures');
  const rows = [];
  for (const name of readdirSync(fixtures).sort()) {
    const path = join(fixtures, name, 'model.onnx');
    if (!existsSync(path)) continue;
    const started = performance.now();
    const compiled = compileModel(path, { chip: 'isaac', calibrationDir: join(fixtures, 'mnist-calibration') });
    const compileMs = performance.now() - started;
    const t = performance.now();
    const e = evaluateCompiled(compiled, compiled.floatModel, findTestSets([join(fixtures, name)]));
    const simMs = (performance.now() - t) / e.samples;
    rows.push([
      name,
      ms(compileMs),
      `${compiled.crossbarsUsed}`,
      `${(100 * e.accuracy.float).toFixed(1)} %`,
      `${(100 * e.accuracy.compiled).toFixed(1)} %`,
      `${(100 * (e.accuracy.compiled - e.accuracy.float)).toFixed(1)} pt (target ≥ −0.3)`,
      `${(100 * e.top1Agreement).toFixed(1)} %`,
      `${e.saturatedConversions}`,
      (e.energyPerInferencePJ / 1e3).toFixed(1),
      (e.latencyPerInferenceNs.pipelined / 1e3).toFixed(1),
      simMs.toFixed(2),
    ]);
    process.stderr.write(`  compiled ${name}\n`);
  }
  return table(
    [
      'fixture',
      'compile (ms)',
      'crossbars',
      'float top-1',
      'int8 on isaac (simulated) top-1',
      'difference',
      'top-1 agreement',
      'saturated ADC conversions',
      'energy / inference (nJ)',
      'pipelined latency (µs)',
      'simulation (ms / image)',
    ],
    rows,
  );
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} MiB, Node ${process.version}, onnxruntime-node ${ort.env.versions?.common ?? ''}`;
console.log(`# pimc benchmarks (${new Date().toISOString().slice(0, 10)}; ${machine})\n`);
console.log('## Import\n');
console.log(importSection());
console.log('\n## Compiled for isaac: int8 accuracy on 1,000 labelled MNIST test images, cost, simulation speed\n');
console.log(compiledSection());
console.log('\n## Compiling light_resnet50 (quantize with the random calibration fallback, lower, place)\n');
console.log(compileResnetSection());
console.log('\n## Float inference (median of runs after one warm-up; target: light_resnet50 ≤ 10× onnxruntime)\n');
console.log(await inferenceSection());
