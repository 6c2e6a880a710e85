// Stable line-per-node printer. Nodes are numbered in topological order (not by global
// id), so the same graph prints the same text in any process: golden tests rely on it.
//
//   %3 = matmul %1 %2 : f32[4,8]            @ examples/mlp.ftl:12:5

import type { Graph } from './graph.ts';
import { roots, toposort } from './graph.ts';
import type { Node } from './node.ts';

export function printGraph(g: Graph, opts: { spans?: boolean } = {}): string {
  const order = toposort([...roots(g), ...g.updates.map((u) => u.target)]);
  const local = new Map<Node, number>(order.map((n, i) => [n, i]));
  const ref = (n: Node) => `%${local.get(n)}`;
  const lines = order.map((n) => printNode(n, ref, opts.spans ?? true));
  for (const [name, n] of Object.entries(g.outputs)) lines.push(`output ${name} = ${ref(n)}`);
  for (const u of g.updates) lines.push(`update ${u.target.arg.name} = ${ref(u.value)}`);
  return lines.join('\n') + '\n';
}

export function printNode(n: Node, ref: (n: Node) => string, spans = true): string {
  const args = n.src.map(ref).join(' ');
  // A custom_vjp marker prints its fn only: its id is process-global (dumps stay stable).
  const shown = n.op === 'custom_vjp' ? { fn: (n.arg as { fn: string }).fn } : n.arg;
  const arg = shown === null ? '' : ' ' + JSON.stringify(shown);
  const head = `${ref(n)} = ${n.op}${args ? ' ' + args : ''}${arg} : ${n.dtype}[${n.shape.join(',')}]`;
  const where = spans && n.span ? `  @ ${n.span.file}:${n.span.line}:${n.span.col}` : '';
  return head + where;
}
