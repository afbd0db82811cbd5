import type { Command } from 'commander';
import { compileModel, evaluateCompiled, findTestSets } from '@pimc/driver';
import { PimcError } from '@pimc/support';
import type { Io } from '../output.js';

export function registerEval(program: Command, io: Io): void {
  program
    .command('eval')
    .description('compile a model, run its test sets on the simulated chip and compare with the float reference')
    .argument('<model>', 'ONNX model file')
    .requiredOption('--data <dirs...>', 'test sets (input_<i>.pb [+ labels_0.pb]) or folders holding test_data_set_*')
    .option('-a, --arch <chip>', 'chip preset or chip JSON file', 'isaac')
    .option('-p, --preset <chip>', 'same as --arch')
    .option('--calib <dir>', 'calibration inputs (training data)')
    .option('--json', 'print the evaluation as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc eval fixtures/mnist-lenet/model.onnx --data fixtures/mnist-lenet --calib fixtures/mnist-calibration\n' +
        '  $ pimc eval model.onnx --data sets/ -a raella --json',
    )
    .action((path: string, opts: { data: string[]; arch: string; preset?: string; calib?: string; json?: boolean }) => {
      const sets = findTestSets(opts.data);
      if (sets.length === 0) throw new PimcError('usage', `no test sets under ${opts.data.join(', ')}`);
      const compiled = compileModel(path, {
        chip: opts.preset ?? opts.arch,
        ...(opts.calib === undefined ? {} : { calibrationDir: opts.calib }),
        log: (m) => io.err(`  ${m}`),
      });
      const e = evaluateCompiled(compiled, compiled.floatModel, sets);
      if (opts.json === true) {
        io.out(JSON.stringify({ model: path, calibration: compiled.calibration, ...e }, null, 2));
        return;
      }
      const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
      io.out(
        [
          `${path} on ${e.chip}: ${e.samples} samples in ${e.sets} test set(s)`,
          e.accuracy === undefined
            ? undefined
            : `  accuracy: float ${pct(e.accuracy.float)}, compiled ${pct(e.accuracy.compiled)} (${pct(e.accuracy.compiled - e.accuracy.float)})`,
          e.top1Agreement === undefined ? undefined : `  top-1 agreement with float: ${pct(e.top1Agreement)}`,
          `  output error vs float: max abs ${e.maxAbsError.toPrecision(4)}, max rel ${e.maxRelError.toPrecision(4)}, cosine ${e.cosine.toFixed(6)}`,
          `  ADC: ${e.saturatedConversions} of ${e.conversions} conversions saturated`,
          `  per inference: ${(e.energyPerInferencePJ / 1e3).toFixed(2)} nJ, ${(e.latencyPerInferenceNs.serial / 1e3).toFixed(2)} µs layer after layer, ${(e.latencyPerInferenceNs.pipelined / 1e3).toFixed(2)} µs pipelined`,
          `  calibration: ${compiled.calibration}`,
        ]
          .filter((l) => l !== undefined)
          .join('\n'),
      );
    });
}
