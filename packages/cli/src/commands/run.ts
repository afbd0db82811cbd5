import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  bindInputs,
  compareTensors,
  prepareModel,
  programInputs,
  readPimb,
  readTensorFile,
  runModel,
  simulate,
  writeTensorFile,
  type InputTensor,
} from '@pimc/driver';
import { formatShape, type Tensor } from '@pimc/ir';
import { PimcError } from '@pimc/support';
import { formatCost } from '../cost-table.js';
import type { Io } from '../output.js';

interface RunOpts {
  input: string[];
  output?: string;
  npy?: boolean;
  stats?: string;
  expect?: string;
}

export function registerRun(program: Command, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description("run an ONNX model on pimc's float reference executor, or a compiled .pimb on the simulated chip")
    .argument('<model>', 'ONNX model file, or compiled program (.pimb)')
    .requiredOption('-i, --input <files...>', 'input tensors (.pb TensorProto or .npy), by name or in input order')
    .option('-o, --output <dir>', 'write outputs there as output_<i>.pb (the ONNX test-set layout)')
    .option('--npy', 'write outputs as output_<i>.npy instead')
    .option('--stats <file>', '(.pimb) write event counts and the cost report as JSON')
    .option('--expect <dir>', 'compare outputs bit for bit with DIR/output_<i>.pb; exit 1 on any difference')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc run fixtures/mnist-lenet/model.onnx -i fixtures/mnist-lenet/test_data_set_0/input_0.pb -o out/\n' +
        '  $ pimc run lenet.pimb -i input_0.pb -o out/ --stats stats.json\n  $ pimc run lenet.pimb -i input_0.pb --expect golden/',
    )
    .action((path: string, opts: RunOpts) => {
      const given = opts.input.map(readTensorFile);
      const start = performance.now();
      const outputs = isPimb(path) ? runCompiled(path, given, opts, io) : runFloat(path, given);
      const ms = performance.now() - start;
      if (opts.output !== undefined) mkdirSync(opts.output, { recursive: true });
      outputs.forEach(({ name, tensor }, i) => {
        const file = opts.output === undefined ? undefined : join(opts.output, `output_${i}.${opts.npy === true ? 'npy' : 'pb'}`);
        if (file !== undefined) writeTensorFile(file, tensor, opts.npy === true ? 'npy' : 'pb', name);
        const head = tensor
          .toNumbers()
          .slice(0, 6)
          .map((x) => Number(x.toPrecision(6)));
        io.out(
          `${name}: ${tensor.dtype}${formatShape(tensor.shape)} [${head.join(', ')}${tensor.size > 6 ? ', …' : ''}]${file === undefined ? '' : ` -> ${file}`}`,
        );
      });
      io.out(`ran in ${ms.toFixed(1)} ms`);
      if (opts.expect !== undefined) setExitCode(checkExpected(outputs, opts.expect, io) ? 0 : 1);
    });
}

function isPimb(path: string): boolean {
  if (path.endsWith('.pimb')) return true;
  if (!existsSync(path)) return false;
  return readFileSync(path).subarray(0, 4).toString('latin1') === 'PIMB';
}

function runFloat(path: string, given: readonly InputTensor[]): { name: string; tensor: Tensor }[] {
  const { model } = prepareModel(path);
  return runModel(model, bindInputs(model.graph, given));
}

function runCompiled(path: string, given: readonly InputTensor[], opts: RunOpts, io: Io): { name: string; tensor: Tensor }[] {
  const program = readPimb(path);
  const names = programInputs(program).map((i) => i.name);
  if (given.length !== names.length) {
    throw new PimcError(
      'invalid-input',
      `the program takes ${names.length} input(s) (${names.join(', ')}) but ${given.length} were given`,
    );
  }
  const byName = given.every((g) => names.includes(g.name));
  const inputs = new Map(given.map((g, i) => [byName ? g.name : names[i]!, g.tensor]));
  const result = simulate(program, inputs);
  io.out(formatCost(result));
  io.out(`crossbar work: ${JSON.stringify(result.run.crossbar)}`);
  if (opts.stats !== undefined) {
    writeFileSync(
      opts.stats,
      JSON.stringify({ events: result.run.events, crossbar: result.run.crossbar, cost: result.cost }, null, 2),
    );
  }
  return [...result.outputs];
}

/** Bit-exact comparison with golden outputs; prints each difference. */
function checkExpected(outputs: readonly { name: string; tensor: Tensor }[], dir: string, io: Io): boolean {
  let ok = true;
  outputs.forEach(({ name, tensor }, i) => {
    const file = join(dir, `output_${i}.pb`);
    if (!existsSync(file)) {
      io.err(`expected output ${file} is missing`);
      ok = false;
      return;
    }
    const comparison = compareTensors(tensor, readTensorFile(file).tensor, { atol: 0, rtol: 0 });
    if (!comparison.ok) {
      io.err(`output ${i} (${name}) differs from ${file}: ${comparison.reason}`);
      ok = false;
    }
  });
  io.out(ok ? `outputs match ${dir} bit for bit` : `outputs DIFFER from ${dir}`);
  return ok;
}
