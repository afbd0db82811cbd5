// Compares float32 GEMM implementations on conv-shaped problems (im2col GEMMs of ResNet-50)
// and prints GFLOP/s, then times every convolution of ResNet-50 (batch 1) through sconv2d. Run after `npm run build`:
//   node scripts/bench/gemm-options.js [--quick]
// The tfjs-backend-wasm column is optional: it is used when @tensorflow/tfjs-core and
// @tensorflow/tfjs-backend-wasm resolve from here, or from the node_modules under $TFJS_DIR
// (e.g. TFJS_DIR=/tmp/tfjs after `cd /tmp/tfjs && npm i @tensorflow/tfjs-core@4
// @tensorflow/tfjs-backend-wasm@4`); they are not dependencies of this repo.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { conv2dOutputSize, getThreads, sconv2d, setThreads, sgemm } from '../../packages/kernels/dist/index.js';

const quick = process.argv.includes('--quick');
const MIN_MS = quick ? 150 : 600;

/** [label, M, N, K]: C[M×N] = A[M×K]·B[K×N]. */
const SHAPES = [
  ['conv1 7x7/2 (64x3136x147)', 64, 3136, 147],
  ['3x3 conv stage2 (64x3136x576)', 64, 3136, 576],
  ['3x3 conv stage3 (256x784x1152)', 256, 784, 1152],
  ['3x3 conv stage4 (512x196x4608)', 512, 196, 4608],
  ['1x1 conv stage5 (2048x49x512)', 2048, 49, 512],
  ['fc (1000x1x2048)', 1000, 1, 2048],
  ['square 512^3', 512, 512, 512],
];

function naiveJs(M, N, K, A, B, C) {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += A[i * K + p] * B[p * N + j];
      C[i * N + j] = s;
    }
  }
}

// 4×4 register-blocked JS: 16 scalar accumulators per tile, so each depth step does 8 loads
// for 16 multiply-adds and C is written once. Edges fall back to a scalar loop.
function blockedJs(M, N, K, A, B, C) {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let p = 0, bp = j; p < K; p++, bp += N) {
        const b0 = B[bp],
          b1 = B[bp + 1],
          b2 = B[bp + 2],
          b3 = B[bp + 3];
        const x0 = A[a0 + p],
          x1 = A[a1 + p],
          x2 = A[a2 + p],
          x3 = A[a3 + p];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c02 += x0 * b2;
        c03 += x0 * b3;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c12 += x1 * b2;
        c13 += x1 * b3;
        c20 += x2 * b0;
        c21 += x2 * b1;
        c22 += x2 * b2;
        c23 += x2 * b3;
        c30 += x3 * b0;
        c31 += x3 * b1;
        c32 += x3 * b2;
        c33 += x3 * b3;
      }
      const c = i * N + j;
      C[c] = c00;
      C[c + 1] = c01;
      C[c + 2] = c02;
      C[c + 3] = c03;
      C[c + N] = c10;
      C[c + N + 1] = c11;
      C[c + N + 2] = c12;
      C[c + N + 3] = c13;
      C[c + 2 * N] = c20;
      C[c + 2 * N + 1] = c21;
      C[c + 2 * N + 2] = c22;
      C[c + 2 * N + 3] = c23;
      C[c + 3 * N] = c30;
      C[c + 3 * N + 1] = c31;
      C[c + 3 * N + 2] = c32;
      C[c + 3 * N + 3] = c33;
    }
  }
  // Right and bottom edges.
  for (let i = 0; i < M; i++) {
    for (let j = i < M4 ? N4 : 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += A[i * K + p] * B[p * N + j];
      C[i * N + j] = s;
    }
  }
}

async function loadTfjs() {
  const bases = [import.meta.url];
  if (process.env.TFJS_DIR) bases.push(pathToFileURL(join(process.env.TFJS_DIR, 'package.json')).href);
  for (const base of bases) {
    try {
      const req = createRequire(base);
      const tf = await import(pathToFileURL(req.resolve('@tensorflow/tfjs-core')).href);
      const wasm = await import(pathToFileURL(req.resolve('@tensorflow/tfjs-backend-wasm')).href);
      await tf.setBackend('wasm');
      await tf.ready();
      return { tf, tfThreads: wasm.getThreadsCount?.() ?? '?' };
    } catch {
      // try the next location
    }
  }
  return undefined;
}

function timeIt(fn) {
  fn(); // warm-up (also tiers wasm up to the optimizing compiler)
  let reps = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    fn();
    reps++;
    elapsed = performance.now() - t0;
  } while (elapsed < MIN_MS);
  return elapsed / reps;
}

function maxRelErr(x, ref) {
  let scale = 0;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(x[i] - ref[i]));
  return err / (scale || 1);
}

