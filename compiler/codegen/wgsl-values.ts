// WGSL spellings of IR dtypes and constants, and the op -> WGSL expression table for
// elementwise ops. Operands arrive as WGSL expressions of the operand's in-register type:
// f32 -> f32, i32 -> i32, bool -> bool (booleans are only i32 0/1 in storage buffers).

import type { DType, Op } from '../ir/ops.ts';
import type { Node } from '../ir/node.ts';

export const wgslType = (d: DType): string => (d === 'bool' ? 'bool' : d);

/**
 * A WGSL literal for `value` as `dtype`. WGSL has no inf/NaN literals and rejects them in
 * constant expressions, so they are bitcasts of private variables (SPECIAL_F32, which
 * `withSpecialValues` adds to any kernel that mentions them).
 */
export function literal(value: number, dtype: DType): string {
  if (dtype === 'bool') return value ? 'true' : 'false';
  if (dtype === 'i32') {
    const v = value | 0;
    return v === -2147483648 ? 'i32(-2147483647 - 1)' : `${v}i`;
  }
  const f = Math.fround(value);
  if (Number.isNaN(f)) return 'bitcast<f32>(ftl_nan)';
  if (f === Infinity) return 'bitcast<f32>(ftl_pinf)';
  if (f === -Infinity) return 'bitcast<f32>(ftl_ninf)';
  if (Object.is(f, -0)) return 'bitcast<f32>(0x80000000u)';
  // The shortest repr of an f32-exact double parses back to the same f32.
  const s = String(f);
  return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
}

/** The value of a node if it is a constant seen through movement ops, else undefined. */
export function constValue(n: Node): number | undefined {
  while (n.op === 'reshape' || n.op === 'expand' || n.op === 'permute' || n.op === 'slice') n = n.src[0];
  return n.op === 'const' ? (n.arg as { value: number }).value : undefined;
}

/** Convert a register value between dtypes with the IR's `cast` semantics. */
export function castExpr(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === 'bool') return from === 'f32' ? `(${x} != 0.0f)` : `(${x} != 0i)`;
  // f32 -> i32 truncates toward zero (WGSL saturates out-of-range values).
  return `${to}(${x})`;
}

/**
 * WGSL for an elementwise op. `n` is the node (for dtypes and constant operands),
 * `a` its operand expressions.
 */
export function elementwiseExpr(n: Node, a: readonly string[]): string {
  const op: Op = n.op;
  const t = n.src[0]?.dtype;
  const isF = t === 'f32';
  switch (op) {
    case 'neg':
      return `(-(${a[0]}))`;
    case 'recip':
      return `(1.0f / ${a[0]})`;
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'sin':
    case 'cos':
    case 'abs':
      return `${op}(${a[0]})`;
    case 'tanh':
      // Some drivers compute tanh as (e^2x - 1)/(e^2x + 1) and return NaN for large |x|;
      // tanh saturates to +-1 in f32 beyond |x| = 9.02.
      return `select(tanh(${a[0]}), sign(${a[0]}), abs(${a[0]}) > 9.1f)`;
    case 'cast':
      return castExpr(a[0], t!, n.dtype);
    case 'detach':
      return a[0];
    case 'add':
      return `(${a[0]} + ${a[1]})`;
    case 'sub':
      return `(${a[0]} - ${a[1]})`;
    case 'mul':
      return t === 'bool' ? `(${a[0]} && ${a[1]})` : `(${a[0]} * ${a[1]})`;
    case 'div':
      // i32 division by zero is defined (x / 0 = x) in WGSL; the CPU oracle owns the spec.
      return `(${a[0]} / ${a[1]})`;
    case 'max':
      return t === 'bool' ? `(${a[0]} || ${a[1]})` : `max(${a[0]}, ${a[1]})`;
    case 'min':
      return t === 'bool' ? `(${a[0]} && ${a[1]})` : `min(${a[0]}, ${a[1]})`;
    case 'pow':
      return isF ? powExpr(n, a[0], a[1]) : ipowExpr(a[0], a[1]);
    case 'lt':
      return t === 'bool' ? `(!${a[0]} && ${a[1]})` : `(${a[0]} < ${a[1]})`;
    case 'eq':
      return `(${a[0]} == ${a[1]})`;
    case 'where':
      return `select(${a[2]}, ${a[1]}, ${a[0]})`;
  }
  throw new Error(`elementwiseExpr: ${op} is not elementwise`);
}

/**
 * WGSL `pow` is undefined for a negative base; the IR follows Math.pow: a negative base
 * with an integral exponent is fine, x^0 = 1. Small constant integer exponents unroll.
 */
function powExpr(n: Node, a: string, b: string): string {
  const c = constValue(n.src[1]);
  if (c === 0) return '1.0f';
  if (c === 1) return a;
  if (c === 2) return `(${a} * ${a})`;
  if (c === 3) return `(${a} * ${a} * ${a})`;
  if (c === 0.5) return `sqrt(${a})`;
  if (c === -1) return `(1.0f / ${a})`;
  return `ftl_pow(${a}, ${b})`;
}

function ipowExpr(a: string, b: string): string {
  return `ftl_ipow(${a}, ${b})`;
}

/** Helper functions referenced by `elementwiseExpr` (emitted once per kernel that needs them). */
export const POW_HELPERS = /* wgsl */ `
fn ftl_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0f) { return 1.0f; }
  if (a >= 0.0f) { return pow(a, b); }
  if (fract(b) != 0.0f) { return bitcast<f32>(ftl_nan); }
  let m = pow(-a, b);
  return select(m, -m, fract(b * 0.5f) != 0.0f);
}
fn ftl_ipow(a: i32, b: i32) -> i32 {
  // Math.pow truncated to i32: a negative exponent leaves only 1 / (+-1)^|b|.
  if (b < 0) { return select(select(0i, 1i, a == 1i), select(1i, -1i, (b & 1i) != 0i), a == -1i); }
  var r = 1i;
  for (var i = 0i; i < b; i++) { r = r * a; }
  return r;
}
`;

const SPECIAL_F32 = `var<private> ftl_nan: u32 = 0x7fc00000u;
var<private> ftl_pinf: u32 = 0x7f800000u;
var<private> ftl_ninf: u32 = 0xff800000u;`;

/** The special-value declarations `wgsl` needs (none or one helper text). */
export function specialValues(wgsl: string): string[] {
  return /\bftl_(nan|pinf|ninf)\b/.test(wgsl) ? [SPECIAL_F32] : [];
}
