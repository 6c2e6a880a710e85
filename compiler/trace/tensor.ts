// Tensor-expression semantics over IR nodes: what `a + b`, `x @ w^T`, `x[:, :-1]` and
// `sum(x, axis: -1)` mean in .ftl. Every function here builds nodes with `mk` and makes the
// IR's explicit conventions (ops.ts) implicit for the user:
// - numpy broadcasting: operands are right-aligned, size-1 axes stretch; lowered to
//   `reshape` (insert leading 1s) + `expand`;
// - host numbers are scalar constants filled to the other operand's shape;
// - mixed dtypes promote: bool -> i32 -> f32 (bool operands of arithmetic become 0/1);
// - reductions take negative axes and drop reduced axes unless `keepdim`.
// User errors (shapes that do not broadcast, axes out of range) throw TraceError with the
// span of the expression being traced (`withSpan`), which the tracer turns into a Diagnostic.

import type { Span } from '../diagnostics/span.ts';
import { mk, numel, sameShape, type Node } from '../ir/node.ts';
import type { BinaryOp, DType, Shape, UnaryOp } from '../ir/ops.ts';
import { TraceCodes, TraceError, fmtShape } from './errors.ts';

export type Val = Node | number;

// The span every node made now gets. The tracer sets it around each AST expression.
let currentSpan: Span | undefined;

export function withSpan<R>(span: Span | undefined, f: () => R): R {
  const prev = currentSpan;
  if (span) currentSpan = span;
  try {
    return f();
  } finally {
    currentSpan = prev;
  }
}
export const spanNow = (): Span | undefined => currentSpan;

export function fail(code: string, message: string, hint?: string): never {
  throw new TraceError(code, message, currentSpan, hint);
}

export const isNode = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && 'op' in v && 'shape' in v && 'src' in v;

// ---- leaves ----------------------------------------------------------------------------

export const constant = (value: number, shape: Shape = [], dtype: DType = 'f32'): Node =>
  mk('const', [], { value }, { shape, dtype, span: currentSpan });

export const iota = (shape: Shape, axis: number): Node =>
  mk('iota', [], { axis }, { shape, dtype: 'i32', span: currentSpan });

export const input = (name: string, shape: Shape, dtype: DType): Node =>
  mk('input', [], { name }, { shape, dtype, span: currentSpan });

// ---- movement --------------------------------------------------------------------------

