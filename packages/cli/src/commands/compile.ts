import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { compileModel, simulate, writePimb, type CompiledModel, type RapidnnCompileOptions } from '@pimc/driver';
import { formatCost } from '../cost-table.js';
import type { Io } from '../output.js';
import { PimcError } from '@pimc/support';

export function registerCompile(program: Command, io: Io): void {
  program
    .command('compile')
    .description('compile an ONNX model for a PIM chip into a .pimb binary (quantize, lower to crossbars, place)')
    .argument('<model>', 'ONNX model file')
    .option('-a, --arch <chip>', 'chip preset (isaac, raella, raella-no-spec, rapidnn, ...) or chip JSON file', 'isaac')
    .option('-p, --preset <chip>', 'same as --arch')
    .option('--calib <dir>', 'calibration inputs (input_<i>.pb or .npy; training data, not test data)')
    .option('--activations <type>', 'activation type: uint8 or int8', 'uint8')
    .option('--calibration <method>', 'range method: minmax or percentile', 'minmax')
    .option('-o, --output <file>', 'where to write the binary (default: <model name>.pimb here)')
    .option('--kw <n>', 'RAPIDNN: weight clusters per layer (4 … 64)')
    .option('--ku <n>', 'RAPIDNN: input clusters per layer input (4 … 64)')
    .option('--cam-bits <n>', 'RAPIDNN: key bits each CAM search compares (default 8)')
    .option('--activation-entries <n>', "RAPIDNN: entries of each activation CAM (default 64, or 'exact')")
    .option('--per-channel', 'RAPIDNN: weight clusters per output channel (a table per neuron) instead of per layer')
    .option(
      '--random-weights <seed>',
      'replace the float weights by seeded random ones (He-scaled Laplacian weights, trained-like BatchNormalization measured on the calibration inputs): for models that carry only their structure',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc compile fixtures/mnist-lenet/model.onnx\n  $ pimc compile model.onnx -a raella --calib calib/ -o model.pimb',
    )
    .action((path: string, opts: CompileFlags) => {
      const started = performance.now();
      const compiled = compileModel(path, {
        chip: opts.preset ?? opts.arch,
        ...(opts.randomWeights === undefined ? {} : { randomWeights: seedOf(opts.randomWeights) }),
        rapidnn: rapidnnFlags(opts),
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

interface CompileFlags {
  readonly arch: string;
  readonly preset?: string;
  readonly calib?: string;
  readonly activations: string;
  readonly calibration: string;
  readonly output?: string;
  readonly randomWeights?: string;
  readonly kw?: string;
  readonly ku?: string;
  readonly camBits?: string;
  readonly activationEntries?: string;
  readonly perChannel?: boolean;
}

/** The RAPIDNN knobs given on the command line (ignored by crossbar chips). */
export function rapidnnFlags(opts: {
  kw?: string;
  ku?: string;
  camBits?: string;
  activationEntries?: string;
  perChannel?: boolean;
}): RapidnnCompileOptions {
  const int = (text: string | undefined, flag: string): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new PimcError('usage', `${flag} takes a positive integer, not '${text}'`);
    return n;
  };
  const kW = int(opts.kw, '--kw');
  const kU = int(opts.ku, '--ku');
  const camBits = int(opts.camBits, '--cam-bits');
  const entries = opts.activationEntries === 'exact' ? 'exact' : int(opts.activationEntries, '--activation-entries');
  return {
    ...(kW === undefined ? {} : { kW }),
    ...(kU === undefined ? {} : { kU }),
    ...(camBits === undefined ? {} : { camBits }),
    ...(entries === undefined ? {} : { activationEntries: entries }),
    ...(opts.perChannel === true ? { wGranularity: 'outChannel' as const } : {}),
  };
}

/** A seed flag's value: a non-negative integer. */
export function seedOf(text: string): number {
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0) throw new PimcError('usage', `a seed is a non-negative integer, not '${text}'`);
  return seed;
}

function dirnameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts.length > 1 ? parts[parts.length - 2]! : 'model';
}

function summary(c: CompiledModel, output: string, ms: number): string {
  if (c.rapidnn !== undefined) {
    const luts = c.program.instructions.filter((i) => i.op === 'lut-mvm').length;
    return [
      `compiled in ${(ms / 1000).toFixed(2)} s -> ${output}`,
      `  chip ${c.chip.name}: ${luts} layers on lookup tables and CAMs, ${c.program.instructions.length - luts} other instructions`,
      `  calibration: ${c.calibration}`,
      `  pipeline: ${c.program.metadata['pipeline'] ?? ''}`,
    ].join('\n');
  }
  const mvms = c.program.instructions.filter((i) => i.op === 'crossbar-mvm').length;
  const digital = c.program.instructions.length - mvms;
  return [
    `compiled in ${(ms / 1000).toFixed(2)} s -> ${output}`,
    `  chip ${c.chip.name}: ${c.crossbarsUsed} of ${c.crossbarsAvailable} crossbars used (${((100 * c.crossbarsUsed) / c.crossbarsAvailable).toFixed(2)} %)`,
    `  layers: ${mvms} on crossbars, ${digital} digital`,
    `  calibration: ${c.calibration}`,
    `  pipeline: ${c.program.metadata['pipeline'] ?? ''}`,
  ].join('\n');
}

/** Energy and latency per inference, estimated by simulating one calibration sample. */
function estimate(c: CompiledModel): string {
  return `estimate for one inference (simulated on one calibration sample):\n${formatCost(simulate(c.program, c.sampleInput))}`;
}
