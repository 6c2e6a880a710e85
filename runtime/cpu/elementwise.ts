// Scalar meaning of every elementwise op, per result dtype: the single definition the CPU
// executor and constant folding (compiler/passes/simplify.ts) share.
//
// Functions compute in f64 on JS numbers; the store into the result array rounds (f32),
// wraps (i32) or normalises to 0/1 (bool). Integer rules follow WGSL: i32 `+ - *` wrap,
// `/` truncates toward zero and x/0 = x; f32 -> i32 casts truncate and saturate, NaN -> 0.

import type { DType, Op } from '../../compiler/ir/ops.ts';
import { alloc, roundTo, type Precision, type TypedArray } from './tensor.ts';

type F1 = (x: number) => number;
type F2 = (a: number, b: number) => number;

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** f32 -> i32 conversion: truncate toward zero, saturate, NaN -> 0 (WGSL `i32(f32)`). */
export function toI32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(I32_MAX, Math.max(I32_MIN, Math.trunc(x)));
}

// Float meaning of unary ops (src dtype f32). `detach` is the identity in the forward pass.
const unaryF32: Record<string, F1> = {
  neg: (x) => -x,
  recip: (x) => 1 / x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  abs: Math.abs,
  detach: (x) => x,
};

/** Scalar function of a unary op; `from` is the operand dtype, `to` the result dtype. */
export function unaryScalar(op: Op, from: DType, to: DType): F1 {
  if (op === 'cast') {
    if (to === 'bool') return (x) => (x !== 0 ? 1 : 0);
    if (to === 'i32') return from === 'f32' ? toI32 : (x) => x;
    return (x) => x; // i32/bool -> f32: exact below 2^24, rounded on store above
  }
  if (from !== 'f32' && op === 'neg') return (x) => -x | 0;
  if (from !== 'f32' && op === 'abs') return (x) => Math.abs(x) | 0;
  if (from !== 'f32' && op === 'detach') return (x) => x;
  const f = unaryF32[op];
  if (!f) throw new Error(`cpu: ${op} is not a unary op`);
  return from === 'f32' ? f : (x) => toI32(f(x)); // float-only op on ints: truncate (checker rejects these)
}

const binaryF32: Record<string, F2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  min: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  pow: Math.pow,
  lt: (a, b) => (a < b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};

const binaryI32: Record<string, F2> = {
  ...binaryF32,
  mul: (a, b) => Math.imul(a, b),
  div: (a, b) => (b === 0 ? a : Math.trunc(a / b)),
  pow: (a, b) => toI32(Math.pow(a, b)),
};

/** Scalar function of a binary op over operands of dtype `dtype`. */
export function binaryScalar(op: Op, dtype: DType): F2 {
  const f = (dtype === 'f32' ? binaryF32 : binaryI32)[op];
  if (!f) throw new Error(`cpu: ${op} is not a binary op`);
  return f;
}

/** out[i] = f(x[i]) */
export function mapUnary(op: Op, from: DType, to: DType, x: TypedArray, p: Precision): TypedArray {
  const f = unaryScalar(op, from, to);
  const out = alloc(to, x.length, p);
  if (to === 'bool') for (let i = 0; i < x.length; i++) out[i] = roundTo('bool', f(x[i]));
  else for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

/** out[i] = f(a[i], b[i]); `to` is the result dtype (bool for comparisons). */
export function mapBinary(
  op: Op,
  from: DType,
  to: DType,
  a: TypedArray,
  b: TypedArray,
  p: Precision,
): TypedArray {
  const f = binaryScalar(op, from);
  const out = alloc(to, a.length, p);
  if (to === 'bool') for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[i]) !== 0 ? 1 : 0;
  else for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[i]);
  return out;
}

/** out[i] = c[i] ? a[i] : b[i] */
export function mapWhere(c: TypedArray, a: TypedArray, b: TypedArray, to: DType, p: Precision): TypedArray {
  const out = alloc(to, a.length, p);
  for (let i = 0; i < a.length; i++) out[i] = c[i] !== 0 ? a[i] : b[i];
  return out;
}
