// reduce_sum / reduce_max with keepdims: x[...] -> out with size 1 on every reduced axis.
//
// Sums accumulate in f64 and round once on store (a more accurate oracle than any f32
// summation order a GPU uses; kernels are compared with a tolerance). Max propagates NaN.
// Reducing an empty axis gives 0 for sum and -Infinity for max.

import type { DType, Shape } from '../../compiler/ir/ops.ts';
import { alloc, numel, strides, walkRows, type Precision, type TypedArray } from './tensor.ts';

export function reduce(
  kind: 'sum' | 'max',
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  dtype: DType,
  p: Precision,
): TypedArray {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  // Destination strides are 0 on reduced axes: every input element along them lands on
  // the same output element.
  const oStr = strides(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const acc = new Float64Array(numel(outShape)).fill(kind === 'sum' ? 0 : -Infinity);
  if (kind === 'sum') {
    walkRows(shape, 0, oStr, 0, strides(shape), (d, s, n, dStep, sStep) => {
      for (let j = 0; j < n; j++) acc[d + j * dStep] += x[s + j * sStep];
    });
  } else {
    walkRows(shape, 0, oStr, 0, strides(shape), (d, s, n, dStep, sStep) => {
      for (let j = 0; j < n; j++) {
        const v = x[s + j * sStep];
        const o = d + j * dStep;
        if (v > acc[o] || Number.isNaN(v)) acc[o] = v;
      }
    });
  }
  const out = alloc(dtype, acc.length, p);
  for (let i = 0; i < acc.length; i++) out[i] = dtype === 'bool' ? (acc[i] > 0 ? 1 : 0) : acc[i];
  return out;
}
