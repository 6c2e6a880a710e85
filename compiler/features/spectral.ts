// Symmetric eigendecomposition (cyclic Jacobi, float64) and the thin SVD built on it, for
// initialisations computed on the host at compile time (LaMDA's spectral projections, EVA's
// activation principal directions). Sizes are one weight matrix or one d x d covariance of
// a small model, so O(n^3) per sweep is fine.

/** Eigen-decomposition of a symmetric n x n matrix (row-major): values descending, vectors as columns. */
export function symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        // Rotation angle that zeroes m[p, q]: tan(2 theta) = 2 apq / (aqq - app).
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p, q of m
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          // rows p, q of m
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * Top-r thin SVD of w[rows, cols] (row-major): u [rows, r], s [r] descending, vt [r, cols],
 * from the eigenvectors of w^T w (u = w v / s; a zero singular value gives a zero column).
 */
export function topSvd(w: ArrayLike<number>, rows: number, cols: number, r: number) {
  const g = new Float64Array(cols * cols);
  for (let i = 0; i < rows; i++)
    for (let a = 0; a < cols; a++) {
      const x = w[i * cols + a];
      if (x === 0) continue;
      for (let b = 0; b < cols; b++) g[a * cols + b] += x * w[i * cols + b];
    }
  const { values, vectors } = symEig(g, cols);
  const s = new Float64Array(r);
  const vt = new Float64Array(r * cols);
  const u = new Float64Array(rows * r);
  for (let k = 0; k < r; k++) {
    s[k] = Math.sqrt(Math.max(0, values[k]));
    for (let j = 0; j < cols; j++) vt[k * cols + j] = vectors[j * cols + k];
    if (s[k] < 1e-12) continue;
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      for (let j = 0; j < cols; j++) acc += w[i * cols + j] * vt[k * cols + j];
      u[i * r + k] = acc / s[k];
    }
  }
  return { u, s, vt };
}
