// KV-cache eviction under a budget (Locret's policy), on host copies of the cache leaves.
//
// One attention layer's cache holds `len` filled rows per head: keys and values
// [H, rows, dh] (kv_cache leaves, batch 1), retention scores [rows, Hs] (its kv_retain leaf;
// Hs = H, or 1 for one score shared by every head), and on the host the absolute position
// of every row per head. When len > budget, each head keeps
//   - the `local` most recent positions (Locret's stabilisers: the newest context is always
//     kept, whatever its score), and
//   - the budget - local highest-scored rows among the rest (ties: the earlier row wins),
// and the kept rows are compacted to rows 0..budget-1 in increasing position order, the rest
// zeroed. A kept key keeps its original position: keys are cached after RoPE, and absolute
// position embeddings were added at the input, so nothing is re-encoded.
//
//   keepRows(scores, positions, { len, heads, scoreHeads, budget, local }) -> rows per head
//   compactRows(x, heads, rows, width, keep) -> x with each head's kept rows moved first
//   compactScores(s, rows, scoreHeads, keep) -> the same for a [rows, Hs] score leaf

export interface KeepOptions {
  /** Filled rows of the cache. */
  readonly len: number;
  /** Heads of the kv cache. */
  readonly heads: number;
  /** Heads of the score leaf: `heads`, or 1 (one score per row for all heads). */
  readonly scoreHeads: number;
  readonly budget: number;
  /** The most recent positions always kept (at most budget). */
  readonly local: number;
}

/**
 * Rows (< len) each head keeps, in increasing position order: budget of them (all len rows
 * when len <= budget). scores: [rows, scoreHeads] row-major; positions: [heads][rows].
 */
export function keepRows(
  scores: Float32Array,
  positions: readonly Int32Array[],
  o: KeepOptions,
): Int32Array[] {
  const local = Math.min(o.local, o.budget);
  const out: Int32Array[] = [];
  for (let h = 0; h < o.heads; h++) {
    const pos = positions[h];
    const rows = Array.from({ length: o.len }, (_, j) => j);
    if (o.len <= o.budget) {
      out.push(Int32Array.from(rows.sort((a, b) => pos[a] - pos[b])));
      continue;
    }
    const byRecency = [...rows].sort((a, b) => pos[b] - pos[a]);
    const kept = new Set(byRecency.slice(0, local));
    const sh = o.scoreHeads === 1 ? 0 : h;
    const score = (j: number) => scores[j * o.scoreHeads + sh];
    const rest = rows.filter((j) => !kept.has(j)).sort((a, b) => score(b) - score(a) || a - b);
    for (const j of rest.slice(0, o.budget - local)) kept.add(j);
    out.push(Int32Array.from([...kept].sort((a, b) => pos[a] - pos[b])));
  }
  return out;
}

/** x [heads, rows, width] with head h's rows keep[h] moved to 0..k-1, the rest zero. */
export function compactRows(
  x: Float32Array,
  heads: number,
  rows: number,
  width: number,
  keep: readonly Int32Array[],
): Float32Array {
  const y = new Float32Array(x.length);
  for (let h = 0; h < heads; h++)
    keep[h].forEach((j, i) => {
      const from = (h * rows + j) * width;
      y.set(x.subarray(from, from + width), (h * rows + i) * width);
    });
  return y;
}

/** s [rows, scoreHeads] compacted as compactRows (scoreHeads = 1: head 0's rows). */
export function compactScores(
  s: Float32Array,
  rows: number,
  scoreHeads: number,
  keep: readonly Int32Array[],
): Float32Array {
  const y = new Float32Array(s.length);
  for (let h = 0; h < scoreHeads; h++)
    keep[h].forEach((j, i) => (y[i * scoreHeads + h] = s[j * scoreHeads + h]));
  return y;
}

/** Positions [heads][rows] after compaction (rows past the kept ones are -1). */
export function compactPositions(
  positions: readonly Int32Array[],
  keep: readonly Int32Array[],
): Int32Array[] {
  return positions.map((p, h) => {
    const q = new Int32Array(p.length).fill(-1);
    keep[h].forEach((j, i) => (q[i] = p[j]));
    return q;
  });
}
