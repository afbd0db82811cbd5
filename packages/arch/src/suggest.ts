/**
 * "Did you mean" suggestions for misspelt keys and names. Case, underscores and dashes are ignored
 * (`cycle_ns` matches `cycleNs`), then the closest candidate by edit distance wins if it is close
 * enough to be a plausible typo.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const w = normalize(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, normalize(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(w.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, '');
}

/** Levenshtein distance, two-row dynamic programming. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, substitution));
    }
    prev = cur;
  }
  return prev[b.length];
}
