// The technique passes' targets (issues 4 and 5), measured with onnxruntime's float time in the same run:
//   RAELLA  on the MNIST fixtures (trained weights, 1,000 labelled test images) and on light_resnet50
//           with seeded random weights (the light models carry only structure): ADC conversions against
//           the non-speculative count over conv layers, weight slices chosen, ADC and whole energy
//           against isaac, top-1 agreement with the int8 reference, accuracy vs float, compile time
//           and simulated inference time against onnxruntime.
//   RAPIDNN on the same fixtures (kW = kU = 64): accuracy vs float and compile time; light_resnet50
//           compile time and simulated inference time against onnxruntime.
// Usage: node scripts/bench/techniques.js [--quick]   (--quick: one MNIST test set, no ResNet-50 RAPIDNN)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel, findTestSets, raellaReport, prepareSimulation, evaluateCompiled, RAELLA_ABLATION } from '@pimc/driver';
import { Tensor } from '@pimc/ir';
import * as ort from 'onnxruntime-node';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixtures = join(root, 'fixtures');
const calibrationDir = join(fixtures, 'mnist-calibration');
const resnetPath = join(root, '..', 'shared', 'models', 'light', 'light_resnet50.onnx');
const quick = process.argv.includes('--quick');
const MNIST = ['mnist-lenet', 'mnist-mlp', 'mnist-resnet', 'mnist-dwsep'];

const pct = (x) => (x === undefined ? '—' : `${(100 * x).toFixed(2)} %`);
const fixed = (x, d = 2) => (x === undefined ? '—' : x.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function seconds(f) {
  const t = performance.now();
  const result = f();
  return { result, s: (performance.now() - t) / 1000 };
}

async function onnxruntimeMs(path, input) {
  const session = await ort.InferenceSession.create(path);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape) };
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times);
}

/** light_resnet50's own input: arange(N)/N of shape [1, 3, 224, 224]. */
function resnetInput() {
  const n = 3 * 224 * 224;
  return new Tensor(
    'float32',
    [1, 3, 224, 224],
    Float32Array.from({ length: n }, (_, i) => i / n),
  );
}

const energy = (c) => sum(Object.values(c.totals?.energyPj ?? {}));
const isConv = (row) => !/Gemm|MatMul|fc/i.test(row.layer);
/** Mean adcShare and 3-slice count over a configuration's conv layers ('no conv' for an MLP). */
function convFigures(configuration) {
  const convs = configuration.layers.filter(isConv);
  const shares = convs.map((l) => l.adcShare).filter((x) => x !== undefined);
  if (shares.length === 0) return ['(no conv)', '(no conv)'];
  return [
    fixed(sum(shares) / shares.length, 3),
    `${convs.filter((l) => l.weightSlicing?.length === 3).length} / ${convs.length}`,
  ];
}

/** One model's RAELLA ablation row: the issue-4 targets. */
function raellaRow(name, report) {
  const byName = new Map(report.configurations.map((c) => [c.name, c]));
  const isaac = byName.get('isaac');
  const raella = byName.get('raella');
  return [
    name,
    ...convFigures(raella),
    fixed(isaac.totals.energyPj.adc / raella.totals.energyPj.adc, 2),
    fixed(energy(raella) / energy(isaac), 3),
    ...RAELLA_ABLATION.map((p) => fixed(energy(byName.get(p)) / 1e3, 1)),
    pct(raella.totals.top1Agreement),
    raella.totals.top1Accuracy === undefined ? '—' : pct(raella.totals.top1Accuracy),
  ];
}

