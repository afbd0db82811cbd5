import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { compileModel, simulate, writePimb, type CompiledModel } from '@pimc/driver';
import { formatCost } from '../cost-table.js';
import type { Io } from '../output.js';

export function registerCompile(program: Command, io: Io): void {
  program
    .command('compile')
    .description('compile an ONNX model for a PIM chip into a .pimb binary (quantize, lower to crossbars, place)')
    .argument('<model>', 'ONNX model file')
    .option('-a, --arch <chip>', 'chip preset (isaac, raella, ...) or chip JSON file', 'isaac')
    .option('--calib <dir>', 'calibration inputs (input_<i>.pb or .npy; training data, not test data)')
    .option('--activations <type>', 'activation type: uint8 or int8', 'uint8')
    .option('--calibration <method>', 'range method: minmax or percentile', 'minmax')
    .option('-o, --output <file>', 'where to write the binary (default: <model name>.pimb here)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc compile fixtures/mnist-lenet/model.onnx\n  $ pimc compile model.onnx -a raella --calib calib/ -o model.pimb',
    )
    .action((path: string, opts: { arch: string; calib?: string; activations: string; calibration: string; output?: string }) => {
      const started = performance.now();
      const compiled = compileModel(path, {
        chip: opts.arch,
        ...(opts.calib === undefined ? {} : { calibrationDir: opts.calib }),
        activations: opts.activations === 'int8' ? 'int8' : 'uint8',
        method: opts.calibration === 'percentile' ? 'percentile' : 'minmax',
        log: (m) => io.err(`  ${m}`),
      });
      const output =
        opts.output ??
        `${basename(path, extname(path)) === 'model' ? basename(dirnameOf(path)) : basename(path, extname(path))}.pimb`;
      writePimb(output, compiled.program);
      io.out(summary(compiled, output, performance.now() - started));
      io.out(estimate(compiled));
    });
}

function dirnameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts.length > 1 ? parts[parts.length - 2]! : 'model';
}

function summary(c: CompiledModel, output: string, ms: number): string {
  const mvms = c.program.instructions.filter((i) => i.op === 'crossbar-mvm').length;
  const digital = c.program.instructions.length - mvms;
  return [
    `compiled in ${(ms / 1000).toFixed(2)} s -> ${output}`,
    `  chip ${c.chip.name}: ${c.crossbarsUsed} of ${c.crossbarsAvailable} crossbars used (${((100 * c.crossbarsUsed) / c.crossbarsAvailable).toFixed(2)} %)`,
    `  layers: ${mvms} on crossbars, ${digital} digital`,
    `  calibration: ${c.calibration}`,
    `  pipeline: ${c.quantized.pipeline}`,
  ].join('\n');
}

/** Energy and latency per inference, estimated by simulating one calibration sample. */
function estimate(c: CompiledModel): string {
  return `estimate for one inference (simulated on one calibration sample):\n${formatCost(simulate(c.program, c.sampleInput))}`;
}
