import type { SimulationResult } from '@pimc/driver';
import { table } from './output.js';

/** Energy per inference by component and per layer, latency and area: what `run` and `compile` print. */
export function formatCost(result: SimulationResult): string {
  const c = result.cost;
  const per = (pj: number) => pj / Math.max(1, c.batch);
  const energy = (pj: number) =>
    pj >= 1e6 ? `${(pj / 1e6).toFixed(3)} µJ` : pj >= 1e3 ? `${(pj / 1e3).toFixed(2)} nJ` : `${pj.toFixed(1)} pJ`;
  const time = (ns: number) =>
    ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
  const components = Object.entries(c.energyPJ.byComponent)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => [k, energy(per(v)), `${((100 * v) / Math.max(c.energyPJ.total, 1e-30)).toFixed(1)} %`]);
  const layers = c.perInstruction
    .filter((i) => i.energyPJ > 0)
    .map((i) => [i.name, i.op, energy(per(i.energyPJ)), time(i.latencyNs)]);
  return [
    `chip ${c.chip}; batch ${c.batch}; energy per inference ${energy(c.energyPJ.perInference)}; ` +
      `latency ${time(c.latencyNs.serial / Math.max(1, c.batch))} per inference layer after layer, ` +
      `${time(c.latencyNs.pipelined / Math.max(1, c.batch))} pipelined (bottleneck ${c.latencyNs.bottleneck}); ` +
      `chip area ${c.areaMm2.total.toFixed(2)} mm²`,
    '',
    table(['component', 'energy / inference', 'share'], components, new Set([1, 2])),
    '',
    table(['layer', 'op', 'energy / inference', 'latency (batch)'], layers, new Set([2, 3])),
    ...(c.placeholders.length === 0
      ? []
      : ['', `placeholder cost constants used (calibrate before quoting): ${c.placeholders.join(', ')}`]),
  ].join('\n');
}
