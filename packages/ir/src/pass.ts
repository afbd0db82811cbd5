import { PimcError, Rng } from '@pimc/support';
import type { Model, Node } from './graph.js';
import type { Tensor } from './tensor.js';
import type { OpCatalogue } from './op-schema.js';
import { verifyGraph } from './verify.js';

/** A pass option: typed, defaulted, documented, with the source of its default. */
export interface PassOption<T extends number | boolean | string = number | boolean | string> {
  readonly type: 'int' | 'float' | 'bool' | 'string';
  readonly default: T;
  readonly help: string;
  /** Where the default comes from: [paper], [artifact], [recalled] or [ours] (algorithms.md tags). */
  readonly source?: string;
}

export type PassOptionValues<O extends Record<string, PassOption>> = {
  readonly [K in keyof O]: O[K]['default'];
};

/** What a running pass may touch besides the IR it is given: nothing global, all of it here. */
export interface PassContext {
  /** Seeded generator; the same seed gives the same output. */
  readonly rng: Rng;
  /** Adds to one of the statistics the pass declared. */
  count(statistic: string, amount?: number): void;
  /** Progress and remarks, routed by the caller (library code never prints). */
  log(message: string): void;
  /**
   * Computes a node on constant operands with the reference semantics. Supplied by the driver
   * (which owns the executor), so passes can fold constants without depending on the executor.
   */
  readonly evaluate: ConstantEvaluator | undefined;
}

/** Reference semantics of one node on known operands, as a pass may borrow them. */
export type ConstantEvaluator = (node: Node, operands: readonly (Tensor | undefined)[]) => Tensor[];

/**
 * A pass, described declaratively (the generated pass reference reads these fields). `run` returns
 * the model unchanged (the same object) when it had nothing to do.
 */
export interface Pass<O extends Record<string, PassOption> = Record<string, PassOption>> {
  /** kebab-case id; also its file name and its name in pipeline text. */
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly options: O;
  /** Statistic name → what it counts. */
  readonly statistics: Readonly<Record<string, string>>;
  run(model: Model, options: PassOptionValues<O>, ctx: PassContext): Model;
}

export function definePass<O extends Record<string, PassOption>>(pass: Pass<O>): Pass {
  return pass as unknown as Pass;
}

/** One pass of a pipeline with its textual options. */
export interface PipelineStep {
  readonly pass: string;
  readonly options: Readonly<Record<string, string>>;
}

/** Parses `fold-constants,fold-batchnorm{a=1,b=x}`; prints back identically via printPipeline. */
export function parsePipeline(text: string): PipelineStep[] {
  const steps: PipelineStep[] = [];
  const re = /\s*([a-z][a-z0-9-]*)\s*(?:\{([^}]*)\})?\s*(,|$)/gy;
  let match: RegExpExecArray | null;
  let pos = 0;
  while (pos < text.length && (match = re.exec(text)) !== null) {
    if (match[0] === '') break;
    const options: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new PimcError('pipeline', `pipeline option '${pair.trim()}' of ${match[1]} should be name=value`);
      options[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    steps.push({ pass: match[1]!, options });
    pos = re.lastIndex;
  }
  if (pos < text.trim().length) throw new PimcError('pipeline', `cannot parse pipeline at '${text.slice(pos)}'`);
  return steps;
}

export function printPipeline(steps: readonly PipelineStep[]): string {
  return steps
    .map((s) => {
      const opts = Object.entries(s.options).map(([k, v]) => `${k}=${v}`);
      return opts.length === 0 ? s.pass : `${s.pass}{${opts.join(',')}}`;
    })
    .join(',');
}

/** What one pass did, for reports and `--pass-statistics`. */
export interface PassRecord {
  readonly pass: string;
  readonly options: Readonly<Record<string, number | boolean | string>>;
  readonly statistics: Readonly<Record<string, number>>;
  readonly milliseconds: number;
  readonly changed: boolean;
}