export function reshape(x: Node, shape: Shape): Node {
  if (sameShape(x.shape, shape)) return x;
  if (numel(shape) !== numel(x.shape))
    fail(TraceCodes.shapeMismatch, `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  return mk('reshape', [x], { shape }, { span: currentSpan });
}

export function permute(x: Node, perm: readonly number[]): Node {
  if (perm.every((p, i) => p === i)) return x;
  return mk('permute', [x], { perm }, { span: currentSpan });
}

/** `x^T`: swap the last two axes (a 1-D tensor is returned unchanged, as numpy does). */
export function transpose(x: Node): Node {
  const r = x.shape.length;
  if (r < 2) return x;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return permute(x, perm);
}

export function expand(x: Node, shape: Shape): Node {
  if (sameShape(x.shape, shape)) return x;
  return mk('expand', [x], { shape }, { span: currentSpan });
}

/** Right-aligned numpy broadcast of two shapes, or a TraceError naming both. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      fail(
        TraceCodes.shapeMismatch,
        `shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (axis ${i - r}: ${da} vs ${db})`,
      );
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Stretch `x` to `shape` (which must be a broadcast of x's shape). */
export function broadcastTo(x: Node, shape: Shape): Node {
  if (sameShape(x.shape, shape)) return x;
  if (x.shape.length > shape.length)
    fail(TraceCodes.shapeMismatch, `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  const padded = [...Array(shape.length - x.shape.length).fill(1), ...x.shape];
  padded.forEach((d, i) => {
    if (d !== 1 && d !== shape[i])
      fail(TraceCodes.shapeMismatch, `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  });
  return expand(reshape(x, padded), shape);
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    fail(TraceCodes.badAxis, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

export function slice(x: Node, starts: readonly number[], ends: readonly number[]): Node {
  if (starts.every((s) => s === 0) && ends.every((e, i) => e === x.shape[i])) return x;
  return mk('slice', [x], { starts, ends }, { span: currentSpan });
}

/** `x[a:b]` on one axis; negative and missing bounds as in Python. */
export function sliceAxis(x: Node, axis: number, start?: number, end?: number): Node {
  const ax = normAxis(axis, x.shape.length);
  const d = x.shape[ax];
  const norm = (v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    const w = v < 0 ? v + d : v;
    return Math.min(Math.max(w, 0), d);
  };
  const s = norm(start, 0);
  const e = Math.max(norm(end, d), s);
  const starts = x.shape.map(() => 0);
  const ends = [...x.shape];
  starts[ax] = s;
  ends[ax] = e;
  return slice(x, starts, ends);
}

export function concat(xs: readonly Node[], axis: number): Node {
  if (xs.length === 0) fail(TraceCodes.badArgument, 'concat needs at least one tensor');
  if (xs.length === 1) return xs[0];
  const r = xs[0].shape.length;
  const ax = normAxis(axis, r);
  const dt = promoteAll(xs.map((x) => x.dtype));
  for (const x of xs)
    if (x.shape.length !== r || x.shape.some((d, i) => i !== ax && d !== xs[0].shape[i]))
      fail(
        TraceCodes.shapeMismatch,
        `concat on axis ${axis}: shapes ${fmtShape(xs[0].shape)} and ${fmtShape(x.shape)} differ off that axis`,
      );
  return mk(
    'concat',
    xs.map((x) => cast(x, dt)),
    { axis: ax },
    { span: currentSpan },
  );
}

// ---- dtypes ----------------------------------------------------------------------------

const rank: Record<DType, number> = { bool: 0, i32: 1, f32: 2 };
const promoteAll = (ds: readonly DType[]): DType => ds.reduce((a, b) => (rank[a] >= rank[b] ? a : b));

export function cast(x: Node, to: DType): Node {
  if (x.dtype === to) return x;
  return mk('cast', [x], { to }, { span: currentSpan });
}

// ---- elementwise -----------------------------------------------------------------------

export function unary(op: UnaryOp, x: Val): Node {
  const n = typeof x === 'number' ? constant(x) : x;
  // Float functions of integers compute in f32 (sqrt(4) = 2.0, not an i32 sqrt).
  const src =
    op === 'neg' || op === 'abs' || op === 'detach'
      ? n.dtype === 'bool'
        ? cast(n, 'i32')
        : n
      : cast(n, 'f32');
  return mk(op, [src], null, { span: currentSpan });
}

/**
 * `a op b` with broadcasting and promotion. Arithmetic on bools computes on 0/1 in i32;
 * `div` and `pow` always compute in f32 (1 / 2 = 0.5 as in the language's float semantics).
 */
export function binary(op: BinaryOp, a: Val, b: Val): Node {
  if (typeof a === 'number' && typeof b === 'number') return binary(op, constant(a), constant(b));
  const an = typeof a === 'number' ? null : a;
  const bn = typeof b === 'number' ? null : b;
  const dtypes = [an?.dtype, bn?.dtype].filter((d): d is DType => d !== undefined);
  const numIsFloat = [a, b].some((v) => typeof v === 'number' && !Number.isInteger(v));
  let dt = promoteAll(dtypes);
  if (numIsFloat || op === 'div' || op === 'pow') dt = 'f32';
  if (dt === 'bool' && op !== 'eq') dt = 'i32';
  const shape = an && bn ? broadcastShapes(an.shape, bn.shape) : (an ?? bn)!.shape;
  const prep = (v: Val): Node =>
    typeof v === 'number' ? constant(v, shape, dt) : broadcastTo(cast(v, dt), shape);
  return mk(op, [prep(a), prep(b)], null, { span: currentSpan });
}

export const add = (a: Val, b: Val) => binary('add', a, b);
export const sub = (a: Val, b: Val) => binary('sub', a, b);
export const mul = (a: Val, b: Val) => binary('mul', a, b);
export const div = (a: Val, b: Val) => binary('div', a, b);
export const pow = (a: Val, b: Val) => binary('pow', a, b);
export const maximum = (a: Val, b: Val) => binary('max', a, b);
export const minimum = (a: Val, b: Val) => binary('min', a, b);
export const lt = (a: Val, b: Val) => binary('lt', a, b);
export const gt = (a: Val, b: Val) => binary('lt', b, a);
export const eq = (a: Val, b: Val) => binary('eq', a, b);
export const neg = (x: Val) => unary('neg', x);
export const exp = (x: Val) => unary('exp', x);
export const log = (x: Val) => unary('log', x);
export const sqrt = (x: Val) => unary('sqrt', x);
export const tanh = (x: Val) => unary('tanh', x);
export const abs = (x: Val) => unary('abs', x);
export const detach = (x: Node) => mk('detach', [x], null, { span: currentSpan });

/** Boolean negation of a bool tensor: eq(x, false). */
export const not = (x: Node): Node =>
  mk('eq', [x, constant(0, x.shape, 'bool')], null, { span: currentSpan });
export const le = (a: Val, b: Val) => not(gt(a, b));
export const ge = (a: Val, b: Val) => not(lt(a, b));
export const ne = (a: Val, b: Val) => not(eq(a, b));

/** where(cond, a, b): cond is bool (other dtypes compare != 0); all three broadcast. */
export function where(c: Val, a: Val, b: Val): Node {
  let cn = typeof c === 'number' ? constant(c ? 1 : 0, [], 'bool') : c;
  if (cn.dtype !== 'bool') cn = ne(cn, 0);
  const nodes = [cn, a, b].filter(isNode);
  const shape = nodes.reduce<number[]>((s, n) => broadcastShapes(s, n.shape), []);
  const dts = [a, b].filter(isNode).map((n) => n.dtype);
  const floaty = [a, b].some((v) => typeof v === 'number' && !Number.isInteger(v));
  const dt: DType = floaty || dts.length === 0 ? 'f32' : promoteAll(dts);
  const prep = (v: Val): Node =>
    typeof v === 'number' ? constant(v, shape, dt) : broadcastTo(cast(v, dt), shape);
  return mk('where', [broadcastTo(cn, shape), prep(a), prep(b)], null, { span: currentSpan });
}

// ---- reductions ------------------------------------------------------------------------

export type Axes = number | readonly number[] | undefined;

function axesOf(x: Node, axis: Axes): number[] {
  if (axis === undefined) return [...x.shape.keys()];
  const list = typeof axis === 'number' ? [axis] : axis;
  return [...new Set(list.map((a) => normAxis(a, x.shape.length)))].sort((a, b) => a - b);
}

function reduce(op: 'reduce_sum' | 'reduce_max', x: Node, axis: Axes, keepdim: boolean): Node {
  const axes = axesOf(x, axis);
  const src = op === 'reduce_sum' && x.dtype === 'bool' ? cast(x, 'i32') : x;
  const r = axes.length === 0 ? src : mk(op, [src], { axes }, { span: currentSpan });
  return keepdim
    ? r
    : reshape(
        r,
        x.shape.filter((_, i) => !axes.includes(i)),
      );
}

export const sum = (x: Node, axis?: Axes, keepdim = false) => reduce('reduce_sum', x, axis, keepdim);
export const max = (x: Node, axis?: Axes, keepdim = false) => reduce('reduce_max', x, axis, keepdim);
export const min = (x: Node, axis?: Axes, keepdim = false) =>
  neg(reduce('reduce_max', neg(x), axis, keepdim));
export function mean(x: Node, axis?: Axes, keepdim = false): Node {
  const count = axesOf(x, axis).reduce((n, a) => n * x.shape[a], 1);
  return div(sum(cast(x, 'f32'), axis, keepdim), count);
}

// ---- matmul ----------------------------------------------------------------------------

/**
 * `a @ b` with numpy semantics: 1-D operands gain (then lose) a unit axis, batch axes
 * broadcast. A 2-D right operand (the common `x @ W^T`) flattens a's leading axes into
 * one matrix product instead of expanding the weight per batch element.
 */
export function matmul(a: Node, b: Node): Node {
  if (a.shape.length === 0 || b.shape.length === 0)
    fail(TraceCodes.shapeMismatch, '`@` needs tensors of rank >= 1; use `*` for scalars');
  const a2 = a.shape.length === 1 ? reshape(a, [1, a.shape[0]]) : cast(a, 'f32');
  const b2 = b.shape.length === 1 ? reshape(b, [b.shape[0], 1]) : cast(b, 'f32');
  const K = a2.shape[a2.shape.length - 1];
  if (b2.shape[b2.shape.length - 2] !== K)
    fail(
      TraceCodes.shapeMismatch,
      `\`@\`: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${K} vs ${b2.shape[b2.shape.length - 2]})`,
    );
  const M = a2.shape[a2.shape.length - 2];
  const N = b2.shape[b2.shape.length - 1];
  let out: Node;
  if (b2.shape.length === 2) {
    const lead = a2.shape.slice(0, -2);
    const flat = reshape(a2, [numel(lead) * M, K]);
    const prod = mk('matmul', [cast(flat, 'f32'), cast(b2, 'f32')], null, { span: currentSpan });
    out = reshape(prod, [...lead, M, N]);
  } else {
    const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
    const ae = broadcastTo(cast(a2, 'f32'), [...batch, M, K]);
    const be = broadcastTo(cast(b2, 'f32'), [...batch, K, N]);
    out = mk('matmul', [ae, be], null, { span: currentSpan });
  }
  // Undo the unit axes the 1-D cases added.
  const s = [...out.shape];
  if (b.shape.length === 1) s.splice(s.length - 1, 1);
  if (a.shape.length === 1) s.splice(s.length - (b.shape.length === 1 ? 1 : 2), 1);
  return reshape(out, s);
}

/** Rows of `table` picked by i32 `idx`: out[...idx, ...rest] (embedding lookup). */
export function gather(table: Node, idx: Node): Node {
  if (idx.dtype !== 'i32') idx = cast(idx, 'i32');
  return mk('gather', [table, idx], null, { span: currentSpan });
}
