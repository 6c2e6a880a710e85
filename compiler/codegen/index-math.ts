// Index arithmetic as WGSL i32 expression strings, with constant folding so that folded
// movement ops (reshape/permute/expand/slice) cost as little as the shapes allow.
//
// An `Ix` is "which element of a tensor of `shape`": its multi-index `dims` (one i32
// expression per axis), its row-major `flat` index, or both. Conversions are lazy: a
// reshape of a contiguous buffer passes `flat` through untouched (no div/mod), while a
// permute needs `dims`.

import type { Shape } from '../ir/ops.ts';

export interface Ix {
  readonly shape: Shape;
  readonly dims?: readonly string[];
  readonly flat?: string;
}

export const isLit = (e: string): boolean => /^-?\d+$/.test(e);

/** `e` as an operand: callers may pass unparenthesized sums such as `m0 + 1`. */
function atom(e: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(e) || /^\d+$/.test(e)) return e;
  if (e.startsWith('(') && e.endsWith(')')) {
    // Parenthesized as a whole only if the first '(' closes at the end.
    let depth = 0;
    for (let i = 0; i < e.length; i++) {
      depth += e[i] === '(' ? 1 : e[i] === ')' ? -1 : 0;
      if (depth === 0 && i < e.length - 1) return `(${e})`;
    }
    return e;
  }
  return `(${e})`;
}

export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function add(a: string, b: string): string {
  if (isLit(a) && isLit(b)) return String(Number(a) + Number(b));
  if (a === '0') return b;
  if (b === '0') return a;
  return `(${atom(a)} + ${atom(b)})`;
}

export function addC(a: string, c: number): string {
  return c === 0
    ? a
    : c < 0
      ? isLit(a)
        ? String(Number(a) + c)
        : `(${atom(a)} - ${-c})`
      : add(a, String(c));
}

export function mulC(a: string, c: number): string {
  if (c === 0 || a === '0') return '0';
  if (c === 1) return a;
  if (isLit(a)) return String(Number(a) * c);
  return `(${atom(a)} * ${c})`;
}

/** Row-major flat index of `dims` in `shape`; size-1 axes contribute nothing. */
export function flatOfDims(dims: readonly string[], shape: Shape): string {
  const st = strides(shape);
  let e = '0';
  dims.forEach((d, i) => {
    if (shape[i] !== 1) e = add(e, mulC(d, st[i]));
  });
  return e;
}

/** Multi-index of row-major `flat` in `shape` (flat < numel, so the leading axis needs no %). */
export function dimsOfFlat(flat: string, shape: Shape): string[] {
  const st = strides(shape);
  let first = shape.findIndex((d) => d !== 1);
  return shape.map((d, i) => {
    if (d === 1) return '0';
    const q = st[i] === 1 ? atom(flat) : `(${atom(flat)} / ${st[i]})`;
    if (isLit(flat)) return String(Math.floor(Number(flat) / st[i]) % d);
    return i === first ? q : `(${q} % ${d})`;
  });
}
