// `synthetic_classification(n:, dim:, classes:, seed:)`: a seeded, linearly separable-ish
// toy dataset for examples and tests, generated on the host:
//   centers c_k = 2 * N(0, I_dim)                  (rng stream 1, k = 0..classes-1)
//   example i: label_i = i mod classes, x_i = c_label + 0.5 * N(0, I_dim)   (stream 2)
// Batch b of the (unshuffled, cyclic) stream holds examples (b * B + j) mod n.

import { normal } from '../../runtime/rng.ts';

export interface SyntheticClassification {
  readonly x: Float32Array; // [n, dim]
  readonly label: Int32Array; // [n]
}

export function syntheticClassification(
  n: number,
  dim: number,
  classes: number,
  seed = 0,
): SyntheticClassification {
  const centers = Float32Array.from({ length: classes * dim }, (_, i) => 2 * normal(seed, 1, i));
  const x = new Float32Array(n * dim);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    label[i] = k;
    for (let j = 0; j < dim; j++) x[i * dim + j] = centers[k * dim + j] + 0.5 * normal(seed, 2, i * dim + j);
  }
  return { x, label };
}

/** Rows (b * B + j) mod n of the dataset: the b-th batch of size B (b counts from 0). */
export function syntheticBatch(
  d: SyntheticClassification,
  dim: number,
  b: number,
  B: number,
): { x: Float32Array; label: Int32Array } {
  const n = d.label.length;
  const x = new Float32Array(B * dim);
  const label = new Int32Array(B);
  for (let j = 0; j < B; j++) {
    const i = (b * B + j) % n;
    label[j] = d.label[i];
    x.set(d.x.subarray(i * dim, (i + 1) * dim), j * dim);
  }
  return { x, label };
}
