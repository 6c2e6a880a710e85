// Removing `custom_vjp` markers (ops.ts) once autodiff has read them.
//
//   stripCustomVjp(graph) -> the same graph with every marker replaced by its value (src[0])
//
// The training build calls it after `grad`, so passes, the planner, codegen and the
// executors never see a marker (the verifier rejects one). A graph without markers is
// returned as is.

import { toposort, type Graph } from '../ir/graph.ts';
import { rewrite } from '../ir/rewrite.ts';

export function stripCustomVjp(g: Graph): Graph {
  const roots = [...Object.values(g.outputs), ...g.updates.map((u) => u.value)];
  if (!toposort(roots).some((n) => n.op === 'custom_vjp')) return g;
  return rewrite(g, { custom_vjp: [(n) => n.src[0]] });
}