async function raellaSection() {
  const rows = [];
  const accuracy = [];
  for (const fixture of MNIST) {
    const dir = join(fixtures, fixture);
    const sets = findTestSets([dir]).slice(0, quick ? 1 : 4);
    const report = raellaReport(join(dir, 'model.onnx'), { calibrationDir, testSets: sets });
    rows.push(raellaRow(fixture, report));
    const compiled = compileModel(join(dir, 'model.onnx'), { chip: 'raella', calibrationDir });
    const e = evaluateCompiled(compiled, compiled.floatModel, sets);
    accuracy.push([
      fixture,
      String(e.samples),
      pct(e.accuracy?.float),
      pct(e.accuracy?.compiled),
      pct(e.accuracy && e.accuracy.float - e.accuracy.compiled),
    ]);
  }
  const compile = seconds(() => compileModel(resnetPath, { chip: 'raella', randomWeights: 1 }));
  const input = resnetInput();
  const inputs = new Map([
    [
      compile.result.program.inputs.length > 0 ? compile.result.program.tensors[compile.result.program.inputs[0]].name : 'data',
      input,
    ],
  ]);
  // Steady runs of the prepared program (as the isaac simulator bench): preparing decodes the
  // crossbars and builds the layers once per program, like loading the chip.
  const prepare = seconds(() => prepareSimulation(compile.result.program));
  prepare.result.run(inputs);
  const simMs = median([0, 1, 2].map(() => seconds(() => prepare.result.run(inputs)).s * 1000));
  const ortMs = await onnxruntimeMs(resnetPath, input);
  const resnet = raellaReport(resnetPath, { randomWeights: 1, presets: ['isaac', 'raella-no-spec', 'raella'] });
  const byName = new Map(resnet.configurations.map((c) => [c.name, c]));
  const r = byName.get('raella');
  return [
    '### RAELLA (issue 4)',
    '',
    'Per model: mean ADC conversions of `raella` relative to the non-speculative count over conv layers (target ≤ 0.45), conv layers choosing 3 weight slices, ADC energy isaac / raella (target ≥ 3), whole energy raella / isaac (target < 1), energy per inference of each configuration (nJ), top-1 agreement of `raella` with the int8 reference (target ≥ 99.5 %), accuracy.',
    '',
    table(
      [
        'model',
        'adcShare (conv mean)',
        '3-slice convs',
        'ADC energy isaac/raella',
        'energy raella/isaac',
        ...RAELLA_ABLATION.map((p) => `${p} nJ`),
        'agreement with int8',
        'accuracy',
      ],
      [
        ...rows,
        [
          'light_resnet50 (random weights and BN, seed 1)',
          ...convFigures(r),
          fixed(byName.get('isaac').totals.energyPj.adc / r.totals.energyPj.adc, 2),
          fixed(energy(r) / energy(byName.get('isaac')), 3),
          fixed(energy(byName.get('isaac')) / 1e3, 1),
          '—',
          fixed(energy(byName.get('raella-no-spec')) / 1e3, 1),
          fixed(energy(r) / 1e3, 1),
          '—',
          '—',
        ],
      ],
    ),
    '',
    'Accuracy of `-p raella` against float (target: loss ≤ 0.3 points on ≥ 1,000 images, no retraining):',
    '',
    table(['model', 'images', 'float', 'raella', 'loss'], accuracy),
    '',
    `light_resnet50 \`-p raella\` (random weights): compile ${compile.s.toFixed(1)} s (target ≤ 60 s); simulated inference ${simMs.toFixed(0)} ms vs onnxruntime float ${ortMs.toFixed(1)} ms = ${(simMs / ortMs).toFixed(1)}× (target ≤ 50×); preparing the program once: ${prepare.s.toFixed(1)} s.`,
  ].join('\n');
}

async function rapidnnSection() {
  const rows = [];
  for (const fixture of MNIST) {
    const dir = join(fixtures, fixture);
    const sets = findTestSets([dir]).slice(0, quick ? 1 : 4);
    const compile = seconds(() => compileModel(join(dir, 'model.onnx'), { chip: 'rapidnn', calibrationDir }));
    const e = evaluateCompiled(compile.result, compile.result.floatModel, sets);
    rows.push([
      fixture,
      String(e.samples),
      pct(e.accuracy?.float),
      pct(e.accuracy?.compiled),
      pct(e.accuracy && e.accuracy.float - e.accuracy.compiled),
      pct(e.top1Agreement),
      fixed(e.energyPerInferencePJ / 1e3, 1),
      fixed(compile.s, 1),
    ]);
  }
  const lines = [
    '### RAPIDNN (issue 5)',
    '',
    '`-p rapidnn`, kW = kU = 64, post-training (no retraining); energies use the placeholder CAM / LUT / in-memory-add constants of cost-model.md §6.5.',
    '',
    table(['model', 'images', 'float', 'rapidnn', 'loss', 'top-1 agreement', 'energy nJ', 'compile s'], rows),
  ];
  if (!quick) {
    const compile = seconds(() => compileModel(resnetPath, { chip: 'rapidnn', randomWeights: 1 }));
    const input = resnetInput();
    const inputs = new Map([[compile.result.program.tensors[compile.result.program.inputs[0]].name, input]]);
    const prepared = prepareSimulation(compile.result.program);
    prepared.run(inputs);
    const sim = seconds(() => prepared.run(inputs));
    const ortMs = await onnxruntimeMs(resnetPath, input);
    lines.push(
      '',
      `light_resnet50 \`-p rapidnn\` (random weights): compile ${compile.s.toFixed(1)} s (target ≤ 30 s); simulated inference ${(sim.s * 1000).toFixed(0)} ms vs onnxruntime float ${ortMs.toFixed(1)} ms = ${((sim.s * 1000) / ortMs).toFixed(1)}×.`,
    );
  }
  return lines.join('\n');
}

console.log(await raellaSection());
console.log('');
console.log(await rapidnnSection());
