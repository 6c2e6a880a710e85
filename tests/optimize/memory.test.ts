// The memory planner on random lifetimes: no two buffers alive at once overlap in bytes,
// offsets are aligned, and the arena is between the live-bytes lower bound and the naive sum.
import { describe, expect, it } from 'vitest';
import { planMemory, type Lifetime } from '../../compiler/optimize/memory.ts';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function randomLives(n: number, seed: number): Lifetime[] {
  const r = lcg(seed);
  return Array.from({ length: n }, (_, id) => {
    const start = Math.floor(r() * 100);
    return { id, bytes: 1 + Math.floor(r() * 5000), start, end: start + Math.floor(r() * 20) };
  });
}

describe('planMemory', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`packs 300 random lifetimes without conflicts (seed ${seed})`, () => {
      const lives = randomLives(300, seed);
      const plan = planMemory(lives, 256);
      for (const l of lives) expect(plan.offsets.get(l.id)! % 256).toBe(0);
      for (let i = 0; i < lives.length; i++)
        for (let j = i + 1; j < lives.length; j++) {
          const a = lives[i];
          const b = lives[j];
          if (a.start > b.end || b.start > a.end) continue; // never alive together
          const [oa, ob] = [plan.offsets.get(a.id)!, plan.offsets.get(b.id)!];
          const disjoint = oa + a.bytes <= ob || ob + b.bytes <= oa;
          expect(disjoint, `buffers ${a.id} and ${b.id} overlap`).toBe(true);
        }
      expect(plan.arenaBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
      expect(plan.arenaBytes).toBeLessThan(plan.unplannedBytes);
      // Greedy first-fit stays close to the bound on this kind of input.
      expect(plan.arenaBytes).toBeLessThan(1.6 * plan.lowerBoundBytes);
    });
  }

  it('reuses the bytes of a buffer that died before the next one is born', () => {
    const plan = planMemory([
      { id: 0, bytes: 1024, start: 0, end: 1 },
      { id: 1, bytes: 1024, start: 2, end: 3 },
    ]);
    expect(plan.offsets.get(0)).toBe(plan.offsets.get(1));
    expect(plan.arenaBytes).toBe(1024);
    expect(plan.unplannedBytes).toBe(2048);
  });
});
