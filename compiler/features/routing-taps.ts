// Builtins for routers and hidden-state taps (methods wave 1b: MixLoRA, MHR, UniPT,
// Transformer Copilot, Locret read intermediate values of the forward pass).
//
//   topk_mask(x, k, axis: -1) -> f32 mask of x's shape, 1 where x is among the k largest
//       along `axis` (ties: the lower index wins, so every row has exactly k ones).
//       Built from comparisons only: rank_i = #{j : x_j > x_i or (x_j == x_i and j < i)},
//       mask = rank < k. O(n^2) per row, meant for router widths (a few experts). The mask
//       carries no gradient (a selection), gates multiply it with softmax probabilities.
//   tap(name, x) -> x       records x under `name` in this compilation's trace, in trace order
//   taps(name) -> [tensor]  every tensor recorded under `name` so far in this trace
//
// A tap is how a loss or a later module reads an intermediate activation (a router's
// probabilities, a block's output) without the model returning it: a `wrap` calls
// `tap("moe.probs", p)`, the loss calls `taps("moe.probs")` after running the model. The
// store belongs to one trace context (one compilation session); a loss that runs the model
// twice sees both calls' taps in order, so methods take `last(taps(name), n)`.

import type { Node } from '../ir/node.ts';
import type { TraceContext } from '../trace/builtins.ts';
import { need, num, tensor, type Fn } from '../trace/args.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { list, typeName } from '../trace/values.ts';

const stores = new WeakMap<TraceContext, Map<string, Node[]>>();

function storeOf(ctx: TraceContext): Map<string, Node[]> {
  let s = stores.get(ctx);
  if (!s) stores.set(ctx, (s = new Map()));
  return s;
}

/** 1 where x is among the k largest along `axis` (see the header). */
export function topkMask(x: Node, k: number, axis = -1): Node {
  const rank = x.shape.length;
  const ax = T.normAxis(axis, rank);
  // Move the axis last: xl (..., n).
  const perm = [...Array(rank).keys()].filter((i) => i !== ax).concat([ax]);
  const inv = perm.map((_, i) => perm.indexOf(i));
  const xl = ax === rank - 1 ? x : T.permute(x, perm);
  const n = xl.shape[rank - 1];
  const pair = [...xl.shape, n]; // (..., i, j)
  const xi = T.broadcastTo(T.reshape(xl, [...xl.shape, 1]), pair);
  const xj = T.broadcastTo(T.reshape(xl, [...xl.shape.slice(0, -1), 1, n]), pair);
  const ii = T.iota(pair, rank - 1);
  const jj = T.iota(pair, rank);
  const before = T.where(T.gt(xj, xi), 1, T.where(T.eq(xj, xi), T.where(T.lt(jj, ii), 1, 0), 0));
  const r = T.sum(before, rank); // (..., n): how many entries outrank entry i
  const m = T.where(T.lt(r, k), 1, 0);
  return ax === rank - 1 ? m : T.permute(m, inv);
}

export const routingTapBuiltins: Record<string, Fn> = {
  topk_mask: (a) => {
    const x = tensor(a, 0, 'x');
    const k = num(a, 1, 'k');
    const axis = num(a, 2, 'axis', -1);
    const n = x.shape[T.normAxis(axis, x.shape.length)];
    if (!Number.isInteger(k) || k < 1 || k > n)
      err(TraceCodes.badArgument, `topk_mask: k must be an integer in 1..${n}, got ${k}`, a.span);
    return topkMask(x, k, axis);
  },
  tap: (a, ctx) => {
    const name = need(a, 0, 'name');
    if (typeof name !== 'string')
      return err(TraceCodes.badArgument, `tap: the name must be a string, got ${typeName(name)}`, a.span);
    const x = tensor(a, 1, 'x');
    const s = storeOf(ctx);
    s.set(name, [...(s.get(name) ?? []), x]);
    return x;
  },
  taps: (a, ctx) => {
    const name = need(a, 0, 'name');
    if (typeof name !== 'string')
      return err(TraceCodes.badArgument, `taps: the name must be a string, got ${typeName(name)}`, a.span);
    return list(storeOf(ctx).get(name) ?? []);
  },
};
