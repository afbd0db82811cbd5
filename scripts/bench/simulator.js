// Simulator speed: bit-accurate simulation of ResNet-50 on the `isaac` chip against onnxruntime-node's
// float inference of light_resnet50, measured in the same run (target: ≤ 100× onnxruntime).
//   0. Kernel rates on one layer (3×3 128→128 at 28×28): the JavaScript kernels (before) and the
//      WebAssembly layer, folding exact slices or converting every slice, in slice-MACs per second
//      (real: slice products actually computed; equivalent: every slice-MAC the chip performs).
//   1. Per layer: every distinct convolution / fully connected shape of ResNet-50 (read from
//      light_resnet50's graph, with its count) as a quantized layer with Gaussian int8 weights
//      (σ = 20 LSB) and uint8 activations (post-ReLU-like: half zeros, the rest |N(0, 60)|; an
//      image-like N(114, 55) for the stem), lowered for isaac and simulated; the counts give the
//      whole network's crossbar time. Also timed: uniform activations (few zeros, so the quick
//      non-zero screen rarely clears a row range and input bit-planes are built), every slice
//      converted (skipExactSlices off), and the JavaScript kernels (before).
//   2. Whole model: light_resnet50 compiled for isaac (quantized on the seeded uniform
//      calibration fallback) and simulated end to end.
// onnxruntime is timed at the start and at the end; the faster median is the reference (other jobs
// on the machine slow it down as much as pimc).
// Usage: node scripts/bench/simulator.js [--quick]   (--quick: fewer repetitions, no JavaScript-kernel column)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPreset } from '@pimc/arch';
import { lowerToProgram } from '@pimc/backend';
import { compileModel, prepareModel } from '@pimc/driver';
import { GraphBuilder, onnxOps, Tensor, Value } from '@pimc/ir';
import { getThreads } from '@pimc/kernels';
import { prepareProgram } from '@pimc/sim';
import { Rng } from '@pimc/support';
import * as ort from 'onnxruntime-node';

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, '..', '..', '..', 'shared');
const resnetPath = join(shared, 'models', 'light', 'light_resnet50.onnx');
const quick = process.argv.includes('--quick');
const reps = quick ? 3 : 5;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const giga = (x) => (x / 1e9).toFixed(x >= 1e11 ? 0 : 1);

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function timeMedian(fn, n) {
  fn(); // warm-up: builds the layer's WebAssembly tables, grows memory
  const times = [];
  let result;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    result = fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), result };
}

async function timeOnnxruntime() {
  const session = await ort.InferenceSession.create(resnetPath);
  const name = session.inputNames[0];
  const rng = new Rng(7);
  const data = Float32Array.from({ length: 3 * 224 * 224 }, () => rng.next());
  const feeds = { [name]: new ort.Tensor('float32', data, [1, 3, 224, 224]) };
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < reps * 2; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times);
}

/** The Conv and Gemm shapes of light_resnet50, with how often each occurs. */
function resnetLayers() {
  const { model } = prepareModel(resnetPath);
  const byKey = new Map();
  for (const n of model.graph.nodes) {
    if (n.op !== 'Conv' && n.op !== 'Gemm') continue;
    const x = n.inputs[0].type.shape;
    const w = n.inputs[1].type.shape;
    const y = n.outputs[0].type.shape;
    const layer =
      n.op === 'Gemm'
        ? { kind: 'gemm', c: w[1], m: w[0], k: 1, hw: 1, stride: 1, pad: 0, out: 1 }
        : {
            kind: 'conv',
            c: x[1],
            m: w[0],
            k: w[2],
            hw: x[2],
            stride: n.attrs.strides?.[0] ?? 1,
            pad: n.attrs.pads?.[0] ?? 0,
            out: y[2],
          };
    const key = JSON.stringify(layer);
    byKey.set(key, { ...layer, count: (byKey.get(key)?.count ?? 0) + 1 });
  }
  return [...byKey.values()];
}

function describe(l) {
  return l.kind === 'gemm' ? `fc ${l.c}→${l.m}` : `${l.k}×${l.k}${l.stride > 1 ? `/${l.stride}` : ''} ${l.c}→${l.m} @${l.hw}`;
}

