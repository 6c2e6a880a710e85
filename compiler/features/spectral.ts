// The truncated SVD that compile-time initialisations use (LaMDA's spectral projections,
// EVA's activation principal directions, `svd_init`, `spectrum`): the top r singular
// triplets of one weight or activation matrix, from the one-sided Jacobi SVD of
// host-linalg.ts (float64), so the project has a single SVD.

import { asMatrix, svd } from './host-linalg.ts';

/**
 * Top-r thin SVD of w[rows, cols] (row-major): u [rows, r], s [r] descending, vt [r, cols].
 * A zero singular value gives a zero column of u; triplets past min(rows, cols) are zero.
 */
export function topSvd(w: ArrayLike<number>, rows: number, cols: number, r: number) {
  const { u: U, s: S, v: V } = svd(asMatrix(w, [rows, cols]));
  const s = new Float64Array(r);
  const u = new Float64Array(rows * r);
  const vt = new Float64Array(r * cols);
  for (let k = 0; k < Math.min(r, S.length); k++) {
    s[k] = S[k];
    for (let i = 0; i < rows; i++) u[i * r + k] = U.data[i * U.cols + k];
    for (let j = 0; j < cols; j++) vt[k * cols + j] = V.data[j * V.cols + k];
  }
  return { u, s, vt };
}
