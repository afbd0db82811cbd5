import { PimcError } from '@pimc/support';
import { MAX_CLUSTER_CENTROIDS } from '@pimc/ir';

/** The options of rapidnn-cluster, with the defaults and source tags of algorithms.md §2.2. */
export const rapidnnClusterOptions = {
  kW: {
    type: 'int',
    default: 64,
    help: 'weight clusters per granularity unit (per layer, or per output channel), 1 to 256',
    source: '[ours, inferred] (algorithms.md §2.1: 64×64 tables at ≈10 bits ≈ the 5 KB per neuron [recalled])',
  },
  kU: {
    type: 'int',
    default: 64,
    help: 'input (activation) clusters per layer input value, 1 to 256',
    source: '[ours, inferred] (algorithms.md §2.1)',
  },
  wGranularity: {
    type: 'string',
    default: 'layer',
    help: "weight clusters per 'layer' (one product table) or per 'outChannel' (a table per neuron: more memory)",
    source: '[ours] (algorithms.md §2.2, A-P1)',
  },
  kmeansInit: {
    type: 'string',
    default: 'kmeans++',
    help:
      "'kmeans++' (seeded from the pass's generator, kmeansRestarts runs, the lowest SSE kept) or 'grid-dp' " +
      '(exact DP over 16·k candidate boundaries, then Lloyd: measured 0.02–0.06 % above the optimum at 10^6 values, ' +
      'k-means++ ×3 0.15–0.2 %; docs/rapidnn.md)',
    source: '[ours] (algorithms.md §2.2 kmeansInit, A-P2)',
  },
  kmeansRestarts: {
    type: 'int',
    default: 3,
    help: 'independent k-means++ restarts of every clustering; the lowest SSE wins',
    source: '[ours] (algorithms.md §2.2, A-P2)',
  },
  kmeansIters: {
    type: 'int',
    default: 10000,
    help: 'Lloyd iterations at most per run; runs stop at convergence (no centroid moves by 1e-6 of the range) long before',
    source:
      '[ours]: run to convergence as issue 5 asks (1-D Lloyd converges slowly, algorithms.md §10): on 60 ResNet-50-sized sets ' +
      'at k = 64, a cap of 300 left 33 unconverged, 10 000 none, for +9 % time',
  },

  inputSampleCap: {
    type: 'int',
    default: 200000,
    help: 'calibration values per layer input fed to k-means, drawn uniformly without replacement',
    source: '[ours] (algorithms.md §2.2)',
  },
  zeroFraction: {
    type: 'float',
    default: 0.01,
    help: 'force an exact 0 input centroid when more than this fraction of the calibration values are exactly 0 (ReLU)',
    source: '[ours] (algorithms.md §2.2 zero handling)',
  },
  method: {
    type: 'string',
    default: 'lloyd',
    help: "'lloyd' (k-means++ seeding, accelerated Lloyd, restarts) or 'optimal' (exact dynamic programming, slower)",
    source: '[ours] (algorithms.md §10)',
  },
} as const;

export type WeightGranularity = 'layer' | 'outChannel';
export type KmeansMethod = 'lloyd' | 'optimal';
export type KmeansInit = 'kmeans++' | 'grid-dp';

/** The options checked and typed. */
export interface ClusterSettings {
  readonly kW: number;
  readonly kU: number;
  readonly wGranularity: WeightGranularity;
  readonly kmeansInit: KmeansInit;
  readonly kmeansRestarts: number;
  readonly kmeansIters: number;
  readonly inputSampleCap: number;
  readonly zeroFraction: number;
  readonly method: KmeansMethod;
}

function fail(name: string, message: string): never {
  throw new PimcError('pipeline', `rapidnn-cluster{${name}}: ${message}`);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) fail(name, `'${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
}

function integerIn(value: number, lo: number, hi: number, name: string): number {
  if (!Number.isInteger(value) || value < lo || value > hi) fail(name, `${value} is not an integer in [${lo}, ${hi}]`);
  return value;
}

export function clusterSettings(o: {
  kW: number;
  kU: number;
  wGranularity: string;
  kmeansInit: string;
  kmeansRestarts: number;
  kmeansIters: number;
  inputSampleCap: number;
  zeroFraction: number;
  method: string;
}): ClusterSettings {
  if (!(o.zeroFraction >= 0 && o.zeroFraction <= 1)) fail('zeroFraction', `${o.zeroFraction} is not in [0, 1]`);
  return {
    kW: integerIn(o.kW, 1, MAX_CLUSTER_CENTROIDS, 'kW'),
    kU: integerIn(o.kU, 1, MAX_CLUSTER_CENTROIDS, 'kU'),
    wGranularity: oneOf<WeightGranularity>(o.wGranularity, ['layer', 'outChannel'], 'wGranularity'),
    kmeansInit: oneOf<KmeansInit>(o.kmeansInit, ['kmeans++', 'grid-dp'], 'kmeansInit'),
    kmeansRestarts: integerIn(o.kmeansRestarts, 1, 1000, 'kmeansRestarts'),
    kmeansIters: integerIn(o.kmeansIters, 1, 1_000_000, 'kmeansIters'),
    inputSampleCap: integerIn(o.inputSampleCap, 1, 2 ** 31, 'inputSampleCap'),
    zeroFraction: o.zeroFraction,
    method: oneOf<KmeansMethod>(o.method, ['lloyd', 'optimal'], 'method'),
  };
}
