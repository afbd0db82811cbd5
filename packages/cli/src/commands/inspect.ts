import { InvalidArgumentError, type Command } from 'commander';
import { inspectModel, prepareModel } from '@pimc/driver';
import { formatShape, printModel } from '@pimc/ir';
import { humanCount, table, type Io } from '../output.js';

export function registerInspect(program: Command, io: Io): void {
  program
    .command('inspect')
    .description('show a model: inputs and outputs, ops, parameters, and shapes and MACs per layer')
    .argument('<model>', 'ONNX model file')
    .option('--json', 'print the summary as JSON')
    .option('--ir', "print pimc's IR of the model instead of the summary")
    .option('--raw', 'show the model as imported, before the simplification pipeline')
    .option('--batch <n>', 'size bound to symbolic dimensions for per-layer figures', parsePositiveInt, 1)
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc inspect fixtures/mnist-lenet/model.onnx\n  $ pimc inspect model.onnx --ir\n  $ pimc inspect model.onnx --json > summary.json',
    )
    .action((path: string, opts: { json?: boolean; ir?: boolean; raw?: boolean; batch: number }) => {
      const { model } = prepareModel(path, opts.raw === true ? { pipeline: '' } : {});
      if (opts.ir === true) {
        io.out(printModel(model));
        return;
      }
      const s = inspectModel(model, { batch: opts.batch });
      if (opts.json === true) {
        io.out(JSON.stringify(s, null, 2));
        return;
      }
      const io_ = (list: typeof s.inputs) => list.map((v) => `  ${v.name}: ${v.dtype}${formatShape(v.shape)}`).join('\n');
      const bound = Object.entries(s.bindings).map(([k, v]) => `${k}=${v}`);
      io.out(
        [
          `model: ${s.source}${s.producer === '' ? '' : ` (from ${s.producer})`}`,
          `opsets: ${Object.entries(s.opsets)
            .map(([d, v]) => `${d} ${v}`)
            .join(', ')}`,
          `inputs:\n${io_(s.inputs)}`,
          `outputs:\n${io_(s.outputs)}`,
          `ops: ${Object.entries(s.opCounts)
            .sort((a, b) => b[1] - a[1])
            .map(([op, n]) => `${op}×${n}`)
            .join(' ')}`,
          `parameters: ${humanCount(s.parameters)} (${s.parameters})`,
          `MACs per inference: ${humanCount(s.macs)}${bound.length === 0 ? '' : ` (with ${bound.join(', ')})`}`,
          '',
          table(
            ['layer', 'op', 'output', 'params', 'MACs'],
            s.layers.map((l) => [
              l.name,
              l.op,
              l.output,
              l.parameters === 0 ? '' : humanCount(l.parameters),
              l.macs === 0 ? '' : humanCount(l.macs),
            ]),
            new Set([3, 4]),
          ),
        ].join('\n'),
      );
    });
}

export function parsePositiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${text}' is not a positive integer`);
  return n;
}
