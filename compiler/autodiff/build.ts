// Node builders that stamp one span on every node they make. Autodiff creates each
// gradient node through `builder(forwardNode.span)`, so a backward kernel points at the
// source line of the forward expression it differentiates.
//
// Movement helpers skip identities (expand/reshape to the same shape, reducing no axes),
// so gradient graphs are not littered with no-ops before simplify runs.

import type { Span } from '../diagnostics/span.ts';
import { mk, sameShape, type Node } from '../ir/node.ts';
import type { DType, Shape } from '../ir/ops.ts';

export type Builder = ReturnType<typeof builder>;

export function builder(span?: Span) {
  const o = { span };
  const un = (op: 'neg' | 'recip' | 'exp' | 'log' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'abs') => (x: Node) =>
    mk(op, [x], null, o);
  const bin =
    (op: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'lt' | 'eq') => (a: Node, b: Node) =>
      mk(op, [a, b], null, o);
  return {
    span,
    neg: un('neg'),
    recip: un('recip'),
    exp: un('exp'),
    log: un('log'),
    sqrt: un('sqrt'),
    sin: un('sin'),
    cos: un('cos'),
    tanh: un('tanh'),
    abs: un('abs'),
    add: bin('add'),
    sub: bin('sub'),
    mul: bin('mul'),
    div: bin('div'),
    max: bin('max'),
    min: bin('min'),
    pow: bin('pow'),
    lt: bin('lt'),
    eq: bin('eq'),
    where: (c: Node, a: Node, b: Node) => mk('where', [c, a, b], null, o),
    cast: (x: Node, to: DType) => (x.dtype === to ? x : mk('cast', [x], { to }, o)),
    /** A constant `value` filled over `shape`. */
    full: (value: number, shape: Shape, dtype: DType = 'f32') =>
      mk('const', [], { value }, { shape, dtype, span }),
    reduceSum: (x: Node, axes: readonly number[]) =>
      axes.length === 0 ? x : mk('reduce_sum', [x], { axes }, o),
    reshape: (x: Node, shape: Shape) => (sameShape(x.shape, shape) ? x : mk('reshape', [x], { shape }, o)),
    expand: (x: Node, shape: Shape) => (sameShape(x.shape, shape) ? x : mk('expand', [x], { shape }, o)),
    permute: (x: Node, perm: readonly number[]) =>
      perm.every((p, i) => p === i) ? x : mk('permute', [x], { perm }, o),
    slice: (x: Node, starts: readonly number[], ends: readonly number[]) =>
      mk('slice', [x], { starts, ends }, o),
    pad: (x: Node, before: readonly number[], after: readonly number[]) =>
      mk('pad', [x], { before, after }, o),
    matmul: (a: Node, b: Node) => mk('matmul', [a, b], null, o),
    gather: (table: Node, idx: Node) => mk('gather', [table, idx], null, o),
    scatterAdd: (idx: Node, upd: Node, rows: number) => mk('scatter_add', [idx, upd], { rows }, o),
  };
}

/** The permutation swapping the last two axes of a rank-`r` tensor (a matrix transpose). */
export function swapLast(r: number): number[] {
  const p = Array.from({ length: r }, (_, i) => i);
  [p[r - 2], p[r - 1]] = [p[r - 1], p[r - 2]];
  return p;
}
