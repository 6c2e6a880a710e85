// Sparse (top-k) dispatch for mixtures of experts, from general building blocks: per-expert
// token lists with a static capacity, so expert compute runs on E x capacity rows instead of
// E x N (FLOPs scale with k/E at capacity factor 1).
//
//   cumsum(x, axis: 0)            inclusive prefix sum (Hillis-Steele: log2(n) shifted adds)
//   route(mask, gate, capacity)   mask, gate [N, E] -> [index i32[E, cap], weight f32[E, cap]]
//       index[e, c] = the c-th token (in token order) whose mask picks expert e; weight[e, c]
//       = gate[index[e, c], e]. Empty slots: index 0, weight 0 (they add nothing).
//       Overflow: an expert chosen by more than `capacity` tokens keeps the first `capacity`
//       and DROPS the rest (as Switch Transformer / GShard): the dropped (token, expert) pair
//       gets no slot, so that expert contributes nothing to that token (a MoE block's
//       residual / shared path still carries it). Gradients reach `gate` (through the
//       weights); the index and the mask carry none.
//   scatter_add(index, updates, rows) -> f32[rows, ...rest]: out[index[i]] += updates[i]
//       (index i32[...], updates [...index, ...rest]); the inverse of the row gather
//       `gather(x, index)`, and its gradient.
//
// A MoE layer then reads: xe = gather(x, index) (E, cap, d); ye = expert_e(xe) as batched
// matmuls over the expert axis; y = scatter_add(index, weight[..., None] * ye, N).
//
// How route builds the lists without dynamic shapes: rank[n, e] = #{m < n : mask[m, e]}
// (exclusive cumsum); a pair is kept iff mask and rank < cap, and its slot is e*cap + rank;
// kept pairs scatter_add (n + 1) and their gate into E*cap slots (+1 spill row where the
// dropped and unselected pairs land, sliced off). Slots are unique, so each sum has one term.

import type { Node } from '../ir/node.ts';
import { mk } from '../ir/node.ts';
import { num, tensor, type Fn } from '../trace/args.ts';
import { TraceCodes, fmtShape } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { list } from '../trace/values.ts';

/** Inclusive prefix sum of f32 x along `axis`. */
export function cumsum(x: Node, axis = 0): Node {
  const ax = T.normAxis(axis, x.shape.length);
  const n = x.shape[ax];
  let y = T.cast(x, 'f32');
  for (let s = 1; s < n; s *= 2) {
    // y[i] += y[i - s] (zero for i < s): the shift is a slice after s zero rows.
    const zeros = T.constant(
      0,
      x.shape.map((d, i) => (i === ax ? s : d)),
    );
    y = T.add(y, T.concat([zeros, T.sliceAxis(y, ax, 0, n - s)], ax));
  }
  return y;
}

/** out[index[i], ...] += updates[i, ...]: f32[rows, ...rest]. */
export function scatterAdd(index: Node, updates: Node, rows: number): Node {
  const k = index.shape.length;
  if (fmtShape(updates.shape.slice(0, k)) !== fmtShape(index.shape))
    err(
      TraceCodes.shapeMismatch,
      `scatter_add: updates ${fmtShape(updates.shape)} must start with the index's shape ${fmtShape(index.shape)}`,
    );
  const idx = index.dtype === 'i32' ? index : T.cast(index, 'i32');
  return mk(
    'scatter_add',
    [idx, T.cast(updates, 'f32')],
    { rows },
    { shape: [rows, ...updates.shape.slice(k)], dtype: 'f32', span: T.spanNow() },
  );
}

/** Per-expert token lists of a top-k mask with a static capacity (see the header). */
export function route(mask: Node, gate: Node, cap: number): { index: Node; weight: Node } {
  const [N, E] = mask.shape;
  const m = T.cast(mask, 'f32');
  const rank = T.sub(cumsum(m, 0), m); // (N, E): earlier tokens that chose e
  const kept = T.mul(m, T.cast(T.lt(rank, cap), 'f32')); // (N, E): 1 = gets a slot
  const expert = T.cast(T.iota([N, E], 1), 'f32');
  const spill = E * cap;
  const slot = T.where(T.gt(kept, 0), T.add(T.mul(expert, cap), rank), spill); // (N, E)
  const flat = T.reshape(T.cast(slot, 'i32'), [N * E]);
  const take = (v: Node) =>
    T.reshape(T.sliceAxis(scatterAdd(flat, T.reshape(v, [N * E]), spill + 1), 0, 0, spill), [E, cap]);
  const tok1 = take(T.mul(kept, T.add(T.cast(T.iota([N, E], 0), 'f32'), 1))); // token + 1, 0 = empty
  const index = T.cast(T.maximum(T.sub(tok1, 1), 0), 'i32');
  const weight = take(T.mul(T.cast(gate, 'f32'), kept));
  return { index, weight };
}

export const routeBuiltins: Record<string, Fn> = {
  cumsum: (a) => cumsum(tensor(a, 0, 'x'), num(a, 1, 'axis', 0)),
  scatter_add: (a) => {
    const rows = num(a, 2, 'rows');
    if (!Number.isInteger(rows) || rows < 1)
      err(TraceCodes.badArgument, `scatter_add: rows must be a positive integer, got ${rows}`, a.span);
    return scatterAdd(tensor(a, 0, 'index'), tensor(a, 1, 'updates'), rows);
  },
  route: (a) => {
    const mask = tensor(a, 0, 'mask');
    const gate = tensor(a, 1, 'gate');
    const cap = num(a, 2, 'capacity');
    if (mask.shape.length !== 2 || fmtShape(gate.shape) !== fmtShape(mask.shape))
      err(
        TraceCodes.shapeMismatch,
        `route: mask and gate must both be [tokens, experts], got ${fmtShape(mask.shape)} and ${fmtShape(gate.shape)}`,
        a.span,
      );
    if (!Number.isInteger(cap) || cap < 1)
      err(TraceCodes.badArgument, `route: capacity must be a positive integer, got ${cap}`, a.span);
    const r = route(mask, gate, cap);
    return list([r.index, r.weight]);
  },
};
