// bench/stats.ts against direct computations on samples whose answer is known by construction.
import { describe, expect, it } from 'vitest';
import { median, quantile, stepStats, throughput } from '../../bench/stats.ts';

// A deterministic shuffle so the functions cannot rely on sorted input.
function shuffled(xs: number[], seed: number): number[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe('bench stats', () => {
  it('median is the middle order statistic (odd) or the mean of the two middle ones (even)', () => {
    const odd = Array.from({ length: 21 }, (_, i) => 10 + 3 * i); // middle (i = 10): 40
    expect(median(shuffled(odd, 1))).toBe(10 + 3 * 10);
    const even = Array.from({ length: 20 }, (_, i) => 2 * i); // middle pair i = 9, 10: 18, 20
    expect(median(shuffled(even, 2))).toBe((18 + 20) / 2);
  });

  it('quantile interpolates linearly: on 0..100 it is 100 q', () => {
    const xs = shuffled(
      Array.from({ length: 101 }, (_, i) => i),
      3,
    );
    for (const q of [0, 0.1, 0.25, 0.5, 0.9, 0.975, 1]) expect(quantile(xs, q)).toBeCloseTo(100 * q, 10);
  });

  it('quantile(0.5) agrees with median on random samples; quantile(0) and (1) are min and max', () => {
    for (let n = 1; n < 30; n++) {
      const xs = shuffled(
        Array.from({ length: n }, (_, i) => Math.sin(i * 7.1) * 100),
        n,
      );
      expect(quantile(xs, 0.5)).toBeCloseTo(median(xs), 12);
      expect(quantile(xs, 0)).toBe(Math.min(...xs));
      expect(quantile(xs, 1)).toBe(Math.max(...xs));
    }
  });

  it('stepStats and throughput', () => {
    const s = stepStats([30, 10, 20]);
    expect(s).toEqual({ medianMs: 20, p10Ms: 10 + 0.2 * 10, p90Ms: 20 + 0.8 * 10, n: 3 });
    expect(throughput(512, 1000)).toBe(512); // 512 tokens in one second
    expect(throughput(64, 50)).toBeCloseTo(1280, 10);
  });

  it('rejects an empty sample', () => {
    expect(() => median([])).toThrow();
    expect(() => quantile([], 0.5)).toThrow();
  });
});
