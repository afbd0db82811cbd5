import type { Command } from 'commander';
import { findTestDirs, runConformanceTest, type ConformanceResult } from '@pimc/driver';
import { PimcError } from '@pimc/support';
import type { Io } from '../output.js';

export function registerConformance(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('conformance')
    .description('run ONNX backend-test folders (model.onnx + test_data_set_*/input_*.pb, output_*.pb) and compare outputs')
    .argument('<dirs...>', 'test folders, or folders containing them')
    .option('--atol <x>', 'absolute tolerance', Number, 1e-4)
    .option('--rtol <x>', 'relative tolerance', Number, 1e-3)
    .option('--pipeline <passes>', "passes to apply before running ('' for the raw import)")
    .option('--json', 'print one JSON result per test')
    .option('-v, --verbose', 'print passing tests too')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc conformance ../shared/onnx-node\n  $ pimc conformance ../shared/onnx-node/test_conv_with_strides_padding -v',
    )
    .action((dirs: string[], opts: { atol: number; rtol: number; pipeline?: string; json?: boolean; verbose?: boolean }) => {
      const tests = findTestDirs(dirs);
      if (tests.length === 0) throw new PimcError('usage', `no test folders (with a model.onnx) under ${dirs.join(', ')}`);
      let passed = 0;
      for (const dir of tests) {
        const result = runConformanceTest(dir, {
          tolerance: { atol: opts.atol, rtol: opts.rtol },
          ...(opts.pipeline === undefined ? {} : { pipeline: opts.pipeline }),
        });
        if (result.ok) passed++;
        if (opts.json === true) io.out(JSON.stringify(result));
        else if (!result.ok || opts.verbose === true) io.out(describe(result));
      }
      const failed = tests.length - passed;
      io.out(`${passed} passed, ${failed} failed`);
      setExitCode(failed === 0 ? 0 : 1);
    });
}

function describe(r: ConformanceResult): string {
  const status = r.ok ? 'PASS' : 'FAIL';
  const lines = [`${status} ${r.name} (${r.milliseconds.toFixed(0)} ms)`];
  if (r.error !== undefined) lines.push(...r.error.split('\n').map((l) => `  ${l}`));
  for (const s of r.sets) {
    s.outputs.forEach((o, i) => {
      if (!o.ok) lines.push(`  ${s.set} output ${i}: ${o.reason}`);
    });
  }
  return lines.join('\n');
}
