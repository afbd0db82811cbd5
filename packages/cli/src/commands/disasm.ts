import type { Command } from 'commander';
import { disassembleFile } from '@pimc/driver';
import type { Io } from '../output.js';

export function registerDisasm(program: Command, io: Io): void {
  program
    .command('disasm')
    .description('print a compiled .pimb readably: header, chip, tensors, crossbars and every instruction')
    .argument('<file>', 'compiled program (.pimb)')
    .addHelpText('after', '\nExamples:\n  $ pimc disasm model.pimb\n  $ pimc disasm model.pimb | less')
    .action((file: string) => io.out(disassembleFile(file)));
}
