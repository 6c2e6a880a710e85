// Host-side (compile-time) numerics for choosing what to train from weight statistics:
// singular values and low-rank approximations (one-sided Jacobi SVD in float64), top-k
// selection, a seeded permutation and an exact 0/1 knapsack. Sizes here are single weight
// matrices of small models, so O(m n^2) per sweep is fine at compile time.

/** A row-major matrix view [rows, cols] in float64. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function asMatrix(data: ArrayLike<number>, shape: readonly number[]): Mat {
  const rows = shape[0] ?? 1;
  const cols = shape.length <= 1 ? 1 : shape.slice(1).reduce((a, b) => a * b, 1);
  return { rows, cols, data: Float64Array.from(data) };
}

/**
 * Thin SVD A = U diag(s) V^T by one-sided Jacobi on the columns of A (or of A^T when A is
 * wide). Returns U [m, r], s [r] descending, V [n, r] with r = min(m, n).
 */
export function svd(a: Mat): { u: Mat; s: Float64Array; v: Mat } {
  if (a.cols > a.rows) {
    const t = svd(transpose(a));
    return { u: t.v, s: t.s, v: t.u };
  }
  const m = a.rows;
  const n = a.cols;
  const w = Float64Array.from(a.data); // columns get rotated in place: W = A V
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p];
          const y = w[i * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p];
          const y = w[i * n + q];
          w[i * n + p] = c * x - s * y;
          w[i * n + q] = s * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p];
          const y = v[i * n + q];
          v[i * n + p] = c * x - s * y;
          v[i * n + q] = s * x + c * y;
        }
      }
    if (off < 1e-13) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let t = 0;
    for (let i = 0; i < m; i++) t += w[i * n + j] ** 2;
    return Math.sqrt(t);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const U = new Float64Array(m * n);
  const V = new Float64Array(n * n);
  const S = new Float64Array(n);
  order.forEach((j, k) => {
    S[k] = norms[j];
    for (let i = 0; i < m; i++) U[i * n + k] = norms[j] > 0 ? w[i * n + j] / norms[j] : 0;
    for (let i = 0; i < n; i++) V[i * n + k] = v[i * n + j];
  });
  return { u: { rows: m, cols: n, data: U }, s: S, v: { rows: n, cols: n, data: V } };
}

export function transpose(a: Mat): Mat {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

/** Condition number sigma_max / sigma_min (Infinity for a rank-deficient matrix). */
export function conditionNumber(a: Mat): number {
  const { s } = svd(a);
  const min = s[s.length - 1];
  return min === 0 ? Infinity : s[0] / min;
}

/** The best rank-r approximation U_r S_r V_r^T, row-major [rows * cols]. */
export function lowRank(a: Mat, r: number): Float64Array {
  const { u, s, v } = svd(a);
  const k = Math.min(r, s.length);
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) {
      let t = 0;
      for (let l = 0; l < k; l++) t += u.data[i * u.cols + l] * s[l] * v.data[j * v.cols + l];
      out[i * a.cols + j] = t;
    }
  return out;
}

/** Indices of the k largest scores (ties: lower index first), returned ascending. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((x, y) => scores[y] - scores[x] || x - y);
  return idx.slice(0, Math.max(0, Math.min(k, idx.length))).sort((x, y) => x - y);
}

/** A seeded permutation of 0..n-1 (xorshift32 Fisher-Yates): reproducible across runs. */
export function permutation(n: number, seed: number): number[] {
  let s = Math.imul(seed + 1, 2654435761) >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Exact 0/1 knapsack: the subset maximising total value with total cost <= budget.
 * Costs are scaled to integer units of budget / `resolution` (rounded up, so a chosen set
 * never exceeds the budget); with integer costs and budget <= resolution it is exact.
 */
export function knapsack(
  costs: readonly number[],
  values: readonly number[],
  budget: number,
  resolution = 20000,
): number[] {
  const n = costs.length;
  const unit = budget > resolution ? budget / resolution : 1;
  const W = Math.floor(budget / unit + 1e-9);
  const c = costs.map((x) => Math.ceil(x / unit - 1e-9));
  const best = new Float64Array(W + 1);
  const take = Array.from({ length: n }, () => new Uint8Array(W + 1));
  for (let i = 0; i < n; i++)
    for (let w = W; w >= c[i]; w--) {
      const alt = best[w - c[i]] + values[i];
      if (alt > best[w]) {
        best[w] = alt;
        take[i][w] = 1;
      }
    }
  const out: number[] = [];
  let w = W;
  for (let i = n - 1; i >= 0; i--)
    if (take[i][w]) {
      out.push(i);
      w -= c[i];
    }
  return out.reverse();
}

/**
 * Layered selection under a backward-cost budget (GreenTrainer's cost model). Items are in
 * forward order 0..n-1; choosing item i costs dw[i] (its weight gradient) and forces the
 * backward pass through every item above the deepest chosen one (dx[j] for j > deepest).
 * Exact: for each deepest item d, a 0/1 knapsack over the items above d with what is left.
 */
export function layeredKnapsack(
  dw: readonly number[],
  dx: readonly number[],
  values: readonly number[],
  budget: number,
): { chosen: number[]; cost: number; value: number } {
  const n = dw.length;
  let best = { chosen: [] as number[], cost: 0, value: 0 };
  for (let d = 0; d < n; d++) {
    let through = 0;
    for (let j = d + 1; j < n; j++) through += dx[j];
    const left = budget - through - dw[d];
    if (left < 0) continue;
    const above = [...Array(n - d - 1).keys()].map((k) => d + 1 + k);
    const pick = above.length
      ? knapsack(
          above.map((j) => dw[j]),
          above.map((j) => values[j]),
          left,
        )
      : [];
    const chosen = [d, ...pick.map((k) => above[k])];
    const value = chosen.reduce((a, i) => a + values[i], 0);
    const cost = through + chosen.reduce((a, i) => a + dw[i], 0);
    if (value > best.value) best = { chosen, cost, value };
  }
  return best;
}
