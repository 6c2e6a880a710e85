// Choosing the next token from a logits vector f32[V], on the host.
//
//   temperature 0 (or undefined): greedy, the first index of the maximum;
//   otherwise softmax(logits / temperature), restricted to the `topK` most likely tokens
//   (ties kept in index order) and then to the smallest prefix of them, most likely first,
//   whose probability reaches `topP` (nucleus); renormalised and drawn with one uniform
//   number from the seeded generator, so a seed fixes the whole sample.

import { Prng } from '../data/prng.ts';

export interface SamplingOptions {
  /** 0 = greedy. */
  readonly temperature?: number;
  /** Keep the k most likely tokens (0 or undefined = all). */
  readonly topK?: number;
  /** Keep the smallest most-likely set with this much probability (1 or undefined = all). */
  readonly topP?: number;
}

/** Uniform numbers in [0, 1) from a seed (53 bits from two u32 draws). */
export function uniform(seed: number): () => number {
  const g = new Prng(seed);
  return () => (g.nextU32() * 2 ** 21 + (g.nextU32() >>> 11)) / 2 ** 53;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** The candidate tokens and their renormalised probabilities, most likely first. */
export function candidates(logits: Float32Array, o: SamplingOptions): { ids: number[]; probs: number[] } {
  const t = o.temperature ?? 0;
  if (t <= 0) return { ids: [argmax(logits)], probs: [1] };
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const p = Array.from(logits, (v) => Math.exp((v - max) / t));
  // Stable sort: equal probabilities keep index order.
  let ids = p.map((_, i) => i).sort((a, b) => p[b] - p[a]);
  if (o.topK && o.topK > 0) ids = ids.slice(0, o.topK);
  let total = ids.reduce((s, i) => s + p[i], 0);
  if (o.topP !== undefined && o.topP < 1) {
    let acc = 0;
    let keep = 0;
    while (keep < ids.length && acc < o.topP * total) acc += p[ids[keep++]];
    ids = ids.slice(0, Math.max(1, keep));
    total = ids.reduce((s, i) => s + p[i], 0);
  }
  return { ids, probs: ids.map((i) => p[i] / total) };
}

/** Draw one token: `u` is a uniform number in [0, 1). */
export function sampleToken(logits: Float32Array, o: SamplingOptions, u: number): number {
  const { ids, probs } = candidates(logits, o);
  let acc = 0;
  for (let k = 0; k < ids.length; k++) {
    acc += probs[k];
    if (u < acc) return ids[k];
  }
  return ids[ids.length - 1];
}
