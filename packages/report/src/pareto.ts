// Pareto front for "lower cost, higher quality" trade-offs (x = energy, y = accuracy).

export interface TradeOffPoint {
  readonly x: number;
  readonly y: number;
}

/**
 * For each point, whether it is Pareto-optimal: no other point has x' ≤ x and y' ≥ y with at least
 * one strict. Identical points do not dominate each other, so duplicates share the front. Points with
 * a non-finite coordinate are never on the front and do not dominate anything.
 */
export function paretoFront(points: readonly TradeOffPoint[]): boolean[] {
  const onFront = points.map(() => false);
  const order = points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.p.x - b.p.x || b.p.y - a.p.y || a.i - b.i);
  // Best y among points with strictly smaller x: anything at or below it is dominated.
  let bestBefore = -Infinity;
  let k = 0;
  while (k < order.length) {
    const x = order[k].p.x;
    const groupTop = order[k].p.y;
    let end = k;
    while (end < order.length && order[end].p.x === x) {
      const { p, i } = order[end];
      // Within a group of equal x, only the highest y survives (ties included).
      onFront[i] = p.y === groupTop && groupTop > bestBefore;
      end++;
    }
    bestBefore = Math.max(bestBefore, groupTop);
    k = end;
  }
  return onFront;
}

/** Indices of the Pareto-optimal points, by increasing x (then input order). */
export function paretoIndices(points: readonly TradeOffPoint[]): number[] {
  const front = paretoFront(points);
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => front[i])
    .sort((a, b) => a.p.x - b.p.x || a.i - b.i)
    .map(({ i }) => i);
}