function random(n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

const threads = getThreads();
console.log(`wasm sgemm: 1 thread, and ×${threads} threads (the default)`);
const { tf, tfThreads } = (await loadTfjs()) ?? {};
if (!tf) console.log('tfjs-backend-wasm not resolvable (set TFJS_DIR); skipping that column.\n');
else console.log(`tfjs-backend-wasm ${tf.version_core}, threads: ${tfThreads}\n`);

const rows = [];
for (const [label, M, N, K] of SHAPES) {
  const A = random(M * K);
  const B = random(K * N);
  const ref = new Float32Array(M * N);
  const C = new Float32Array(M * N);
  const flop = 2 * M * N * K;
  const gflops = (ms) => (flop / ms / 1e6).toFixed(2);
  const row = { shape: label };

  // Naive JS is very slow on the big shapes; a single timed run is enough there.
  const naiveMs = (() => {
    const t0 = performance.now();
    naiveJs(M, N, K, A, B, ref);
    return performance.now() - t0;
  })();
  row['naive JS'] = gflops(naiveMs);
  row['blocked JS'] = gflops(timeIt(() => blockedJs(M, N, K, A, B, C)));
  setThreads(1);
  row['wasm sgemm'] = gflops(timeIt(() => sgemm(M, N, K, A, 0, B, 0, C, 0)));
  setThreads(threads);
  row[`wasm sgemm ×${threads}`] = gflops(timeIt(() => sgemm(M, N, K, A, 0, B, 0, C, 0)));
  row['relErr'] = maxRelErr(C, ref).toExponential(1);
  if (tf) {
    // Includes tensor creation (copy into wasm memory) and readback, like sgemm does.
    row['tfjs-wasm'] = gflops(
      timeIt(() => {
        const a = tf.tensor2d(A, [M, K]);
        const b = tf.tensor2d(B, [K, N]);
        const c = tf.matMul(a, b);
        c.dataSync();
        tf.dispose([a, b, c]);
      }),
    );
    const a = tf.tensor2d(A, [M, K]);
    const b = tf.tensor2d(B, [K, N]);
    row['tfjs-wasm (no copy)'] = gflops(
      timeIt(() => {
        const c = tf.matMul(a, b);
        // dataSync on the wasm backend returns a view/copy of the output; include it so
        // the kernel actually completes inside the timing.
        c.dataSync();
        c.dispose();
      }),
    );
    tf.dispose([a, b]);
  }
  rows.push(row);
  console.error(`done: ${label}`);
}
console.log('GFLOP/s (higher is better; relErr = max |sgemm - naive| / max |naive|)');
console.table(rows);

// Every convolution of ResNet-50 v1.5 at 224×224, batch 1:
// [count, inChannels, inSize, outChannels, kernel, stride, pad].
const RESNET50_CONVS = [
  [1, 3, 224, 64, 7, 2, 3],
  // stage 2 (56×56)
  [1, 64, 56, 64, 1, 1, 0],
  [2, 256, 56, 64, 1, 1, 0],
  [3, 64, 56, 64, 3, 1, 1],
  [4, 64, 56, 256, 1, 1, 0], // 3 expansions + downsample
  // stage 3 (28×28)
  [1, 256, 56, 128, 1, 1, 0],
  [1, 128, 56, 128, 3, 2, 1],
  [1, 256, 56, 512, 1, 2, 0],
  [3, 512, 28, 128, 1, 1, 0],
  [3, 128, 28, 128, 3, 1, 1],
  [4, 128, 28, 512, 1, 1, 0],
  // stage 4 (14×14)
  [1, 512, 28, 256, 1, 1, 0],
  [1, 256, 28, 256, 3, 2, 1],
  [1, 512, 28, 1024, 1, 2, 0],
  [5, 1024, 14, 256, 1, 1, 0],
  [5, 256, 14, 256, 3, 1, 1],
  [6, 256, 14, 1024, 1, 1, 0],
  // stage 5 (7×7)
  [1, 1024, 14, 512, 1, 1, 0],
  [1, 512, 14, 512, 3, 2, 1],
  [1, 1024, 14, 2048, 1, 2, 0],
  [2, 2048, 7, 512, 1, 1, 0],
  [2, 512, 7, 512, 3, 1, 1],
  [3, 512, 7, 2048, 1, 1, 0],
];

let oursMs = 0;
let oursThreadedMs = 0;
let tfjsMs = 0;
let totalFlop = 0;
for (const [count, cin, size, cout, k, stride, pad] of RESNET50_CONVS) {
  const shape = {
    batch: 1,
    inChannels: cin,
    inHeight: size,
    inWidth: size,
    outChannels: cout,
    kernelHeight: k,
    kernelWidth: k,
    strideH: stride,
    strideW: stride,
    padTop: pad,
    padLeft: pad,
    padBottom: pad,
    padRight: pad,
  };
  const [outH, outW] = conv2dOutputSize(shape);
  const X = random(cin * size * size);
  const W = random(cout * cin * k * k);
  const bias = random(cout);
  const Y = new Float32Array(cout * outH * outW);
  totalFlop += count * 2 * cout * outH * outW * cin * k * k;
  setThreads(1);
  oursMs += count * timeIt(() => sconv2d(shape, X, 0, W, 0, bias, 0, Y, 0));
  setThreads(threads);
  oursThreadedMs += count * timeIt(() => sconv2d(shape, X, 0, W, 0, bias, 0, Y, 0));
  if (tf) {
    // NHWC input, HWIO filter: the layouts XNNPACK wants; tensors created once (no copies).
    const x = tf.tensor4d(random(size * size * cin), [1, size, size, cin]);
    const w = tf.tensor4d(random(k * k * cin * cout), [k, k, cin, cout]);
    const padding =
      pad === 0
        ? 'valid'
        : [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ];
    tfjsMs +=
      count *
      timeIt(() => {
        const y = tf.conv2d(x, w, stride, padding);
        y.dataSync();
        y.dispose();
      });
    tf.dispose([x, w]);
  }
}
console.log(`\nResNet-50 convolutions (batch 1, ${(totalFlop / 1e9).toFixed(2)} GFLOP):`);
const report = (label, ms) =>
  console.log(`  ${label.padEnd(40)} ${ms.toFixed(1)} ms = ${(totalFlop / ms / 1e6).toFixed(1)} GFLOP/s`);
report('sconv2d, 1 thread (NCHW, copies, bias):', oursMs);
report(`sconv2d, ×${threads} threads:`, oursThreadedMs);
if (tf) report('tfjs-wasm conv2d (NHWC, no copies):', tfjsMs);
