// Deterministic, made-up report inputs for tests and for looking at a rendered page. The numbers are
// shaped like real runs (ISAAC-like vs Center+Offset column sums, 4-2-2 slicings) but mean nothing.
import type { ColumnSumHistogram, RaellaConfiguration, RaellaLayerRow, RaellaReportData } from './raella-report-types.js';
import type { SweepPoint, SweepReportData } from './sweep-report-types.js';

/** A smooth pseudo-random value in [0, 1) from an integer seed (no state). */
function wobble(seed: number): number {
  const s = Math.sin(seed * 12.9898 + 78.233) * 43758.5453;
  return s - Math.floor(s);
}

function gaussianCounts(start: number, end: number, mean: number, std: number, samples: number): number[] {
  const counts: number[] = [];
  for (let v = start; v <= end; v++) {
    counts.push(Math.round((samples / (std * Math.sqrt(2 * Math.PI))) * Math.exp(-((v - mean) ** 2) / (2 * std * std))));
  }
  return counts;
}

const CONFIGS = [
  { name: 'isaac', adcScale: 1, slicing: undefined, spec: false },
  { name: 'raella-no-spec-2b', adcScale: 0.55, slicing: [2, 2, 2, 2], spec: false },
  { name: 'raella-no-spec', adcScale: 0.42, slicing: [4, 2, 2], spec: false },
  { name: 'raella', adcScale: 0.2, slicing: [4, 2, 2], spec: true },
] as const;

function layerName(i: number, count: number): string {
  if (i === 0) return 'conv1';
  if (i === count - 1) return 'fc';
  return `layer${Math.floor((i - 1) / 4) + 1}.${Math.floor((i - 1) / 2) % 2}.conv${((i - 1) % 2) + 1}`;
}

function layerRow(config: (typeof CONFIGS)[number], c: number, i: number, count: number): RaellaLayerRow {
  const size = 1 + 4 * wobble(i);
  const macs = Math.round(2e6 * size);
  const slices = config.slicing?.length ?? 4;
  const adcConversions = Math.round((macs / 64) * slices * config.adcScale);
  const last = i === count - 1;
  return {
    layer: layerName(i, count),
    energyPj: {
      adc: adcConversions * 2.1,
      crossbar: macs * 0.02 * (config.spec ? 2.5 : 1),
      dac: macs * 0.004,
      buffers: macs * 0.01,
      digital: macs * 0.006 * (c === 0 ? 1 : 1.3),
      other: macs * 0.001,
    },
    adcConversions,
    crossbarCycles: Math.round((macs / 512) * (config.spec ? 11 : 8)),
    macs,
    weightSlicing: config.slicing === undefined ? undefined : last && c > 1 ? [1, 1, 1, 1, 1, 1, 1, 1] : [...config.slicing],
    columnSumStats:
      c === 0
        ? undefined
        : Array.from({ length: slices }, (_, s) => ({
            slice: s,
            min: -40 - s,
            max: 38 + s,
            mean: 0.3 * s - 0.5,
            std: 7 + s,
            p0_1: -25,
            p99_9: 24,
          })),
    adcBitsNeeded: c === 0 ? { full: 9, p99_9: 9 } : { full: 7, p99_9: 6 },
    saturationRate: c === 0 ? 0 : 1e-4 * wobble(i + 7),
    adcConversionsPerMac: adcConversions / macs,
    speculationSuccessRate: config.spec ? 0.9 + 0.09 * wobble(i + 3) : undefined,
    adcShare: config.spec ? 0.38 + 0.2 * wobble(i + 5) : undefined,
    outputError: c === 0 ? 0 : 1e-4 * (1 + wobble(i + 11)),
  };
}

function histograms(count: number): ColumnSumHistogram[] {
  return Array.from({ length: count }, (_, i) => ({
    layer: layerName(i, count),
    distributions: [
      { name: 'ISAAC-like (unsigned)', start: 0, counts: gaussianCounts(0, 384, 96 + 10 * wobble(i), 22, 200_000) },
      { name: 'Center+Offset', start: -80, counts: gaussianCounts(-80, 80, 0, 8 + 3 * wobble(i + 1), 200_000), signed: true },
    ],
    markers: [
      { x: -64, label: '7-bit signed ADC min' },
      { x: 63, label: '7-bit signed ADC max' },
    ],
  }));
}

/** A four-configuration report with `layerCount` layers. */
export function sampleRaellaReport(layerCount = 12): RaellaReportData {
  const configurations: RaellaConfiguration[] = CONFIGS.map((config, c) => ({
    name: config.name,
    totals: {
      latencyNs: 1.2e6 * (config.spec ? 11 / 8 : 1) * (c === 0 ? 1.6 : 1),
      top1Agreement: c === 0 ? 1 : 0.995 - 0.002 * c,
      top1Accuracy: 0.991 - 0.001 * c,
    },
    layers: Array.from({ length: layerCount }, (_, i) => layerRow(config, c, i, layerCount)),
  }));
  return {
    model: 'mnist-resnet',
    notes: [
      'Sample data: every number here is made up for testing.',
      'Calibration: 256 training images (fixtures/mnist-calibration).',
    ],
    configurations,
    columnSumHistograms: histograms(layerCount),
  };
}

/** A RAPIDNN grid over kW × kU × camBits with T = 64. */
export function sampleSweepReport(): SweepReportData {
  const points: SweepPoint[] = [];
  for (const kW of [4, 8, 16, 32, 64]) {
    for (const kU of [4, 8, 16, 32, 64]) {
      for (const camBits of [4, 6, 8]) {
        const quality = 1 - 1 / (kW * kU) - 0.004 / camBits;
        points.push({
          kW,
          kU,
          camBits,
          T: 64,
          accuracy: 0.99 * quality - 0.01 * wobble(kW * 100 + kU * 10 + camBits),
          top1Agreement: quality,
          energyPjPerInference: 5e5 * (Math.log2(kW) + Math.log2(kU)) * (1 + camBits / 16),
          latencyNs: 2e4 * (1 + camBits / 8),
          bytesPerNeuron: (kW * kU * 16) / 8 + (64 * (16 + Math.log2(kU))) / 8,
        });
      }
    }
  }
  return {
    model: 'mnist-mlp',
    notes: ['Sample data: made up for testing.'],
    floatAccuracy: 0.992,
    points,
    references: [{ name: 'ISAAC-like', energyPjPerInference: 3.2e7, accuracy: 0.991 }],
  };
}
