import { Command, CommanderError } from 'commander';
import { isPimcError } from '@pimc/support';
import { registerArch } from './commands/arch.js';
import { registerCompile } from './commands/compile.js';
import { registerConformance } from './commands/conformance.js';
import { registerDisasm } from './commands/disasm.js';
import { registerEval } from './commands/eval.js';
import { registerInspect } from './commands/inspect.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSweep } from './commands/sweep.js';
import { processIo, type Io } from './output.js';

/** Exit codes: 0 ok, 1 failure (mismatch, invalid model), 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('pimc')
    .description('compile ONNX models for processing-in-memory hardware, and run them')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerInspect(program, io);
  registerCompile(program, io);
  registerRun(program, io, setExitCode);
  registerConformance(program, io, setExitCode);
  registerArch(program, io);
  registerDisasm(program, io);
  registerEval(program, io);
  registerSweep(program, io);
  registerReport(program, io);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
  return program;
}

/** Runs the command line and returns the exit code (never calls process.exit: testable). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successful exits; every other commander error is a usage error.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (isPimcError(e, 'usage')) {
      io.err(`pimc: ${e.describe()}`);
      return EXIT_USAGE;
    }
    if (isPimcError(e) && e.code !== 'internal') {
      io.err(`pimc: error [${e.code}]: ${e.describe()}`);
      return EXIT_FAILURE;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.err(`pimc: internal error (a bug in pimc; please report it with the model and command):\n${err.stack ?? err.message}`);
    return EXIT_FAILURE;
  }
}
