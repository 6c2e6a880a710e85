// bench/data.ts: the batches both systems train on are windows of the corpus, deterministic.
import { describe, expect, it } from 'vitest';
import { mlpBatch, randomBytes, tokenBatch } from '../../bench/data.ts';

describe('bench data', () => {
  it('random bytes are seeded ASCII', () => {
    const a = randomBytes(7, 5000);
    expect(Array.from(a)).toEqual(Array.from(randomBytes(7, 5000)));
    expect(Array.from(a)).not.toEqual(Array.from(randomBytes(8, 5000)));
    expect(Math.max(...a)).toBeLessThan(128);
    // Roughly uniform over 128 values: every value appears (5000 draws, expected ~39 each).
    expect(new Set(a).size).toBe(128);
  });

  it('token batch s holds rows s*B .. s*B+B-1 of the corpus cut into ctx windows, wrapping', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i); // 100 bytes, ctx 8: 12 windows
    const [B, T] = [3, 8];
    for (const s of [0, 1, 5]) {
      const got = tokenBatch(bytes, B, T, s);
      for (let b = 0; b < B; b++) {
        const row = (s * B + b) % 12;
        expect(Array.from(got.subarray(b * T, (b + 1) * T))).toEqual(
          Array.from({ length: T }, (_, t) => row * T + t),
        );
      }
    }
  });

  it('MLP batches: inputs in [0, 1), labels in [0, classes), deterministic, new each step', () => {
    const a = mlpBatch(64, 784, 10, 3);
    expect(a.x.length).toBe(64 * 784);
    expect(Math.min(...a.x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.x)).toBeLessThan(1);
    const mean = a.x.reduce((s, v) => s + v, 0) / a.x.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // 50k uniforms: std of the mean ~0.0013
    expect(Array.from(a.labels).every((l) => l >= 0 && l < 10)).toBe(true);
    expect(Array.from(mlpBatch(64, 784, 10, 3).x)).toEqual(Array.from(a.x));
    expect(Array.from(mlpBatch(64, 784, 10, 4).x.subarray(0, 16))).not.toEqual(
      Array.from(a.x.subarray(0, 16)),
    );
  });
});
