// Summary statistics of step times (pure; tested in tests/bench/stats.test.ts).

/** Median of a non-empty sample (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Linear-interpolated quantile q in [0, 1] (the "R-7" definition numpy uses by default). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new Error('quantile of an empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

export interface StepStats {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  n: number;
}

export function stepStats(ms: readonly number[]): StepStats {
  return { medianMs: median(ms), p10Ms: quantile(ms, 0.1), p90Ms: quantile(ms, 0.9), n: ms.length };
}

/** Items (tokens or examples) per second at `ms` per step. */
export const throughput = (itemsPerStep: number, ms: number) => (itemsPerStep * 1000) / ms;
