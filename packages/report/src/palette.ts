// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies and in greyscale
// print well enough when paired with legends. Yellow is left last because it is weak on white.

/** Colours for series in order (configurations, distributions, ...). */
export const SERIES_COLORS: readonly string[] = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#000000', // black
  '#F0E442', // yellow
];

/** The colour of series `index`, cycling when there are more series than colours. */
export function seriesColor(index: number): string {
  const n = SERIES_COLORS.length;
  return SERIES_COLORS[((index % n) + n) % n];
}

/** Neutral colours for axes, grid lines and notes. */
export const INK = {
  text: '#222222',
  muted: '#555555',
  axis: '#444444',
  grid: '#e3e3e3',
  highlight: '#D55E00',
} as const;
