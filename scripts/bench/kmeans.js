// Benchmarks the 1-D k-means used by RAPIDNN clustering (packages/passes/src/rapidnn/kmeans).
// Build first (`npx tsc -b packages/passes`), then:
//   node scripts/bench/kmeans.js [--quick]
// 1. ResNet-50-sized weight sets: the 53 convolutions + fc of ResNet-50 (25.5 M weights), each a
//    seeded Gaussian or Laplacian set with He-init scale, clustered at k = 64 (target ≤ 2 s total).
// 2. 10^6 values (2·10^5 with --quick) at k = 64: SSE gap to the exact DP optimum and time for the
//    default grid-DP start and for k-means++ starts with plain Lloyd.
import { Rng } from '../../packages/support/dist/index.js';
import { kmeans1d, kmeans1dOptimalSse } from '../../packages/passes/dist/rapidnn/kmeans/index.js';
import { sortedFloat64 } from '../../packages/passes/dist/rapidnn/kmeans/sort-floats.js';

const quick = process.argv.includes('--quick');
const K = 64;

/** [name, output channels, input channels, kernel h·w] of every ResNet-50 weight tensor. */
function resnet50Layers() {
  const layers = [['conv1', 64, 3, 49]];
  let inChannels = 64;
  const stages = [
    [3, 64],
    [4, 128],
    [6, 256],
    [3, 512],
  ];
  stages.forEach(([blocks, width], s) => {
    const out = width * 4;
    for (let b = 0; b < blocks; b++) {
      const name = `layer${s + 1}.${b}`;
      layers.push([`${name}.conv1`, width, inChannels, 1]);
      layers.push([`${name}.conv2`, width, width, 9]);
      layers.push([`${name}.conv3`, out, width, 1]);
      if (b === 0) layers.push([`${name}.downsample`, out, inChannels, 1]);
      inChannels = out;
    }
  });
  layers.push(['fc', 1000, 2048, 1]);
  return layers;
}

function weightSet(rng, n, fanIn, laplacian) {
  const sigma = Math.sqrt(2 / fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (laplacian) {
      const u = rng.next() - 0.5;
      out[i] = (-sigma / Math.SQRT2) * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    } else out[i] = rng.normal(0, sigma);
  }
  return out;
}

/** [result, wall ms, CPU ms]: CPU time is less disturbed than wall time on a shared machine. */
function time(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = fn();
  const used = process.cpuUsage(cpu);
  return [result, performance.now() - start, (used.user + used.system) / 1e3];
}

/** The result and the lowest wall time of `reps` runs. */
function bestOf(reps, fn) {
  let [result, best] = time(fn);
  for (let rep = 1; rep < reps; rep++) best = Math.min(best, time(fn)[1]);
  return [result, best];
}

function printTable(header, rows) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((cell, c) => String(cell).padStart(widths[c])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log();
}

// --- 1. ResNet-50 weight sets --------------------------------------------------------------------
const rng = new Rng(2024);
const layers = resnet50Layers().map(([name, out, inCh, hw], i) => ({
  name,
  values: weightSet(rng, out * inCh * hw, inCh * hw, i % 2 === 1),
}));
const total = layers.reduce((s, l) => s + l.values.length, 0);
kmeans1d(layers[1].values, K, { rng: new Rng(1) }); // warm the JIT up once

const resnetRows = [];
for (const init of ['grid-dp', 'kmeans++']) {
  let best = [Infinity, Infinity];
  let iterations = 0;
  let unconverged = 0;
  for (let rep = 0; rep < (quick || init === 'kmeans++' ? 1 : 3); rep++) {
    const [results, ms, cpuMs] = time(() => layers.map((l) => kmeans1d(l.values, K, { rng: new Rng(7), init })));
    if (ms < best[0]) best = [ms, cpuMs];
    iterations = Math.max(...results.map((r) => r.iterations));
    unconverged = results.filter((r) => !r.converged).length;
  }
  resnetRows.push([`kmeans1d ${init}`, ...msColumns(...best), iterations, unconverged]);
}
const [, sortMs, sortCpuMs] = time(() => layers.forEach((l) => sortedFloat64(l.values)));
resnetRows.push(['(sorting alone)', ...msColumns(sortMs, sortCpuMs), '', '']);
console.log(`ResNet-50 weights: ${layers.length} tensors, ${total.toLocaleString('en')} values, k = ${K}`);
printTable(['method', 'wall ms', 'CPU ms', 'ns/value', 'max iterations', 'not converged'], resnetRows);

function msColumns(ms, cpuMs) {
  return [ms.toFixed(0), cpuMs.toFixed(0), ((ms * 1e6) / total).toFixed(1)];
}

// --- 2. One large set against the exact optimum --------------------------------------------------
const n = quick ? 200_000 : 1_000_000;
const variants = [
  ['grid-dp + Lloyd (default)', { init: 'grid-dp' }],
  ['k-means++ ×3 + Lloyd ≤300', { init: 'kmeans++' }],
  ['k-means++ ×3 + Lloyd ≤50', { init: 'kmeans++', iterations: 50 }],
  ['k-means++ ×1 + Lloyd ≤100000', { init: 'kmeans++', restarts: 1, iterations: 100_000 }],
];
for (const laplacian of [false, true]) {
  const values = weightSet(new Rng(99), n, 1152, laplacian);
  const [optimum, dpMs] = time(() => kmeans1dOptimalSse(values, K));
  const rows = [['exact DP (kmeans1dOptimalSse)', optimum.toPrecision(7), '0', '', '', dpMs.toFixed(0)]];
  for (const [label, options] of variants) {
    const run = () => kmeans1d(values, K, { rng: new Rng(5), ...options });
    const [r, ms] = bestOf(quick ? 1 : 3, run);
    const gap = ((r.sse / optimum - 1) * 100).toFixed(3);
    rows.push([label, r.sse.toPrecision(7), gap, r.iterations, r.converged ? 'yes' : 'no', ms.toFixed(0)]);
  }
  console.log(`${n.toLocaleString('en')} ${laplacian ? 'Laplacian' : 'Gaussian'} values, k = ${K}`);
  printTable(['method', 'SSE', 'gap %', 'iterations', 'converged', 'best wall ms'], rows);
}
