// Movement ops: reshape, permute, expand, slice, pad, concat. Each is one strided copy
// (tensor.ts `copyStrided`) between row-major layouts; pad writes into a zeroed output.

import type { DType, Shape } from '../../compiler/ir/ops.ts';
import { alloc, copyStrided, numel, strides, type Precision, type TypedArray } from './tensor.ts';

/** Same elements, new shape: a copy (values are immutable, but outputs may be handed out). */
export function reshape(x: TypedArray): TypedArray {
  return x.slice();
}

/** out[c] = x[c permuted back]: out axis k is x axis perm[k]. */
export function permute(
  x: TypedArray,
  shape: Shape,
  perm: readonly number[],
  dtype: DType,
  p: Precision,
): TypedArray {
  const xs = strides(shape);
  const outShape = perm.map((a) => shape[a]);
  const out = alloc(dtype, x.length, p);
  copyStrided(
    outShape,
    out,
    0,
    strides(outShape),
    x,
    0,
    perm.map((a) => xs[a]),
  );
  return out;
}

/** Broadcast size-1 axes: source stride 0 on every axis that grows. */
export function expand(x: TypedArray, shape: Shape, to: Shape, dtype: DType, p: Precision): TypedArray {
  const xs = strides(shape).map((s, i) => (shape[i] === 1 && to[i] !== 1 ? 0 : s));
  const out = alloc(dtype, numel(to), p);
  copyStrided(to, out, 0, strides(to), x, 0, xs);
  return out;
}

/** out = x[starts[d] : ends[d]] on every axis d. */
export function slice(
  x: TypedArray,
  shape: Shape,
  starts: readonly number[],
  ends: readonly number[],
  dtype: DType,
  p: Precision,
): TypedArray {
  const xs = strides(shape);
  const outShape = starts.map((s, i) => ends[i] - s);
  const off = starts.reduce((a, s, i) => a + s * xs[i], 0);
  const out = alloc(dtype, numel(outShape), p);
  copyStrided(outShape, out, 0, strides(outShape), x, off, xs);
  return out;
}

/** Zero padding: x lands at offset `before` inside the output. */
export function pad(
  x: TypedArray,
  shape: Shape,
  before: readonly number[],
  after: readonly number[],
  dtype: DType,
  p: Precision,
): TypedArray {
  const outShape = shape.map((d, i) => before[i] + d + after[i]);
  const os = strides(outShape);
  const out = alloc(dtype, numel(outShape), p);
  const off = before.reduce((a, b, i) => a + b * os[i], 0);
  copyStrided(shape, out, off, os, x, 0, strides(shape));
  return out;
}

/** Operands laid side by side along `axis`. */
export function concat(
  xs: readonly TypedArray[],
  shapes: readonly Shape[],
  axis: number,
  dtype: DType,
  p: Precision,
): TypedArray {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((a, s) => a + s[axis], 0);
  const os = strides(outShape);
  const out = alloc(dtype, numel(outShape), p);
  let at = 0;
  xs.forEach((x, k) => {
    copyStrided(shapes[k], out, at * os[axis], os, x, 0, strides(shapes[k]));
    at += shapes[k][axis];
  });
  return out;
}
