// Sampling against hand-computed distributions: greedy, temperature, top-k, top-p, and
// seeded draws whose empirical frequencies follow the renormalised probabilities.
import { describe, expect, it } from 'vitest';
import { argmax, candidates, sampleToken, uniform } from '../../runtime/generate/sample.ts';

const logits = Float32Array.from([1, 3, 2, 3, 0]);

describe('sampling', () => {
  it('greedy takes the first maximum', () => {
    expect(argmax(logits)).toBe(1);
    expect(sampleToken(logits, {}, 0.99)).toBe(1);
    expect(sampleToken(logits, { temperature: 0 }, 0.5)).toBe(1);
  });

  it('temperature softmax, most likely first (ties in index order)', () => {
    const { ids, probs } = candidates(logits, { temperature: 2 });
    expect(ids).toEqual([1, 3, 2, 0, 4]);
    const e = [1, 3, 2, 3, 0].map((v) => Math.exp(v / 2));
    const z = e.reduce((a, b) => a + b);
    ids.forEach((id, k) => expect(probs[k]).toBeCloseTo(e[id] / z, 12));
  });

  it('top-k keeps k tokens, top-p the smallest prefix reaching p', () => {
    expect(candidates(logits, { temperature: 1, topK: 2 }).ids).toEqual([1, 3]);
    const e = [1, 3, 2, 3, 0].map((v) => Math.exp(v));
    const z = e.reduce((a, b) => a + b);
    // p(1) = p(3) ≈ 0.397 each, p(2) ≈ 0.146: 0.5 needs two tokens, 0.85 needs three.
    expect(candidates(logits, { temperature: 1, topP: 0.5 }).ids).toEqual([1, 3]);
    expect((e[1] + e[3]) / z).toBeLessThan(0.85);
    const three = candidates(logits, { temperature: 1, topP: 0.85 });
    expect(three.ids).toEqual([1, 3, 2]);
    expect(three.probs[2]).toBeCloseTo(e[2] / (e[1] + e[3] + e[2]), 12);
    expect(candidates(logits, { temperature: 1, topP: 1e-9 }).ids).toEqual([1]);
  });

  it('seeded draws are reproducible and follow the distribution', () => {
    const a = uniform(42);
    const b = uniform(42);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, uniform(43))).not.toEqual(xs);
    const u = uniform(7);
    const counts = [0, 0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1, topK: 3 }, u())]++;
    const e = [1, 3, 2, 3, 0].map((v) => Math.exp(v));
    const z = e[1] + e[2] + e[3];
    expect(counts[0] + counts[4]).toBe(0);
    for (const id of [1, 2, 3]) expect(Math.abs(counts[id] / n - e[id] / z)).toBeLessThan(0.015);
  });
});
