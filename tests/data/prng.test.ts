// The pipeline PRNG against a BigInt transcription of xoshiro128** / splitmix32 (an independent
// arithmetic path: no Math.imul, no >>> tricks), plus uniformity of below() and shuffle().
import { describe, it, expect } from 'vitest';
import { Prng, mixSeed } from '../../runtime/data/prng.ts';

const M = (1n << 32n) - 1n;
const mul = (a: bigint, b: bigint) => (a * b) & M;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
function splitmix(x: bigint): bigint {
  x = (x + 0x9e3779b9n) & M;
  let z = x;
  z = mul(z ^ (z >> 16n), 0x85ebca6bn);
  z = mul(z ^ (z >> 13n), 0xc2b2ae35n);
  return z ^ (z >> 16n);
}
function reference(seed: number, n: number): number[] {
  const s: bigint[] = [];
  let x = BigInt(seed >>> 0);
  for (let i = 0; i < 4; i++) s.push((x = splitmix((x + BigInt(i)) & M)));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(Number(mul(rotl(mul(s[1]!, 5n), 7n), 9n)));
    const t = (s[1]! << 9n) & M;
    s[2] = s[2]! ^ s[0]!;
    s[3] = s[3]! ^ s[1]!;
    s[1] = s[1]! ^ s[2]!;
    s[0] = s[0]! ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11n);
  }
  return out;
}

describe('Prng', () => {
  it('matches the BigInt transcription of xoshiro128** seeded by splitmix32', () => {
    for (const seed of [0, 1, 42, 0xffffffff, mixSeed(7, 3)]) {
      const p = new Prng(seed);
      expect(Array.from({ length: 200 }, () => p.nextU32())).toEqual(reference(seed, 200));
    }
  });
  it('state() resumes the exact sequence', () => {
    const p = new Prng(5);
    for (let i = 0; i < 17; i++) p.nextU32();
    const q = new Prng(p.state());
    expect(Array.from({ length: 50 }, () => q.nextU32())).toEqual(
      Array.from({ length: 50 }, () => p.nextU32()),
    );
  });
  it('below(n) is uniform (chi-square over 10 bins, 100k draws)', () => {
    const p = new Prng(123);
    const bins = new Array(10).fill(0);
    const N = 100_000;
    for (let i = 0; i < N; i++) bins[p.below(10)]++;
    const chi2 = bins.reduce((a, c) => a + (c - N / 10) ** 2 / (N / 10), 0);
    expect(chi2).toBeLessThan(27.9); // 99.9th percentile of chi-square with 9 degrees of freedom
  });
  it('shuffle() hits all 6 permutations of 3 items equally often', () => {
    const p = new Prng(9);
    const counts = new Map<string, number>();
    const N = 60_000;
    for (let i = 0; i < N; i++) {
      const k = p.shuffle([0, 1, 2]).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chi2 = [...counts.values()].reduce((a, c) => a + (c - N / 6) ** 2 / (N / 6), 0);
    expect(chi2).toBeLessThan(20.5); // 99.9th percentile, 5 degrees of freedom
  });
  it('mixSeed separates epochs', () => {
    expect(new Set([0, 1, 2, 3].map((e) => mixSeed(0, e))).size).toBe(4);
  });
});
