import type { Command } from 'commander';
import { formatChip, formatCostTable, listPresets, loadChip } from '@pimc/driver';
import type { Io } from '../output.js';
import { table } from '../output.js';

export function registerArch(program: Command, io: Io): void {
  const arch = program
    .command('arch')
    .description('chip descriptions: list the presets, show one, or show the cost constants that price it')
    .addHelpText(
      'after',
      '\nExamples:\n  $ pimc arch list\n  $ pimc arch show isaac\n  $ pimc arch show my-chip.json --json\n  $ pimc arch costs raella',
    );
  arch
    .command('list')
    .description('list the built-in chip presets')
    .action(() =>
      io.out(
        table(
          ['preset', 'extends', 'summary'],
          listPresets().map((p) => [p.name, p.extends ?? '', p.summary]),
        ),
      ),
    );
  arch
    .command('show')
    .description('print a chip (a preset name or a JSON file that may "extends" one), validated')
    .argument('[chip]', 'preset name or chip.json', 'isaac')
    .option('--json', 'print the resolved description as JSON')
    .action((spec: string, opts: { json?: boolean }) => {
      const chip = loadChip(spec);
      io.out(opts.json === true ? JSON.stringify(chip, null, 2) : formatChip(chip));
    });
  arch
    .command('costs')
    .description('print every cost constant for a chip, with its unit and source')
    .argument('[chip]', 'preset name or chip.json', 'isaac')
    .action((spec: string) => io.out(formatCostTable(loadChip(spec))));
}
