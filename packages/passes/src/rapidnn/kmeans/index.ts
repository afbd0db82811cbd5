export {
  KMEANS_DEFAULT_ITERATIONS,
  kmeans1d,
  type Kmeans1dInit,
  type Kmeans1dOptions,
  type Kmeans1dResult,
} from './kmeans-1d.js';
export {
  kmeans1dOptimal,
  kmeans1dOptimalSse,
  type Kmeans1dOptimalOptions,
  type Kmeans1dOptimalResult,
} from './kmeans-optimal.js';
export { assign, midpoint, nearestIndex } from './nearest.js';
