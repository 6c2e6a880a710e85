// Storage conventions of the CPU reference executor.
//
// A tensor value is a flat row-major typed array; its shape lives on the IR node.
//   f32  -> Float32Array (precision 'f32', the default: every op result is rounded to f32
//           on store, i.e. Math.fround semantics per op) or Float64Array (precision 'f64',
//           for finite-difference gradient checks).
//   i32  -> Int32Array (stores wrap mod 2^32, as WGSL i32 arithmetic does).
//   bool -> Uint8Array holding 0 or 1. Inputs may also pass bools as Int32Array 0/1.
// Values are never mutated after an op produced them, so no op needs defensive copies
// of its operands.

import type { DType, Shape } from '../../compiler/ir/ops.ts';
import { numel } from '../../compiler/ir/node.ts';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type Precision = 'f32' | 'f64';

/** A zero-filled array for `n` elements of `dtype`. */
export function alloc(dtype: DType, n: number, precision: Precision): TypedArray {
  if (dtype === 'i32') return new Int32Array(n);
  if (dtype === 'bool') return new Uint8Array(n);
  return precision === 'f64' ? new Float64Array(n) : new Float32Array(n);
}

/** Round a JS number the way storing it in a `dtype` tensor does (for constant folding). */
export function roundTo(dtype: DType, x: number, precision: Precision = 'f32'): number {
  if (dtype === 'bool') return x !== 0 ? 1 : 0;
  if (dtype === 'i32') return x | 0;
  return precision === 'f32' ? Math.fround(x) : x;
}

/** Convert a caller-provided array to the storage type of `dtype` (copying only if needed). */
export function coerce(a: TypedArray, dtype: DType, precision: Precision): TypedArray {
  const want = alloc(dtype, 0, precision).constructor;
  if (a.constructor === want) return a;
  const out = alloc(dtype, a.length, precision);
  for (let i = 0; i < a.length; i++) out[i] = roundTo(dtype, a[i], precision);
  return out;
}

/** Row-major strides of `shape` (in elements). */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export { numel };

/**
 * Walk every coordinate of `shape` in row-major order, keeping two flat offsets in step
 * (`d` into a destination, `s` into a source, each with its own strides, which may be 0 to
 * broadcast or to reduce). All movement ops and reductions are instances of this walk.
 * `row(d, s, n, dStep, sStep)` is called once per run along the last axis (n elements,
 * offsets advancing by dStep/sStep), so callers run their inner loop without a call per element.
 */
export function walkRows(
  shape: Shape,
  dOff: number,
  dStr: readonly number[],
  sOff: number,
  sStr: readonly number[],
  row: (d: number, s: number, n: number, dStep: number, sStep: number) => void,
): void {
  if (numel(shape) === 0) return;
  const r = shape.length;
  if (r === 0) return row(dOff, sOff, 1, 0, 0);
  const [n, dStep, sStep] = [shape[r - 1], dStr[r - 1], sStr[r - 1]];
  const rows = numel(shape) / n;
  const idx = new Array<number>(r - 1).fill(0);
  let d = dOff;
  let s = sOff;
  for (let k = 0; k < rows; k++) {
    row(d, s, n, dStep, sStep);
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      d += dStr[ax];
      s += sStr[ax];
      if (idx[ax] < shape[ax]) break;
      d -= dStr[ax] * shape[ax];
      s -= sStr[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/** dst[dOff + c·dStr] = src[sOff + c·sStr] for every coordinate c of `shape`. */
export function copyStrided(
  shape: Shape,
  dst: TypedArray,
  dOff: number,
  dStr: readonly number[],
  src: TypedArray,
  sOff: number,
  sStr: readonly number[],
): void {
  walkRows(shape, dOff, dStr, sOff, sStr, (d, s, n, dStep, sStep) => {
    for (let j = 0; j < n; j++) dst[d + j * dStep] = src[s + j * sStep];
  });
}
