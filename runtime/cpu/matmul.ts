// Batched matmul: a[...batch, M, K] @ b[...batch, K, N] -> [...batch, M, N], batch dims equal.
// Each output row accumulates in f64 and rounds once on store.

import type { Shape } from '../../compiler/ir/ops.ts';
import { alloc, numel, type Precision, type TypedArray } from './tensor.ts';

export function matmul(a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, p: Precision): TypedArray {
  const r = aShape.length;
  const [M, K, N] = [aShape[r - 2], aShape[r - 1], bShape[r - 1]];
  const B = numel(aShape.slice(0, r - 2));
  const out = alloc('f32', B * M * N, p);
  const row = new Float64Array(N);
  for (let bt = 0; bt < B; bt++) {
    const aOff = bt * M * K;
    const bOff = bt * K * N;
    const oOff = bt * M * N;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = a[aOff + i * K + k];
        const bRow = bOff + k * N;
        for (let j = 0; j < N; j++) row[j] += aik * b[bRow + j];
      }
      for (let j = 0; j < N; j++) out[oOff + i * N + j] = row[j];
    }
  }
  return out;
}
