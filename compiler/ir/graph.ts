// A graph is what a phase hands to the next: named outputs (loss, metrics) and, for the
// training IR, the new values of persistent tensors (parameters and optimizer state).
// Executors read every `param` leaf, compute all outputs and updates from the old
// values, then write the updates: one step has no read-after-write hazards in its meaning.

import type { Node } from './node.ts';

export interface Update {
  /** A `param` leaf (role 'param' or 'state'). */
  readonly target: Node<'param'>;
  readonly value: Node;
}

export interface Graph {
  readonly outputs: Readonly<Record<string, Node>>;
  readonly updates: readonly Update[];
}

/** Roots of a graph in a fixed order: outputs by name order of insertion, then updates. */
export function roots(g: Graph): Node[] {
  return [...Object.values(g.outputs), ...g.updates.map((u) => u.value)];
}

/** Every node reachable from `rootNodes`, sources before users, deterministic order. */
export function toposort(rootNodes: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  // Iterative DFS: models with thousands of nodes would overflow a recursive walk.
  for (const root of rootNodes) {
    if (seen.has(root)) continue;
    const stack: [Node, number][] = [[root, 0]];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.src.length) {
        top[1]++;
        const s = node.src[i];
        if (!seen.has(s)) {
          seen.add(s);
          stack.push([s, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order;
}

/** The leaves of a graph of one op kind, in topological order. */
export function leavesOf<O extends 'param' | 'input'>(g: Graph, op: O): Node<O>[] {
  const targets = g.updates.map((u) => u.target);
  return toposort([...roots(g), ...targets]).filter((n): n is Node<O> => n.op === op);
}

/** How many graph nodes use each node (for fusion and memory planning). */
export function useCounts(order: readonly Node[]): Map<Node, number> {
  const uses = new Map<Node, number>();
  for (const n of order) for (const s of n.src) uses.set(s, (uses.get(s) ?? 0) + 1);
  return uses;
}
