// Reduce-prologue fusion: a reduction P whose result a later reduction R over the same rows
// reads (broadcast back over those rows) is computed by R's kernel, in a first pass over
// the row, and written from there; P gets no kernel of its own. One dispatch fewer per
// pair, the same work (P's pass moves, it is not repeated):
//
//   layernorm: mean = sum(x) [.., 1];   var = sum((x - expand(mean))^2) [.., 1]
//   softmax:   m = max(x) [.., 1];      s = sum(exp(x - expand(m))) [.., 1]
//
// Conditions (so R's serial template, one invocation per output row, can preset P's value
// at its own output index, see reduce-kernel.ts):
// - P and R are materialized reduce_sum/reduce_max over the same axes of same-shape inputs
//   (so P's and R's outputs index the same rows);
// - inside R's inlined region, P is used only through `expand` back to R's input shape,
//   possibly after elementwise ops at P's own shape (mean = sum / n, then expand);
// - R's input region and P's together stay within the storage-binding limit (two outputs);
// - every other kernel reading P's buffer comes after R in the order (it now waits for R's
//   kernel; this also rules out R reading P through another materialized node);
// - no chains: a node is in at most one pair, as P or as R.
// Only for the serial reduction template (CPU adapters): a workgroup-tree R would have every
// invocation of a workgroup repeat P's pass.

import type { Node } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import { kernelRegion } from './fuse.ts';

const REDUCE = new Set(['reduce_sum', 'reduce_max']);

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** R -> the P its kernel also computes and writes. */
export function pairReductions(
  order: readonly Node[],
  mat: ReadonlySet<Node>,
  maxStorageBuffers: number,
): Map<Node, Node> {
  const pairs = new Map<Node, Node>();
  const used = new Set<Node>();
  // Position of each node, and the kernels reading each buffer.
  const pos = new Map<Node, number>(order.map((n, i) => [n, i]));
  const readers = new Map<Node, Node[]>();
  for (const n of order) {
    if (!mat.has(n) || n.src.length === 0) continue;
    for (const s of kernelRegion(n, mat).inputs) (readers.get(s) ?? readers.set(s, []).get(s)!).push(n);
  }
  for (const r of order) {
    if (!mat.has(r) || !REDUCE.has(r.op) || used.has(r)) continue;
    const axes = (r.arg as { axes: readonly number[] }).axes;
    const xShape = r.src[0].shape;
    const { inputs, inlined } = kernelRegion(r, mat);
    for (const p of inputs) {
      if (!REDUCE.has(p.op) || used.has(p) || p === r) continue;
      if (!sameList((p.arg as { axes: readonly number[] }).axes, axes)) continue;
      if (!sameList(p.shape, r.shape) || !sameList(p.src[0].shape, xShape)) continue;
      if (r.src[0] === p) continue;
      if (!rowUsesOnly(p, inlined, xShape)) continue;
      if ((readers.get(p) ?? []).some((n) => n !== r && pos.get(n)! < pos.get(r)!)) continue;
      const reads = new Set([...inputs, ...kernelRegion(p, mat).inputs]);
      reads.delete(p);
      if (reads.size + 2 > maxStorageBuffers) continue;
      pairs.set(r, p);
      used.add(r).add(p);
      break;
    }
  }
  return pairs;
}

/**
 * Whether every use of `p` among `inlined` (a kernel's inlined nodes) is an `expand` to
 * `xShape` or an elementwise op of p's shape whose uses are such in turn: then p is only
 * ever needed at the kernel's own output row.
 */
function rowUsesOnly(p: Node, inlined: readonly Node[], xShape: readonly number[]): boolean {
  const users = inlined.filter((s) => s.src.includes(p));
  return users.every(
    (u) =>
      (u.op === 'expand' && sameList(u.shape, xShape)) ||
      (OpGroup.Elementwise.has(u.op) && sameList(u.shape, p.shape) && rowUsesOnly(u, inlined, xShape)),
  );
}