/** A quantized PimQConv / PimQGemm of the layer's shape with Gaussian int8 weights. */
function quantizedLayer(l, rng) {
  const builder = new GraphBuilder(onnxOps);
  const depth = l.c * l.k * l.k;
  const weights = Int8Array.from({ length: l.m * depth }, () => Math.max(-128, Math.min(127, Math.round(rng.normal(0, 20)))));
  const stem = l.c === 3;
  const zp = stem ? 114 : 0;
  // Requantization scaling a typical accumulator (√K · 30 · 20) to about ±40 codes.
  const shift = Math.round(Math.log2((Math.sqrt(depth) * 30 * 20 * 2 ** 23.5) / 40));
  const common = {
    x_zero_point: zp,
    multiplier: Array.from({ length: l.m }, () => rng.int(2 ** 23, 2 ** 24 - 1)),
    shift: new Array(l.m).fill(shift),
    y_dtype: 'uint8',
    y_zero_point: 0,
    y_min: 0,
    y_max: 255,
    activation: 'relu',
    y_scale: 0.05,
    x_scale: 0.02,
    w_scale: [0.01],
  };
  const bias = Value.ofConstant(
    'B',
    new Tensor(
      'int32',
      [l.m],
      Int32Array.from({ length: l.m }, () => rng.int(-3000, 3000)),
    ),
  );
  let x;
  let y;
  if (l.kind === 'gemm') {
    x = new Value('x', { dtype: 'uint8', shape: ['N', l.c] });
    const W = Value.ofConstant('W', new Tensor('int8', [l.m, l.c], weights));
    y = builder.add1('PimQGemm', [x, W, bias], { name: 'layer', attrs: common });
  } else {
    x = new Value('x', { dtype: 'uint8', shape: ['N', l.c, l.hw, l.hw] });
    const W = Value.ofConstant('W', new Tensor('int8', [l.m, l.c, l.k, l.k], weights));
    const attrs = { ...common, pads: [l.pad, l.pad, l.pad, l.pad], strides: [l.stride, l.stride], dilations: [1, 1], group: 1 };
    y = builder.add1('PimQConv', [x, W, bias], { name: 'layer', attrs });
  }
  const model = {
    graph: { name: describe(l), inputs: [x], outputs: [y], nodes: builder.nodes },
    opsets: new Map([['', 25]]),
    producer: 'bench',
    source: 'bench',
  };
  return { model, stem };
}

function activations(l, rng, stem, kind) {
  const shape = l.kind === 'gemm' ? [1, l.c] : [1, l.c, l.hw, l.hw];
  const n = shape.reduce((a, b) => a * b, 1);
  const clip = (v) => Math.max(0, Math.min(255, Math.round(v)));
  const draw =
    kind === 'uniform'
      ? () => rng.int(0, 255)
      : stem
        ? () => clip(rng.normal(114, 55))
        : () => (rng.next() < 0.5 ? 0 : clip(Math.abs(rng.normal(0, 60))));
  return new Map([['x', { type: 'u8', shape, data: Uint8Array.from({ length: n }, draw) }]]);
}

/** Slice-MAC rates of the simulator's kernels on one layer (real: the column sums actually converted). */
function ratesSection() {
  const l = { kind: 'conv', c: 128, m: 128, k: 3, hw: 28, stride: 1, pad: 1, out: 28 };
  const rng = new Rng(11);
  const { model } = quantizedLayer(l, rng);
  const program = lowerToProgram(model, getPreset('isaac'));
  const inputs = activations(l, rng, false, 'realistic');
  const modes = [
    ['JavaScript rows, every slice converted', { kernel: 'rows', skipExactSlices: false }],
    ['JavaScript bit-planes, every slice converted', { kernel: 'bitplanes', skipExactSlices: false }],
    ['JavaScript bit-planes, exact slices folded (before: the default)', { kernel: 'bitplanes', skipExactSlices: true }],
    ['WebAssembly, every slice converted', { kernel: 'wasm', skipExactSlices: false }],
    ['**WebAssembly, exact slices folded (now: the default)**', { kernel: 'wasm', skipExactSlices: true }],
  ];
  const rows = modes.map(([label, options]) => {
    const sim = prepareProgram(program, options);
    const slow = options.kernel !== 'wasm';
    const { ms: time, result } = timeMedian(() => sim.run(inputs), slow ? 1 : reps);
    const c = result.crossbar;
    const real = (c.sliceMacs * c.columnSumsComputed) / (c.columnSumsComputed + c.columnSumsFolded);
    return [label, ms(time), giga(real / (time / 1e3)), giga(c.sliceMacs / (time / 1e3))];
  });
  return table(['3×3 128→128 @28 on isaac (3.7 G slice-MACs)', 'ms', 'real G slice-MAC/s', 'equivalent G slice-MAC/s'], rows);
}

