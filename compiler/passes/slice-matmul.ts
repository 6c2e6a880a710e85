// Slices pushed into matmuls: a matmul whose every reader slices its output computes only
// the sliced rows and columns.
//
//   slice(permute(x, perm))      -> permute(slice(x, bounds moved to x's axes), perm)
//   slice(matmul(a, b))          -> matmul(slice(a, batch + M bounds), slice(b, batch + N bounds))
//   slice(x) over all of x       -> x
//
// Autodiff of a weight that is a concat of a trained piece and frozen pieces (S2FT's
// selected columns, `unfreeze w cols(0 .. k)`) gives the piece's gradient as a slice of the
// whole weight's gradient: slice(permute(h^T @ dY)). Pushed in, the matmul computes only the
// k selected channels, and reads h only through slice(h), which save-early
// (compiler/optimize/save-early.ts) can keep instead of all of h.
//
// The matmul rule fires only when every reader of the matmul (in the graph being rewritten)
// is a slice, so no full product stays beside the narrowed ones; a slice through a permute
// is a view either way. Each output element is the same dot product over K in the same
// order, so values are unchanged. Repeated to a fixpoint (a rewrite exposes the next).

import type { Graph } from '../ir/graph.ts';
import { roots, toposort } from '../ir/graph.ts';
import { mk, sameShape, type Node } from '../ir/node.ts';
import type { ArgOf } from '../ir/ops.ts';
import { rewrite } from '../ir/rewrite.ts';

export function narrowSlicedMatmuls(g: Graph): Graph {
  for (let round = 0; round < 16; round++) {
    const users = new Map<Node, Node[]>();
    for (const n of toposort(roots(g)))
      for (const s of n.src) (users.get(s) ?? users.set(s, []).get(s)!).push(n);
    // A matmul rebuilt in this round (new sources) is not in `users`: left for the next round.
    const onlySliced = (m: Node) => users.get(m)?.every((u) => u.op === 'slice') ?? false;
    const next = rewrite(g, {
      slice: [fullSlice, (n) => throughPermute(n), (n) => intoMatmul(n, onlySliced)],
    });
    if (sameGraph(next, g)) return g;
    g = next;
  }
  return g;
}

const sliceOf = (x: Node, starts: readonly number[], ends: readonly number[], like: Node): Node =>
  starts.every((s, i) => s === 0 && ends[i] === x.shape[i])
    ? x
    : mk(
        'slice',
        [x],
        { starts, ends },
        { shape: starts.map((s, i) => ends[i] - s), dtype: x.dtype, span: like.span },
      );

/** slice(x) covering all of x -> x. */
function fullSlice(n: Node): Node | undefined {
  return sameShape(n.shape, n.src[0].shape) ? n.src[0] : undefined;
}

/** slice(permute(x)) -> permute(slice(x)): output axis i of the permute is x's axis perm[i]. */
function throughPermute(n: Node): Node | undefined {
  const p = n.src[0];
  if (p.op !== 'permute') return undefined;
  const { perm } = p.arg as ArgOf<'permute'>;
  const { starts, ends } = n.arg as ArgOf<'slice'>;
  const [s, e] = [new Array<number>(perm.length), new Array<number>(perm.length)];
  perm.forEach((axis, i) => ([s[axis], e[axis]] = [starts[i], ends[i]]));
  const x = sliceOf(p.src[0], s, e, n);
  return mk('permute', [x], { perm }, { shape: n.shape, dtype: n.dtype, span: p.span });
}

/** slice(matmul(a, b)) -> matmul(slice(a), slice(b)) when only slices read the matmul. */
function intoMatmul(n: Node, onlySliced: (m: Node) => boolean): Node | undefined {
  const m = n.src[0];
  if (m.op !== 'matmul' || !onlySliced(m)) return undefined;
  const [a, b] = m.src;
  const { starts, ends } = n.arg as ArgOf<'slice'>;
  const r = m.shape.length;
  // a [...batch, M, K]: batch and M bounds, all of K; b [...batch, K, N]: batch, all of K, N.
  const aS = [...starts.slice(0, r - 1), 0];
  const aE = [...ends.slice(0, r - 1), a.shape[r - 1]];
  const bS = [...starts.slice(0, r - 2), 0, starts[r - 1]];
  const bE = [...ends.slice(0, r - 2), b.shape[r - 2], ends[r - 1]];
  return mk('matmul', [sliceOf(a, aS, aE, n), sliceOf(b, bS, bE, n)], null, {
    shape: n.shape,
    dtype: n.dtype,
    span: m.span,
  });
}

function sameGraph(a: Graph, b: Graph): boolean {
  return (
    Object.entries(a.outputs).every(([k, v]) => b.outputs[k] === v) &&
    a.updates.every((u, i) => b.updates[i].value === u.value)
  );
}
