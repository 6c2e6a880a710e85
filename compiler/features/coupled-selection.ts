// Selection builtins that span several parameters at once, evaluated on the host while a
// method runs (see selection.ts for the weights they read):
//   global_mask(ps, count:, by:)   one top-`count` ranking over every entry of the listed
//       parameters together, by "delta" |W_now - W_init| (needs withWeights), "magnitude"
//       |W| or "gradient" accumulated |g|; returns a list of flat-index lists, one per
//       parameter (LT-SFT's global K: some tensors get many entries, some none)
//   co_permute(indices, [[p, axis], ...])  move channels `indices` (in that order) to the
//       front of the given axis of every listed parameter, the rest after in their original
//       order, by rewriting the initial values; coupled weights permuted together leave the
//       function unchanged (S2FT: fc rows + bias with proj columns; q/k/v rows + biases of
//       whole heads with o's columns)

import type * as A from '../../grammar/ast.ts';
import type { ModelTree, ParamSpec } from '../elaborate/tree.ts';
import { arg, num } from '../trace/args.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import { list, type Args, type Scope, type Value } from '../trace/values.ts';
import { topK } from './host-linalg.ts';
import {
  currentValue,
  items,
  paramsOf,
  selectionGradient,
  selectionWeights,
  weightValue,
} from './selection.ts';

/** Per-entry scores of `global_mask`: |delta|, |W| or accumulated |gradient|. */
function entryScores(p: ParamSpec, by: string, span: A.Span): ArrayLike<number> {
  if (by === 'magnitude') return currentValue(p, span).map(Math.abs);
  if (by === 'gradient') {
    const g = selectionGradient(p.name);
    if (!g)
      err(
        TraceCodes.unsupported,
        `no gradient statistics for \`${p.name}\``,
        span,
        'build with withWeights(weights, f, gradientStats(...))',
      );
    return g!;
  }
  if (by !== 'delta') err(TraceCodes.badArgument, '`by` is "delta", "magnitude" or "gradient"', span);
  const w1 = selectionWeights()?.get(p.name);
  if (!w1)
    err(
      TraceCodes.unsupported,
      `no trained weights for \`${p.name}\``,
      span,
      'build this stage with withWeights(values of the previous stage)',
    );
  const w0 = weightValue(p, span);
  return w1!.map((v, i) => Math.abs(v - w0[i]));
}

export function defineCoupledBuiltins(scope: Scope, tree: ModelTree): void {
  const def = (name: string, call: (a: Args) => Value) => scope.define(name, { kind: 'builtin', name, call });
  def('global_mask', (a) => {
    // One ranking over the concatenated entries of all listed parameters (LT-SFT's global
    // K): ties go to the earlier parameter in the list, then the lower flat index.
    const ps = items(arg(a, 0, 'params'), 'params', a.span).flatMap((v) => paramsOf(tree, v, a.span));
    const by = arg(a, 99, 'by') ?? 'delta';
    if (typeof by !== 'string') return err(TraceCodes.badArgument, '`by` must be a string', a.span);
    if (ps.length === 0) return list([]);
    const scores = ps.map((p) => entryScores(p, by, a.span));
    const offsets = scores.map((_, i) => scores.slice(0, i).reduce((n, x) => n + x.length, 0));
    const all = new Float64Array(offsets.at(-1)! + scores.at(-1)!.length);
    scores.forEach((x, i) => all.set(x, offsets[i]));
    const k = num(a, 99, 'count');
    if (!Number.isInteger(k) || k < 0 || k > all.length)
      err(TraceCodes.badArgument, `\`count\` must be an integer in 0 .. ${all.length}`, a.span);
    const out: number[][] = ps.map(() => []);
    let t = 0;
    for (const i of topK(all, k)) {
      while (i >= offsets[t] + scores[t].length) t++; // topK returns ascending indices
      out[t].push(i - offsets[t]);
    }
    return list(out.map((x) => list(x)));
  });
  def('co_permute', (a) => {
    // Move channels `indices` (in the given order) to the front of the named axis of every
    // [param, axis] pair, the rest after in their original order, by rewriting the
    // parameters' initial values. Coupled weights permuted together leave the function
    // unchanged (S2FT: fc rows, fc bias and proj columns of the same FFN channels).
    const idx = items(arg(a, 0, 'indices'), 'indices', a.span) as number[];
    for (const pair of items(arg(a, 1, 'targets'), 'targets', a.span)) {
      const [pv, axis] = items(pair, 'targets item', a.span) as [Value, number];
      for (const p of paramsOf(tree, pv, a.span)) {
        const n = p.shape[axis];
        if (n === undefined || idx.some((i) => i < 0 || i >= n))
          err(
            TraceCodes.badArgument,
            `co_permute: \`${p.name}\` axis ${axis} has no channel ${Math.max(...idx)}`,
            a.span,
          );
        const order = [...idx, ...[...Array(n).keys()].filter((i) => !idx.includes(i))];
        const v = currentValue(p, a.span);
        const inner = p.shape.slice(axis + 1).reduce((x, y) => x * y, 1);
        const outer = p.shape.slice(0, axis).reduce((x, y) => x * y, 1);
        const out = new Float32Array(v.length);
        for (let o = 0; o < outer; o++)
          order.forEach((src, dst) =>
            out.set(v.subarray((o * n + src) * inner, (o * n + src + 1) * inner), (o * n + dst) * inner),
          );
        p.init = { kind: 'data', data: out, source: `co_permute(${p.name})` };
      }
    }
    return list([]);
  });
}
