// The one rewrite engine: rule tables indexed by op, applied bottom-up to a fixpoint.
//
// A rule looks at one node (whose sources are already rewritten) and returns a
// replacement of the same shape and dtype, or undefined. Users are rebuilt through `mk`,
// so hash-consing holds after a rewrite: equal subgraphs stay one object. A replacement
// is itself normalised (its new sources first, then rules on it) before any user sees it.
// Rule sets must terminate; a budget of rewrites per node turns a looping set into an
// IRError naming the rule instead of a hang.

import type { Graph } from './graph.ts';
import { toposort } from './graph.ts';
import { IRError, mk, sameShape, type Node } from './node.ts';
import type { Op } from './ops.ts';

/** A local rewrite: a replacement for `n`, or undefined when it does not apply. */
export type Rule = (n: Node) => Node | undefined;
/** Rules by the op of the node they match; tried in order. */
export type RuleTable = Partial<Record<Op, readonly Rule[]>>;

/** `n` with new sources (same op, arg, shape, dtype, span), via `mk`. */
export function withSources(n: Node, src: readonly Node[]): Node {
  if (src.every((s, i) => s === n.src[i])) return n;
  return mk(n.op, src, n.arg, { shape: n.shape, dtype: n.dtype, span: n.span });
}

/** Rewrite every node reachable from `roots`; returns old node -> rewritten node. */
export function rewriteNodes(roots: readonly Node[], rules: RuleTable): Map<Node, Node> {
  const done = new Map<Node, Node>();
  const order = toposort(roots);
  let fuel = 64 * (order.length + 16);

  // Apply rules to `n` (sources already final) until none fires.
  const settle = (n: Node): Node => {
    for (;;) {
      const known = done.get(n);
      if (known) return known;
      let next: Node | undefined;
      let fired: Rule | undefined;
      for (const rule of rules[n.op] ?? []) {
        next = rule(n);
        if (next !== undefined && next !== n) {
          fired = rule;
          break;
        }
      }
      if (!fired || !next) {
        done.set(n, n);
        return n;
      }
      if (!sameShape(next.shape, n.shape) || next.dtype !== n.dtype)
        throw new IRError(
          `rewrite rule ${fired.name || '(anonymous)'} changed ${n.op} ${n.dtype}[${n.shape}] to ${next.op} ${next.dtype}[${next.shape}]`,
        );
      if (--fuel < 0)
        throw new IRError(`rewrite did not reach a fixpoint (last rule: ${fired.name || '(anonymous)'})`);
      const from = n;
      n = normalise(next);
      done.set(from, n);
    }
  };
  // A replacement may contain nodes no rule has seen yet: normalise them bottom-up.
  const normalise = (n: Node): Node => {
    const known = done.get(n);
    if (known) return known;
    return settle(withSources(n, n.src.map(normalise)));
  };

  for (const n of order) {
    if (done.has(n)) continue;
    const r = settle(
      withSources(
        n,
        n.src.map((s) => done.get(s)!),
      ),
    );
    done.set(n, r);
  }
  return done;
}

/** Rewrite a graph's outputs and update values (update targets are leaves and stay). */
export function rewrite(g: Graph, rules: RuleTable): Graph {
  const roots = [...Object.values(g.outputs), ...g.updates.map((u) => u.value)];
  const m = rewriteNodes(roots, rules);
  const outputs: Record<string, Node> = {};
  for (const [name, n] of Object.entries(g.outputs)) outputs[name] = m.get(n)!;
  return { outputs, updates: g.updates.map((u) => ({ target: u.target, value: m.get(u.value)! })) };
}
