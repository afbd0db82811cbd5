import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { findTestSets, raellaReport, RAELLA_ABLATION, type RaellaReport } from '@pimc/driver';
import { renderRaellaReport } from '@pimc/report';
import { seedOf } from './compile.js';
import type { Io } from '../output.js';

interface ReportFlags {
  readonly presets: string;
  readonly calib?: string;
  readonly data?: string[];
  readonly randomWeights?: string;
  readonly output: string;
  readonly json?: string;
}

export function registerReport(program: Command, io: Io): void {
  program
    .command('report')
    .description(
      "RAELLA's ablation as a self-contained HTML report: per-layer energy breakdown, ADC conversions, slicings, column-sum histograms and metrics for each configuration",
    )
    .argument('<model>', 'ONNX model file')
    .option('--presets <list>', 'configurations, comma-separated, the baseline first', RAELLA_ABLATION.join(','))
    .option('--calib <dir>', 'calibration inputs (training data)')
    .option('--data <dirs...>', 'labelled test sets: accuracy and top-1 agreement with the int8 reference')
    .option(
      '--random-weights <seed>',
      'replace placeholder weights by seeded random ones, BatchNormalization statistics measured on the calibration inputs (structure-only models)',
    )
    .option('-o, --output <file>', 'the HTML report', 'report.html')
    .option('--json <file>', 'the same data as JSON (with the full per-layer analyses)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc report fixtures/mnist-lenet/model.onnx --calib fixtures/mnist-calibration --data fixtures/mnist-lenet -o lenet.html\n' +
        '  $ pimc report light_resnet50.onnx --random-weights 1 --presets isaac,raella --json resnet.json',
    )
    .action((path: string, opts: ReportFlags) => {
      const report = raellaReport(path, {
        presets: opts.presets.split(',').map((p) => p.trim()),
        ...(opts.calib === undefined ? {} : { calibrationDir: opts.calib }),
        ...(opts.data === undefined ? {} : { testSets: findTestSets(opts.data) }),
        ...(opts.randomWeights === undefined ? {} : { randomWeights: seedOf(opts.randomWeights) }),
        log: (m) => io.err(`  ${m}`),
      });
      writeFileSync(opts.output, renderRaellaReport(report));
      if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
      io.out(summary(report));
      io.out(`wrote ${[opts.output, opts.json].filter((f) => f !== undefined).join(', ')}`);
    });
}

/** Whole-model totals per configuration, against the first. */
function summary(r: RaellaReport): string {
  const base = r.configurations[0];
  const energy = (c: (typeof r.configurations)[number]) =>
    Object.values(c.totals?.energyPj ?? {}).reduce((a: number, b) => a + (b ?? 0), 0);
  const adc = (c: (typeof r.configurations)[number]) => c.totals?.energyPj?.adc ?? 0;
  const lines = r.configurations.map((c) => {
    const ratio =
      base === undefined
        ? ''
        : ` (${(energy(c) / energy(base)).toFixed(3)}× ${base.name}; ADC ${(adc(c) / adc(base)).toFixed(3)}×)`;
    const agreement =
      c.totals?.top1Agreement === undefined ? '' : `, top-1 agreement with int8 ${(100 * c.totals.top1Agreement).toFixed(2)} %`;
    return `  ${c.name}: ${(energy(c) / 1e3).toFixed(2)} nJ per inference${ratio}${agreement}`;
  });
  return [`${r.model}`, ...lines].join('\n');
}
