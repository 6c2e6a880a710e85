// A small seeded PRNG for the data pipeline (shuffling), independent of Math.random and of the
// executor's counter-based RNG: xoshiro128** (Blackman & Vigna) with its four 32-bit words
// seeded by splitmix32. The state is four numbers, so it serializes into a checkpoint and a
// restored generator continues the exact sequence.

export type PrngState = [number, number, number, number];

/** splitmix32 step: a good 32-bit mixer, used to expand a seed into the generator state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Derive a 32-bit seed from several integers (e.g. the user's seed and the epoch). */
export function mixSeed(...xs: number[]): number {
  let h = 0x2545f491;
  for (const x of xs) h = splitmix32((h ^ (x >>> 0)) >>> 0);
  return h;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Prng {
  private s: PrngState;

  constructor(seed: number | PrngState) {
    if (Array.isArray(seed)) this.s = [...seed];
    else {
      let x = seed >>> 0;
      const s: number[] = [];
      for (let i = 0; i < 4; i++) s.push((x = splitmix32(x + i)));
      this.s = (s.every((v) => v === 0) ? [1, 2, 3, 4] : s) as PrngState; // all-zero state is a fixed point
    }
  }

  /** Next uniformly distributed u32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform integer in [0, n), n <= 2^32, without modulo bias (rejection sampling). */
  below(n: number): number {
    if (!(n >= 1 && n <= 2 ** 32) || !Number.isInteger(n)) throw new Error(`Prng.below: bad bound ${n}`);
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % n;
    }
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }

  state(): PrngState {
    return [...this.s];
  }
}
