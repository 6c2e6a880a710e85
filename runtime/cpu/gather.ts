// gather / scatter_add over the first axis of a table.
//   gather:      table[R, ...rest], idx i32[...I]            -> out[...I, ...rest]
//                out[i, r] = table[idx[i], r]
//   scatter_add: idx i32[...I], upd[...I, ...rest], rows R  -> out[R, ...rest], zero-based
//                out[idx[i], r] += upd[i, r]   (accumulated in f64, rounded once on store)
// An index outside [0, R) is an error here (the GPU's behaviour for it is undefined):
// the data pipeline must mask such positions before they reach a gather.

import type { DType } from '../../compiler/ir/ops.ts';
import { alloc, type Precision, type TypedArray } from './tensor.ts';

function checkIndex(j: number, rows: number, what: string): void {
  if (!(j >= 0 && j < rows)) throw new RangeError(`cpu ${what}: index ${j} out of range [0, ${rows})`);
}

export function gather(
  table: TypedArray,
  rows: number,
  idx: TypedArray,
  inner: number,
  dtype: DType,
  p: Precision,
): TypedArray {
  const out = alloc(dtype, idx.length * inner, p);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    checkIndex(j, rows, 'gather');
    for (let r = 0; r < inner; r++) out[i * inner + r] = table[j * inner + r];
  }
  return out;
}

export function scatterAdd(
  idx: TypedArray,
  upd: TypedArray,
  rows: number,
  inner: number,
  dtype: DType,
  p: Precision,
): TypedArray {
  const acc = new Float64Array(rows * inner);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    checkIndex(j, rows, 'scatter_add');
    for (let r = 0; r < inner; r++) acc[j * inner + r] += upd[i * inner + r];
  }
  const out = alloc(dtype, acc.length, p);
  out.set(acc);
  return out;
}