function layerSection() {
  const chip = getPreset('isaac');
  const rng = new Rng(2024);
  const rows = [];
  const totals = { count: 0, macs: 0, sliceMacs: 0, wasm: 0, uniform: 0, serial: 0, js: 0, computed: 0, conversions: 0 };
  for (const l of resnetLayers()) {
    const { model, stem } = quantizedLayer(l, rng);
    const program = lowerToProgram(model, chip);
    const realistic = activations(l, rng, stem, 'realistic');
    const uniform = activations(l, rng, stem, 'uniform');
    const fast = prepareProgram(program);
    const a = timeMedian(() => fast.run(realistic), reps);
    const u = timeMedian(() => fast.run(uniform), reps);
    const serialSim = prepareProgram(program, { skipExactSlices: false });
    const s = timeMedian(() => serialSim.run(realistic), quick ? 1 : 2);
    const out = a.result.outputs.get([...a.result.outputs.keys()][0]);
    let js;
    if (!quick) {
      const jsSim = prepareProgram(program, { kernel: 'bitplanes' });
      const t = performance.now();
      const r = jsSim.run(realistic);
      js = performance.now() - t;
      const same = r.outputs.get([...r.outputs.keys()][0]).data.every((v, i) => v === out.data[i]);
      if (!same) throw new Error(`${describe(l)}: the JavaScript and WebAssembly kernels disagree`);
    }
    const stats = a.result.crossbar;
    const conversions = stats.columnSumsComputed + stats.columnSumsFolded;
    const macs = l.c * l.k * l.k * l.m * l.out * l.out;
    totals.count += l.count;
    totals.macs += l.count * macs;
    totals.sliceMacs += l.count * stats.sliceMacs;
    totals.wasm += l.count * a.ms;
    totals.uniform += l.count * u.ms;
    totals.serial += l.count * s.ms;
    totals.js += l.count * (js ?? 0);
    totals.computed += l.count * (stats.columnSumsComputed + u.result.crossbar.columnSumsComputed);
    totals.conversions += l.count * 2 * conversions;
    rows.push([
      describe(l),
      l.count,
      (macs / 1e6).toFixed(1),
      giga(stats.sliceMacs),
      js === undefined ? '—' : ms(js),
      ms(a.ms),
      giga(stats.sliceMacs / (a.ms / 1e3)),
      ms(u.ms),
      `${((100 * u.result.crossbar.columnSumsComputed) / conversions).toFixed(2)} %`,
      ms(s.ms),
      giga(stats.sliceMacs / (s.ms / 1e3)),
    ]);
    process.stderr.write(`  ${describe(l)}: ${ms(a.ms)} ms (uniform ${ms(u.ms)} ms, every slice converted ${ms(s.ms)} ms)\n`);
  }
  rows.push([
    '**ResNet-50 (Σ count × time)**',
    totals.count,
    (totals.macs / 1e6).toFixed(0),
    giga(totals.sliceMacs),
    quick ? '—' : ms(totals.js),
    ms(totals.wasm),
    giga(totals.sliceMacs / (totals.wasm / 1e3)),
    ms(totals.uniform),
    '',
    ms(totals.serial),
    giga(totals.sliceMacs / (totals.serial / 1e3)),
  ]);
  const header = [
    'layer',
    'count',
    'MMACs',
    'G slice-MACs',
    'JS kernel (ms)',
    'wasm (ms)',
    'equiv. G slice-MAC/s',
    'wasm, uniform inputs (ms)',
    'converted, uniform',
    'wasm, every slice converted (ms)',
    'G slice-MAC/s converted',
  ];
  return { text: table(header, rows), totals };
}