export interface PassManagerOptions {
  readonly seed?: number;
  /** Verify the IR after every pass (on in tests). */
  readonly verifyEach?: boolean;
  readonly log?: (message: string) => void;
  readonly evaluate?: ConstantEvaluator;
  /** Called after each pass, e.g. to print the IR after a named pass. */
  readonly afterPass?: (record: PassRecord, model: Model) => void;
}

/** Runs a pipeline of registered passes, in order, with statistics and timing. */
export class PassManager {
  private readonly byName = new Map<string, Pass>();

  constructor(
    passes: readonly Pass[],
    private readonly ops: OpCatalogue,
  ) {
    for (const p of passes) {
      if (this.byName.has(p.name)) throw new PimcError('internal', `pass ${p.name} registered twice`);
      this.byName.set(p.name, p);
    }
  }

  passes(): Pass[] {
    return [...this.byName.values()];
  }

  run(
    model: Model,
    pipeline: readonly PipelineStep[] | string,
    options: PassManagerOptions = {},
  ): { model: Model; records: PassRecord[] } {
    const steps = typeof pipeline === 'string' ? parsePipeline(pipeline) : pipeline;
    const resolved = steps.map((s) => ({ pass: this.lookup(s.pass), values: this.parseOptions(s) }));
    const rng = new Rng(options.seed ?? 0);
    const records: PassRecord[] = [];
    let current = model;
    for (const { pass, values } of resolved) {
      const stats: Record<string, number> = Object.fromEntries(Object.keys(pass.statistics).map((k) => [k, 0]));
      const ctx: PassContext = {
        rng,
        count: (statistic, amount = 1) => {
          if (!(statistic in stats)) {
            throw new PimcError('internal', `pass ${pass.name} counts undeclared statistic '${statistic}'`);
          }
          stats[statistic]! += amount;
        },
        log: options.log ?? (() => undefined),
        evaluate: options.evaluate,
      };
      const start = performance.now();
      const next = pass.run(current, values as never, ctx);
      const record: PassRecord = {
        pass: pass.name,
        options: values,
        statistics: stats,
        milliseconds: performance.now() - start,
        changed: next !== current,
      };
      if (options.verifyEach === true && record.changed) {
        try {
          verifyGraph(next.graph, this.ops);
        } catch (e) {
          throw new PimcError('pass', `IR is invalid after pass ${pass.name}: ${(e as Error).message}`, { cause: e });
        }
      }
      current = next;
      records.push(record);
      options.afterPass?.(record, current);
    }
    return { model: current, records };
  }

  private lookup(name: string): Pass {
    const pass = this.byName.get(name);
    if (pass === undefined) {
      throw new PimcError('pipeline', `unknown pass '${name}'`, { notes: [`passes: ${[...this.byName.keys()].join(', ')}`] });
    }
    return pass;
  }

  private parseOptions(step: PipelineStep): Record<string, number | boolean | string> {
    const pass = this.lookup(step.pass);
    const values: Record<string, number | boolean | string> = {};
    for (const [name, spec] of Object.entries(pass.options)) values[name] = spec.default;
    for (const [name, text] of Object.entries(step.options)) {
      const spec = pass.options[name];
      if (spec === undefined) {
        throw new PimcError('pipeline', `pass ${pass.name} has no option '${name}'`, {
          notes: [`options: ${Object.keys(pass.options).join(', ') || '(none)'}`],
        });
      }
      values[name] = parseOptionValue(spec, text, `${pass.name}{${name}}`);
    }
    return values;
  }
}

function parseOptionValue(spec: PassOption, text: string, what: string): number | boolean | string {
  switch (spec.type) {
    case 'string':
      return text;
    case 'bool':
      if (text === 'true' || text === 'false') return text === 'true';
      break;
    case 'int':
      if (/^-?\d+$/.test(text)) return Number(text);
      break;
    case 'float':
      if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
      break;
  }
  throw new PimcError('pipeline', `${what}: '${text}' is not a valid ${spec.type}`);
}
