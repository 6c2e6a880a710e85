// Matmul epilogues of multi-output groups: a materialized matmul (shape S, not an output)
// read only by the members of one elementwise group of shape S (group.ts), and only through
// elementwise ops at the same index, is computed by that group's kernel instead: the matmul
// template stores every member from the accumulators (matmul-kernel.ts `also`). For a
// weight's gradient dW = X^T dY feeding its AdamW update (new m, v, W), the gradient is never
// written to memory and the update costs no dispatch of its own.
//
// Runs after grouping, before buffers are assigned: the matmul is un-materialized.

import type { Node } from '../ir/node.ts';
import { mk, numel, sameShape } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import type { Groups } from './group.ts';
import { kernelReads, type KernelReads } from './kernel-reads.ts';

/**
 * `mm` transposed in its last two axes, as a matmul: (A B)^T = B^T A^T. Its value at
 * (.., i, j) is `mm`'s at (.., j, i) (recorded so the epilogue can preset both).
 */
export const transposeOf = new WeakMap<Node, Node>();

const swapPerm = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
const isSwap = (n: Node) =>
  n.op === 'permute' &&
  (n.arg as { perm: readonly number[] }).perm.join() === swapPerm(n.shape.length).join();

/**
 * Group leader -> the matmul its kernel computes; each such matmul removed from `mat`. A
 * gradient the group reads transposed (dW^T of a weight stored [out, in]) is computed as
 * the transposed product, whose accumulators are then also `mm`'s values at swapped indices.
 */
export function groupMatmuls(
  groups: Groups,
  order: readonly Node[],
  mat: Set<Node>,
  roots: ReadonlySet<Node>,
  maxBuffers: number,
  reads: KernelReads = kernelReads(order, mat),
): Map<Node, Node> {
  const { readers, region } = reads;
  const out = new Map<Node, Node>();
  const drop: Node[] = [];
  for (const [leader, others] of groups.others) {
    const members = new Set([...others, leader]);
    if ([...members].some((m) => m.dtype !== 'f32')) continue;
    const regions = [...members].map((m) => region.get(m)!);
    const inputs = new Set(regions.flatMap((r) => [...r.inputs]));
    const inlined = regions.flatMap((r) => r.inlined);
    const S = leader.shape;
    // Uses are elementwise at the member's own index.
    const atIndex = (n: Node) => readAtIndex(n, [...members, ...inlined], S, members);
    for (const mm of inputs) {
      if (mm.op !== 'matmul' || roots.has(mm) || mm.shape.length !== S.length) continue;
      if (!(readers.get(mm) ?? []).every((k) => members.has(k))) continue;
      const users = [...members, ...inlined].filter((u) => u.src.includes(mm));
      let compute: Node;
      if (sameShape(mm.shape, S) && atIndex(mm)) compute = mm;
      else if (users.every((u) => isSwap(u) && sameShape(u.shape, S) && atIndex(u))) {
        const [a, b] = mm.src;
        const perm = swapPerm(S.length);
        compute = mk('matmul', [mk('permute', [b], { perm }), mk('permute', [a], { perm })], null);
        transposeOf.set(compute, mm);
      } else continue;
      const bound = new Set([...inputs, ...region.get(mm)!.inputs]);
      bound.delete(mm);
      for (const m of members) bound.delete(m);
      if (bound.size + members.size > maxBuffers) continue;
      out.set(leader, compute);
      drop.push(mm);
      break;
    }
  }
  for (const mm of drop) mat.delete(mm);
  return out;
}

/**
 * Raw matmuls written by their consumer's kernel: a materialized matmul `mm` read by an
 * elementwise kernel `e` (ungrouped, or a group's leader) at e's own index, e.g. a layer's
 * pre-activation (kept for the backward pass) and its activation. e's kernel becomes the
 * matmul template storing both e (and its group) and `mm` itself, so the activation costs
 * no dispatch. Safe when every other kernel reading `mm` comes after e in the order (mm is
 * now written where e runs). Returns e -> mm; such mm keep their buffer but get no kernel.
 */
export function rawMatmuls(
  groups: Groups | undefined,
  order: readonly Node[],
  mat: ReadonlySet<Node>,
  taken: ReadonlySet<Node>,
  maxBuffers: number,
): Map<Node, Node> {
  // After groupMatmuls took its matmuls out of `mat`: regions as they are now.
  const { pos, readers, region: regionOf } = kernelReads(order, mat);
  const out = new Map<Node, Node>();
  const used = new Set<Node>();
  for (const e of order) {
    if (!mat.has(e) || taken.has(e) || !OpGroup.Elementwise.has(e.op) || e.dtype !== 'f32') continue;
    const leader = groups?.leaderOf.get(e);
    if (leader && leader !== e) continue;
    const members = [...(groups?.others.get(e) ?? []), e];
    if (members.some((m) => m.dtype !== 'f32' || !sameShape(m.shape, e.shape))) continue;
    const regions = members.map((m) => regionOf.get(m)!);
    const inputs = new Set(regions.flatMap((r) => [...r.inputs]));
    const inlined = regions.flatMap((r) => r.inlined);
    // Must not already apply an inlined matmul as its epilogue.
    if (inlined.some((s) => s.op === 'matmul')) continue;
    for (const mm of inputs) {
      // Same element count: C's row-major flat index is the members' (a reshape between
      // them, e.g. [B*T, F] -> [B, T, F], passes it on; matmul-kernel.ts epilogueValue).
      if (mm.op !== 'matmul' || used.has(mm) || mm.dtype !== 'f32' || numel(mm.shape) !== numel(e.shape))
        continue;
      if (!readAtIndex(mm, [...members, ...inlined], e.shape, new Set(members))) continue;
      if ((readers.get(mm) ?? []).some((k) => !members.includes(k) && pos.get(k)! < pos.get(e)!)) continue;
      const bound = new Set([...inputs, ...regionOf.get(mm)!.inputs]);
      bound.delete(mm);
      for (const m of members) bound.delete(m);
      if (bound.size + members.length + 1 > maxBuffers) continue;
      out.set(e, mm);
      used.add(mm);
      break;
    }
  }
  return out;
}

/**
 * Whether `n` is read only at the members' own element: every path from `n` up to a member
 * (through `nodes`, the members and their inlined regions) is elementwise ops of the
 * members' element count or reshapes (both keep the row-major flat index). A pad, slice,
 * permute or broadcast on the way would read `n` at another element, which the kernel
 * computing `n`'s block in registers does not have.
 */
function readAtIndex(
  n: Node,
  nodes: readonly Node[],
  shape: readonly number[],
  members: ReadonlySet<Node>,
): boolean {
  return nodes
    .filter((u) => u.src.includes(n))
    .every(
      (u) =>
        ((OpGroup.Elementwise.has(u.op) && numel(u.shape) === numel(shape)) || u.op === 'reshape') &&
        (members.has(u) || readAtIndex(u, nodes, shape, members)),
    );
}