function wholeModelSection() {
  let compiled;
  const t0 = performance.now();
  try {
    compiled = compileModel(resnetPath, { chip: 'isaac' });
  } catch (e) {
    return { text: `light_resnet50 does not compile yet: ${e.message}`, ms: undefined };
  }
  const compileMs = performance.now() - t0;
  const program = compiled.program;
  const input = program.tensors[program.inputs[0]];
  const rng = new Rng(7);
  const data = Float32Array.from({ length: input.shape.reduce((a, b) => a * b, 1) }, () => rng.next());
  const inputs = new Map([[input.name, { type: 'f32', shape: input.shape, data }]]);
  let t = performance.now();
  const sim = prepareProgram(program);
  const prepareMs = performance.now() - t;
  t = performance.now();
  sim.run(inputs);
  const firstMs = performance.now() - t;
  const steady = timeMedian(() => sim.run(inputs), reps);
  const stats = steady.result.crossbar;
  const text = table(
    ['', 'value'],
    [
      ['compile (import, quantize, lower, place)', `${ms(compileMs)} ms, ${program.crossbars.length} crossbars`],
      ['prepareProgram (check, decode cells)', `${ms(prepareMs)} ms`],
      ['first run (builds the WebAssembly tables)', `${ms(firstMs)} ms`],
      ['**steady run (median)**', `**${ms(steady.ms)} ms**`],
      ['slice-MACs (equivalent)', `${giga(stats.sliceMacs)} G → ${giga(stats.sliceMacs / (steady.ms / 1e3))} G/s`],
      [
        'column sums converted / folded / saturated',
        `${stats.columnSumsComputed} / ${stats.columnSumsFolded} / ${stats.saturated}` +
          ` (${((100 * stats.columnSumsComputed) / (stats.columnSumsComputed + stats.columnSumsFolded)).toFixed(2)} % converted)`,
      ],
    ],
  );
  return { text, ms: steady.ms };
}

const ortStart = await timeOnnxruntime();
process.stderr.write(`onnxruntime light_resnet50: ${ms(ortStart)} ms\n`);
const rates = ratesSection();
const layers = layerSection();
const whole = wholeModelSection();
const ortEnd = await timeOnnxruntime();
const ortMs = Math.min(ortStart, ortEnd);
console.log(
  `## Simulator: ResNet-50 on isaac, bit-accurate (${getThreads()} kernel threads; onnxruntime-node float: ` +
    `${ms(ortStart)} ms at the start, ${ms(ortEnd)} ms at the end)\n`,
);
console.log(rates);
console.log('\nPer layer (median of runs after a warm-up; the counts give ResNet-50):\n');
console.log(layers.text);
console.log(`\nWhole model (light_resnet50, constant weights, compiled for isaac, batch 1):\n`);
console.log(whole.text);
const ratio = (x) => `${(x / ortMs).toFixed(1)}×`;
const summary = [
  ['onnxruntime-node, float light_resnet50', ms(ortMs), '1×'],
  ['layers of ResNet-50, summed (realistic activations)', ms(layers.totals.wasm), ratio(layers.totals.wasm)],
  ['layers of ResNet-50, summed (uniform activations)', ms(layers.totals.uniform), ratio(layers.totals.uniform)],
  ['layers of ResNet-50, summed (every slice converted)', ms(layers.totals.serial), ratio(layers.totals.serial)],
];
if (!quick)
  summary.push(['layers of ResNet-50, summed, JavaScript kernels (before)', ms(layers.totals.js), ratio(layers.totals.js)]);
if (whole.ms !== undefined) summary.push(['whole light_resnet50 simulated', ms(whole.ms), ratio(whole.ms)]);
console.log(`\nSummary (target: ≤ 100× onnxruntime):\n`);
console.log(table(['', 'ms', '× onnxruntime'], summary));
