import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { bindInputs, prepareModel, readTensorFile, runModel, writeTensorFile } from '@pimc/driver';
import { formatShape } from '@pimc/ir';
import type { Io } from '../output.js';

export function registerRun(program: Command, io: Io): void {
  program
    .command('run')
    .description("run a model with pimc's float reference executor")
    .argument('<model>', 'ONNX model file')
    .requiredOption('-i, --input <files...>', 'input tensors (.pb TensorProto or .npy), by name or in input order')
    .option('-o, --output <dir>', 'write outputs there as output_<i>.pb (the ONNX test-set layout)')
    .option('--npy', 'write outputs as output_<i>.npy instead')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc run fixtures/mnist-lenet/model.onnx -i fixtures/mnist-lenet/test_data_set_0/input_0.pb -o out/\n  $ pimc run model.onnx -i x.npy -o out/ --npy',
    )
    .action((path: string, opts: { input: string[]; output?: string; npy?: boolean }) => {
      const { model } = prepareModel(path);
      const inputs = bindInputs(model.graph, opts.input.map(readTensorFile));
      const start = performance.now();
      const outputs = runModel(model, inputs);
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
    });
}
