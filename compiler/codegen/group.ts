// Multi-output kernels: materialized elementwise nodes of one shape merged into a single
// kernel that writes all of them, one invocation per element. The whole optimizer update
// of a parameter (new m, new v, new weight) becomes one dispatch, and a member another
// member reads is computed once in registers instead of being written then read back.
//
// Merging R into a group G (R later than every member in topological order) is safe when
//   - R and G's members are elementwise-kernel nodes of the same shape (no reduce/matmul/
//     scatter/epilogue kernels),
//   - no kernel outside G ∪ {R} that reads a member of G runs before R in the order (the
//     merged kernel runs where R ran, so such a reader would see an unwritten buffer; and
//     one running after R cannot be an input of R),
//   - the merged kernel's buffers fit the device's storage buffers per stage.
// Greedy, in topological order; R joins the groups of the members it reads (all of them
// when the union is safe, else the first that is).

import type { Node } from '../ir/node.ts';
import { sameShape } from '../ir/node.ts';
import { fitsOneKernel, kernelReads, NOT_ELEMENTWISE_KERNEL, type KernelReads } from './kernel-reads.ts';

/** Leader (last member, where the kernel runs) -> the other members in order; members -> their leader. */
export interface Groups {
  readonly others: ReadonlyMap<Node, readonly Node[]>;
  readonly leaderOf: ReadonlyMap<Node, Node>;
}

export function groupElementwise(
  order: readonly Node[],
  mat: ReadonlySet<Node>,
  maxBuffers: number,
  /** Nodes another kernel already writes (row kernels, row-groups.ts). */
  exclude: ReadonlySet<Node> = new Set(),
  reads: KernelReads = kernelReads(order, mat),
): Groups {
  const { pos, region } = reads;
  const eligible = (n: Node) =>
    region.has(n) &&
    !exclude.has(n) &&
    !NOT_ELEMENTWISE_KERNEL.has(n.op) &&
    !region.get(n)!.inlined.some((s) => s.op === 'matmul');
  const groupOf = new Map<Node, Node[]>(); // member -> its group's member list (shared array)
  for (const r of order) {
    if (!eligible(r)) continue;
    // The groups of same-shape members R reads: join all of them if possible, else the first that fits.
    const cands = [
      ...new Set(
        [...region.get(r)!.inputs]
          .map((p) => groupOf.get(p))
          .filter((g): g is Node[] => !!g && sameShape(g[0].shape, r.shape)),
      ),
    ];
    const tries = cands.length > 1 ? [cands, ...cands.map((g) => [g])] : cands.map((g) => [g]);
    let joined: Node[] = [r];
    for (const gs of tries) {
      const members = new Set([...gs.flat(), r]);
      if (!fitsOneKernel(members, r, reads, maxBuffers)) continue;
      joined = [...members].sort((a, b) => pos.get(a)! - pos.get(b)!);
      break;
    }
    for (const m of joined) groupOf.set(m, joined);
  }
  const others = new Map<Node, Node[]>();
  const leaderOf = new Map<Node, Node>();
  for (const g of new Set(groupOf.values())) {
    if (g.length < 2) continue;
    const leader = g[g.length - 1];
    others.set(leader, g.slice(0, -1));
    for (const m of g) leaderOf.set(m, leader);
  }
  return { others, leaderOf };
}
