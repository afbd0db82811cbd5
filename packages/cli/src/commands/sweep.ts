import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_SWEEP_GRID, findTestSets, rapidnnSweep, type SweepGrid, type SweepResult } from '@pimc/driver';
import { renderSweepReport, sweepChartSvg, type SweepReportData } from '@pimc/report';
import { PimcError } from '@pimc/support';
import type { Io } from '../output.js';

interface SweepFlags {
  readonly data: string[];
  readonly calib: string;
  readonly arch: string;
  readonly kw?: string;
  readonly ku?: string;
  readonly camBits?: string;
  readonly activationEntries?: string;
  readonly full?: boolean;
  readonly reference?: string;
  readonly output?: string;
  readonly svg?: string;
  readonly json?: string;
  readonly seed: string;
}

export function registerSweep(program: Command, io: Io): void {
  program
    .command('sweep')
    .description(
      "RAPIDNN's tunable approximation: compile and evaluate a grid of (kW, kU, camBits, T), write a table and an accuracy-vs-energy Pareto chart",
    )
    .argument('<model>', 'ONNX model file')
    .requiredOption('--data <dirs...>', 'labelled test sets (input_<i>.pb + labels_0.pb) or folders holding test_data_set_*')
    .requiredOption('--calib <dir>', 'calibration inputs (training data)')
    .option('-a, --arch <chip>', 'chip with CAM and lookup blocks', 'rapidnn')
    .option('--kw <list>', 'weight cluster counts, comma-separated', DEFAULT_SWEEP_GRID.kW.join(','))
    .option('--ku <list>', 'input cluster counts, comma-separated', DEFAULT_SWEEP_GRID.kU.join(','))
    .option('--cam-bits <list>', 'CAM key bits compared, comma-separated', DEFAULT_SWEEP_GRID.camBits.join(','))
    .option(
      '--activation-entries <list>',
      'activation-CAM sizes T, comma-separated',
      DEFAULT_SWEEP_GRID.activationEntries.join(','),
    )
    .option('--full', 'every (kW, kU) combination instead of pairing kW[i] with kU[i]')
    .option('--reference <chip>', 'also compile for this crossbar chip (e.g. isaac) as a reference point')
    .option('-o, --output <file>', 'HTML report (table + chart)', 'sweep.html')
    .option('--svg <file>', 'the Pareto chart alone, as SVG')
    .option('--json <file>', 'the grid results as JSON')
    .option('--seed <n>', 'seed of the clustering', '0')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc sweep fixtures/mnist-lenet/model.onnx --data fixtures/mnist-lenet --calib fixtures/mnist-calibration\n' +
        '  $ pimc sweep model.onnx --data sets/ --calib calib/ --kw 16,64 --ku 16,64 --full --cam-bits 8 --svg pareto.svg',
    )
    .action((path: string, opts: SweepFlags) => {
      const sets = findTestSets(opts.data);
      if (sets.length === 0) throw new PimcError('usage', `no test sets under ${opts.data.join(', ')}`);
      const grid: SweepGrid = {
        kW: numbers(opts.kw, '--kw'),
        kU: numbers(opts.ku, '--ku'),
        camBits: numbers(opts.camBits, '--cam-bits'),
        activationEntries: numbers(opts.activationEntries, '--activation-entries'),
        diagonal: opts.full !== true,
      };
      const result = rapidnnSweep(path, {
        chip: opts.arch,
        calibrationDir: opts.calib,
        testSets: sets,
        grid,
        seed: Number(opts.seed),
        ...(opts.reference === undefined ? {} : { reference: opts.reference }),
        log: (m) => io.err(`  ${m}`),
      });
      const data = reportData(result);
      writeFileSync(opts.output ?? 'sweep.html', renderSweepReport(data));
      if (opts.svg !== undefined) writeFileSync(opts.svg, sweepChartSvg(data));
      if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
      io.out(table(result));
      io.out(`wrote ${[opts.output ?? 'sweep.html', opts.svg, opts.json].filter((f) => f !== undefined).join(', ')}`);
    });
}

function numbers(text: string | undefined, flag: string): number[] {
  const values = (text ?? '').split(',').map((t) => Number(t.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new PimcError('usage', `${flag} takes comma-separated positive integers, not '${text}'`);
  }
  return values;
}

function reportData(r: SweepResult): SweepReportData {
  return {
    model: r.model,
    title: `RAPIDNN sweep: ${r.model} on ${r.chip}`,
    notes: r.notes,
    ...(r.floatAccuracy === undefined ? {} : { floatAccuracy: r.floatAccuracy }),
    points: r.points,
    references: r.references,
  };
}

/** The grid as a plain-text table, one row per point. */
function table(r: SweepResult): string {
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(2)} %`);
  const header = [
    'kW',
    'kU',
    'camBits',
    'T',
    'accuracy',
    'loss vs float',
    'top-1 agreement',
    'energy (nJ)',
    'latency (µs)',
    'B/neuron',
  ];
  const rows = r.points.map((p) => [
    String(p.kW),
    String(p.kU),
    String(p.camBits),
    String(p.T),
    pct(p.accuracy),
    pct(p.accuracyLoss),
    pct(p.top1Agreement),
    ((p.energyPjPerInference ?? 0) / 1e3).toFixed(1),
    ((p.latencyNs ?? 0) / 1e3).toFixed(1),
    String(p.bytesPerNeuron),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const float = r.floatAccuracy === undefined ? '' : ` (float accuracy ${pct(r.floatAccuracy)})`;
  return [`${r.model} on ${r.chip}${float}`, line(header), ...rows.map(line)].join('\n');
}
