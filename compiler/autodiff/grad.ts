// Reverse-mode autodiff: one reverse walk over the nodes that lie on a path from `loss`
// to some tensor in `wrt`.
//
// A node "needs a gradient" when it is in `wrt`, or it is f32 and some source that needs
// one receives a gradient through its rule (vjp.ts). Only those nodes get a gradient and
// only their pullbacks toward needing sources are built. So frozen parameters (not in
// `wrt`) get no weight gradient, and nothing below the lowest trainable tensor is
// differentiated: sparse backward is not a special case.
//
// The seed is 1 over loss's shape (a non-scalar loss means the sum of its elements).
// Multiple uses accumulate with `add` in topological order (deterministic). A `wrt`
// tensor the loss does not depend on gets a zero constant of its shape.

import { toposort } from '../ir/graph.ts';
import { IRError, type Node } from '../ir/node.ts';
import { builder } from './build.ts';
import { vjpRules, type Pullback } from './vjp.ts';

export function grad(loss: Node, wrt: readonly Node[]): Map<Node, Node> {
  for (const w of wrt)
    if (w.dtype !== 'f32')
      throw new IRError(`grad: cannot differentiate with respect to ${w.dtype} node ${w.op}#${w.id}`);
  if (loss.dtype !== 'f32') throw new IRError(`grad: loss must be f32, got ${loss.dtype}`);
  const order = toposort([loss]);
  const targets = new Set(wrt);

  // Forward sweep: which nodes need a gradient, and their pullbacks.
  const needs = new Set<Node>();
  const pullbacks = new Map<Node, readonly (Pullback | null)[]>();
  for (const n of order) {
    const rule = vjpRules[n.op];
    if (rule && n.dtype === 'f32' && n.src.some((s) => needs.has(s))) {
      const pbs = rule(n, builder(n.span));
      if (pbs.some((pb, i) => pb && needs.has(n.src[i]))) {
        needs.add(n);
        pullbacks.set(n, pbs);
      }
    }
    if (targets.has(n)) needs.add(n);
  }

  // Reverse sweep: sum each node's incoming contributions, then pull back to its sources.
  const result = new Map<Node, Node>();
  const parts = new Map<Node, Node[]>();
  if (needs.has(loss)) parts.set(loss, [builder(loss.span).full(1, loss.shape)]);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    const incoming = parts.get(n);
    if (!incoming) continue;
    parts.delete(n);
    const b = builder(n.span);
    const g = incoming.reduce((acc, x) => b.add(acc, x));
    if (targets.has(n)) result.set(n, g);
    const pbs = pullbacks.get(n);
    if (!pbs) continue;
    n.src.forEach((s, i) => {
      const pb = pbs[i];
      if (pb && needs.has(s)) {
        const list = parts.get(s) ?? [];
        list.push(pb(g));
        parts.set(s, list);
      }
    });
  }
  for (const w of wrt) if (!result.has(w)) result.set(w, builder(w.span).full(0, w.shape));
  return result;
}
