import {
  adcConvertNs,
  ENERGY_COMPONENTS,
  priceEvents,
  requireMacro,
  type Breakdown,
  type Chip,
  type ConstantName,
  type EnergyComponent,
} from '@pimc/arch';
import type { CrossbarImage, CrossbarMvm, Program } from '@pimc/isa';
import { lutLatencyNs } from './lut/lut-events.js';
import type { RunResult } from './run-program.js';

export interface InstructionCost {
  readonly name: string;
  readonly op: string;
  /** Energy of this instruction over the run's batch, pJ, by component. */
  readonly energyPJ: number;
  readonly energyByComponent: Readonly<Record<EnergyComponent, number>>;
  /**
   * Latency over the run's batch, ns, with the instruction's own parallelism: a crossbar layer's
   * tiles work at once (per output position: passes × crossbar cycles — input slices, or with
   * speculation its slices plus one recovery cycle per input bit — × the longer of the crossbar
   * cycle and the ADC read-out); a lut-mvm's neurons spread over its RNA blocks (K table reads,
   * the adder tree and the bias add, one CAM search each); a digital op or a cam-encode is priced
   * serially on one unit.
   */
  readonly latencyNs: number;
}

export interface CostReport {
  /** The chip priced: print it next to every figure. */
  readonly chip: string;
  /** Images in the run; totals cover all of them. */
  readonly batch: number;
  readonly perInstruction: readonly InstructionCost[];
  readonly energyPJ: {
    readonly total: number;
    readonly perInference: number;
    readonly byComponent: Readonly<Record<EnergyComponent, number>>;
  };
  readonly latencyNs: {
    /** Layer after layer, no overlap (upper estimate). */
    readonly serial: number;
    /** Layers fully overlapped in a pipeline: the bottleneck instruction dominates (lower estimate). */
    readonly pipelined: number;
    readonly bottleneck: string;
    /** The cost model's event-serial figure: every event after another on one unit (a loose upper bound). */
    readonly eventSerial: number;
  };
  readonly areaMm2: Breakdown;
  /** Placeholder cost constants the figures depend on (calibrate before quoting). */
  readonly placeholders: readonly ConstantName[];
}

/** Energy, latency and area of a run, per instruction and in total (docs/simulator.md, "Cost report"). */
export function costReport(program: Program, run: RunResult): CostReport {
  const chip = program.chip;
  const crossbars = new Map(program.crossbars.map((c) => [c.id, c]));
  const placeholders = new Set<ConstantName>();
  const perInstruction = run.perInstruction.map((record, i): InstructionCost => {
    const price = priceEvents(chip, record.events);
    price.placeholders.forEach((p) => placeholders.add(p));
    const instruction = program.instructions[i]!;
    const latencyNs =
      instruction.op === 'crossbar-mvm'
        ? mvmLatencyNs(chip, instruction, crossbars, run.batch)
        : instruction.op === 'lut-mvm'
          ? lutLatencyNs(chip, instruction, run.batch)
          : price.latencyNs.total;
    return {
      name: record.name,
      op: record.op,
      energyPJ: price.energyPJ.total,
      energyByComponent: price.energyPJ.byComponent,
      latencyNs,
    };
  });
  const total = priceEvents(chip, run.events);
  const byComponent = Object.fromEntries(ENERGY_COMPONENTS.map((c) => [c, total.energyPJ.byComponent[c]])) as Record<
    EnergyComponent,
    number
  >;
  let serial = 0;
  let bottleneck = perInstruction[0];
  for (const c of perInstruction) {
    serial += c.latencyNs;
    if (bottleneck === undefined || c.latencyNs > bottleneck.latencyNs) bottleneck = c;
  }
  return {
    chip: chip.name,
    batch: run.batch,
    perInstruction,
    energyPJ: { total: total.energyPJ.total, perInference: total.energyPJ.total / Math.max(1, run.batch), byComponent },
    latencyNs: {
      serial,
      pipelined: bottleneck?.latencyNs ?? 0,
      bottleneck: bottleneck?.name ?? '',
      eventSerial: total.latencyNs.total,
    },
    areaMm2: total.areaMm2,
    placeholders: [...placeholders].sort(),
  };
}

/**
 * A crossbar layer's latency: per image and output position, every input pass and crossbar cycle
 * (one per input slice; with speculation, one per speculative slice plus one per input bit for the
 * recovery) takes one crossbar cycle or, if longer, the time its ADCs need to convert the used
 * columns (the busiest macro's columns over its ADCs — an upper bound for recovery cycles, which
 * convert only the failed columns); all tiles run in parallel and the digital tail overlaps.
 */
function mvmLatencyNs(chip: Chip, mvm: CrossbarMvm, crossbars: ReadonlyMap<number, CrossbarImage>, batch: number): number {
  const macro = requireMacro(chip, 'crossbar latency');
  const columnsPerUnit = new Map<string, number>();
  for (const t of mvm.tiles) {
    const image = crossbars.get(t.crossbar);
    const unit = macro.adc.per === 'macro' ? `${image?.tile}/${image?.macro}` : `${t.crossbar}`;
    columnsPerUnit.set(unit, (columnsPerUnit.get(unit) ?? 0) + t.channelCount * mvm.weights.slices.length);
  }
  let busiest = 0;
  for (const columns of columnsPerUnit.values()) busiest = Math.max(busiest, columns);
  const readoutNs = Math.ceil(busiest / macro.adc.count) * adcConvertNs(chip);
  const sliceNs = Math.max(macro.crossbar.cycleNs, readoutNs);
  const passes = mvm.inputs.signed ? 2 : 1;
  const positions = mvm.geometry.outShape[1] * mvm.geometry.outShape[2];
  const speculation = mvm.inputs.speculation;
  const cycles = speculation === undefined ? mvm.inputs.slices.length : speculation.slices.length + mvm.inputs.bits;
  return batch * positions * passes * cycles * sliceNs;
}
