// The host side of KV eviction (runtime/generate/evict.ts): compaction moves each head's kept
// rows, in order, to the front and zeroes the rest (keys/values [H, rows, dh]; scores
// [rows, Hs] with Hs = H or 1); keepRows keeps everything under the budget, orders by
// position, never keeps more than the budget, and keeps the `local` newest whatever they score.
import { describe, expect, it } from 'vitest';
import { compactPositions, compactRows, compactScores, keepRows } from '../../runtime/generate/evict.ts';

const seq = (n: number, f = 1) => Float32Array.from({ length: n }, (_, i) => (i + 1) * f);

describe('eviction bookkeeping', () => {
  it('compacts kept rows to the front per head', () => {
    const [H, rows, w] = [2, 6, 3];
    const x = seq(H * rows * w);
    const keep = [Int32Array.of(4, 1), Int32Array.of(0, 5)];
    const y = compactRows(x, H, rows, w, keep);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < rows; i++)
        for (let c = 0; c < w; c++)
          expect(y[(h * rows + i) * w + c]).toBe(i < 2 ? x[(h * rows + keep[h][i]) * w + c] : 0);
    const s2 = compactScores(seq(rows * H, 0.5), rows, H, keep);
    expect(Array.from(s2.subarray(0, 4))).toEqual([4.5, 1, 1.5, 6]); // [row, head]: row 0 <- rows 4 (head 0), 0 (head 1); row 1 <- rows 1, 5
    const s1 = compactScores(seq(rows), rows, 1, keep);
    expect(Array.from(s1)).toEqual([5, 2, 0, 0, 0, 0]);
    const p = compactPositions(
      [Int32Array.of(10, 11, 12, 13, 14, 15), Int32Array.of(0, 1, 2, 3, 4, 5)],
      keep,
    );
    expect(p.map((q) => Array.from(q))).toEqual([
      [14, 11, -1, -1, -1, -1],
      [0, 5, -1, -1, -1, -1],
    ]);
  });

  it('keeps the local newest and the best-scored, at most the budget', () => {
    const positions = [Int32Array.of(3, 0, 2, 1, 4, 5)]; // rows out of position order
    const scores = Float32Array.of(0.9, 0.1, 0.8, 0.7, 0.0, 0.05);
    const opts = { len: 6, heads: 1, scoreHeads: 1, budget: 4, local: 2 };
    // newest positions 5, 4 (rows 5, 4) + best of the rest: rows 0 (0.9), 2 (0.8)
    expect(Array.from(keepRows(scores, positions, opts)[0])).toEqual([2, 0, 4, 5]); // by position 2,3,4,5
    expect(Array.from(keepRows(scores, positions, { ...opts, budget: 8 })[0])).toEqual([1, 3, 2, 0, 4, 5]);
    expect(keepRows(scores, positions, { ...opts, local: 9 })[0].length).toBe(4); // local clipped to budget
  });
});
