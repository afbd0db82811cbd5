// Derived views of RaellaReportData shared by the report sections: layer order, row lookup,
// energy totals and the colours of energy components.
import {
  ENERGY_COMPONENTS,
  type EnergyBreakdownPj,
  type EnergyComponent,
  type RaellaConfiguration,
  type RaellaLayerRow,
  type RaellaReportData,
} from './raella-report-types.js';

export const ENERGY_COMPONENT_LABELS: Readonly<Record<EnergyComponent, string>> = {
  adc: 'ADC',
  crossbar: 'Crossbar',
  dac: 'DAC',
  buffers: 'Buffers',
  digital: 'Digital',
  other: 'Other',
};

// Fixed per component (not per position) so every chart in a report colours ADC the same way.
export const ENERGY_COMPONENT_COLORS: Readonly<Record<EnergyComponent, string>> = {
  adc: '#D55E00',
  crossbar: '#0072B2',
  dac: '#E69F00',
  buffers: '#56B4E9',
  digital: '#009E73',
  other: '#999999',
};

export const ENERGY_SEGMENTS = ENERGY_COMPONENTS.map((c) => ({
  name: ENERGY_COMPONENT_LABELS[c],
  color: ENERGY_COMPONENT_COLORS[c],
}));

/** Report data normalised once: every configuration with its layers indexed by name. */
export interface RaellaModel {
  readonly configurations: readonly RaellaConfiguration[];
  /** Union of layer names in order of first appearance (first configuration first). */
  readonly layers: readonly string[];
  row(configIndex: number, layer: string): RaellaLayerRow | undefined;
}

export function buildRaellaModel(data: RaellaReportData): RaellaModel {
  const configurations = Array.isArray(data.configurations) ? data.configurations : [];
  const layers: string[] = [];
  const seen = new Set<string>();
  const indexes = configurations.map((config) => {
    const byName = new Map<string, RaellaLayerRow>();
    for (const row of Array.isArray(config.layers) ? config.layers : []) {
      const name = String(row.layer);
      if (!byName.has(name)) byName.set(name, row);
      if (!seen.has(name)) {
        seen.add(name);
        layers.push(name);
      }
    }
    return byName;
  });
  return { configurations, layers, row: (c, layer) => indexes[c]?.get(layer) };
}

/** Sum of the components present; undefined when none is. Non-finite components make it NaN/∞. */
export function energyTotal(energy: EnergyBreakdownPj | undefined): number | undefined {
  if (energy === undefined || energy === null) return undefined;
  let total: number | undefined;
  for (const c of ENERGY_COMPONENTS) {
    const v = energy[c];
    if (typeof v === 'number') total = (total ?? 0) + v;
  }
  return total;
}

/** A configuration's whole-model energy: its totals, or else the sum of its layers. */
export function configurationEnergy(config: RaellaConfiguration): {
  energy: EnergyBreakdownPj | undefined;
  summedFromLayers: boolean;
} {
  if (config.totals?.energyPj !== undefined && config.totals.energyPj !== null) {
    return { energy: config.totals.energyPj, summedFromLayers: false };
  }
  const summed: Partial<Record<EnergyComponent, number>> = {};
  let any = false;
  for (const row of Array.isArray(config.layers) ? config.layers : []) {
    for (const c of ENERGY_COMPONENTS) {
      const v = row.energyPj?.[c];
      if (typeof v !== 'number') continue;
      summed[c] = (summed[c] ?? 0) + v;
      any = true;
    }
  }
  return { energy: any ? summed : undefined, summedFromLayers: any };
}

/** a / b when both are finite and b is non-zero. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

/** "[4, 2, 2]", or undefined when there is no slicing. */
export function slicingText(slicing: readonly number[] | undefined): string | undefined {
  return Array.isArray(slicing) && slicing.length > 0 ? `[${slicing.join(', ')}]` : undefined;
}
