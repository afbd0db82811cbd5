// Linear and logarithmic axes with "nice" tick values (1, 2, 5 × 10^k, or powers of ten).

export interface Scale {
  readonly log: boolean;
  /** The domain the axis spans after rounding to nice ticks. */
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  /** Maps a domain value to a pixel coordinate (values outside the domain are clamped). */
  map(v: number): number;
}

// Floating-point products such as 3 × 0.1 are cleaned so tick labels read 0.3, not 0.30000000000000004.
function clean(v: number): number {
  const r = Number(v.toPrecision(12));
  return r === 0 ? 0 : r;
}

function niceStep(span: number, targetTicks: number): number {
  const raw = span / Math.max(1, targetTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return factor * magnitude;
}

function clampTo(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, Math.min(lo, hi)), Math.max(lo, hi));
}

/**
 * A linear scale from [min, max] (extended to nice ticks) onto [rangeStart, rangeEnd]. A zero-width
 * or non-finite domain is widened so an axis can always be drawn.
 */
export function linearScale(
  min: number,
  max: number,
  rangeStart: number,
  rangeEnd: number,
  options: { includeZero?: boolean; targetTicks?: number } = {},
): Scale {
  // Clamped so hi - lo cannot overflow to Infinity.
  let lo = Number.isFinite(min) ? Math.max(min, -1e300) : 0;
  let hi = Number.isFinite(max) ? Math.min(max, 1e300) : 1;
  if (lo > hi) [lo, hi] = [hi, lo];
  if (options.includeZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    hi += pad;
    if (lo !== 0) lo -= pad;
  }
  const step = niceStep(hi - lo, options.targetTicks ?? 5);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(clean(i * step));
  const d0 = ticks[0];
  const d1 = ticks[ticks.length - 1];
  return {
    log: false,
    domain: [d0, d1],
    ticks,
    map: (v) => clampTo(rangeStart + ((v - d0) / (d1 - d0)) * (rangeEnd - rangeStart), rangeStart, rangeEnd),
  };
}

/**
 * A base-10 log scale covering the positive values in [minPositive, max]. The lower end sits at
 * least 0.3 decades below the smallest value so the smallest bar or step is still visible.
 */
export function logScale(minPositive: number, max: number, rangeStart: number, rangeEnd: number): Scale {
  const safeMin = Number.isFinite(minPositive) && minPositive > 0 ? minPositive : 1;
  const safeMax = Number.isFinite(max) && max > safeMin ? max : safeMin * 10;
  const lo = Math.floor(Math.log10(safeMin) - 0.3);
  let hi = Math.ceil(Math.log10(safeMax));
  if (hi <= lo) hi = lo + 1;
  const decadeStep = Math.max(1, Math.ceil((hi - lo) / 8));
  // Over a few decades, powers of ten alone are too sparse to read values off: add 2× and 5×.
  const multiples = hi - lo <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k += decadeStep) {
    for (const m of multiples) if (k < hi || m === 1) ticks.push(Number(`${m}e${k}`));
  }
  return {
    log: true,
    domain: [Number(`1e${lo}`), Number(`1e${hi}`)],
    ticks,
    map: (v) => {
      const t = v > 0 ? (Math.log10(v) - lo) / (hi - lo) : 0;
      return clampTo(rangeStart + t * (rangeEnd - rangeStart), rangeStart, rangeEnd);
    },
  };
}
