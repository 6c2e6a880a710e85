// Row fusion: reductions over the same rows and the elementwise nodes that read them back
// over those rows, written by one kernel with one invocation per row (row-kernel.ts).
//
//   layernorm forward:  mean = sum(x); var = sum((x - mean)^2); y = (x - mean) * rstd * g + b
//   layernorm backward: s1 = sum(dxhat); t = f(dxhat, xhat, s1); s2 = sum(t); dx = h(t, s2, ...)
//   softmax (+ its backward, + cross-entropy's log-sum-exp): max, sum(exp), exp / sum
//
// A group has a row input shape X and reduction axes A (every reduction in it reduces X-shaped
// values over A; every elementwise member has shape X). The kernel makes a few passes over
// its row: a reduction's pass can also write the elementwise members that only need earlier
// passes. Four kernels of a layernorm backward become one.
//
// Greedy, in topological order. A materialized node M joins the groups whose members its
// kernel reads when:
// - M is a reduce_sum/reduce_max over A of an X-shaped value, or an elementwise-kernel node
//   of shape X (no matmul epilogue, not in a multi-output group: callers exclude those);
// - every reduction member M reads is read only at M's own row (through an `expand` back to
//   X, possibly after elementwise ops at the row shape), so its value is the one the kernel
//   already holds for the row; elementwise members may be read anywhere (they are read back
//   from the row's own output, or recomputed);
// - no kernel outside the group that reads a member runs before M (the group's kernel runs
//   where its last member ran);
// - the merged kernel's buffers (every member's output plus the inputs they read) fit the
//   device's storage buffers per stage.
// A reduction that joins nothing starts a group of its own. Only for the serial reduction
// template (CPU adapters): on a GPU one invocation per row leaves most lanes idle.

import type { Node } from '../ir/node.ts';
import { sameShape } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import { fitsOneKernel, kernelReads, NOT_ELEMENTWISE_KERNEL, type KernelReads } from './kernel-reads.ts';

const REDUCE = new Set(['reduce_sum', 'reduce_max']);

export const isRowReduction = (n: Node): boolean => REDUCE.has(n.op);

interface Group {
  members: Node[];
  axes: readonly number[];
  xShape: readonly number[];
}

/** Leader (the last member, where the kernel runs) -> all members in topological order. */
export function rowGroups(
  order: readonly Node[],
  mat: ReadonlySet<Node>,
  maxStorageBuffers: number,
  /** Nodes another fusion already writes (multi-output groups, matmul templates). */
  exclude: ReadonlySet<Node>,
  reads: KernelReads = kernelReads(order, mat),
): Map<Node, Node[]> {
  const { pos, region } = reads;
  const groupOf = new Map<Node, Group>();

  for (const m of order) {
    if (!region.has(m) || exclude.has(m)) continue;
    const reduction = REDUCE.has(m.op) && m.dtype !== 'bool' && m.src[0].dtype !== 'bool';
    const elementwise = !NOT_ELEMENTWISE_KERNEL.has(m.op);
    if (!reduction && !elementwise) continue;
    const axes = reduction ? (m.arg as { axes: readonly number[] }).axes : undefined;
    const xShape = reduction ? m.src[0].shape : m.shape;
    const { inputs, inlined } = region.get(m)!;
    const compatible = (g: Group) =>
      sameShape(g.xShape, xShape) &&
      (!axes || sameShape(g.axes, axes)) &&
      rowReadsOnly(m, g, inputs, inlined);
    const cands = [
      ...new Set([...inputs].map((s) => groupOf.get(s)).filter((g): g is Group => !!g && compatible(g))),
    ];
    const tries = cands.length > 1 ? [cands, ...cands.map((g) => [g])] : cands.map((g) => [g]);
    let joined: Group | undefined;
    for (const gs of tries) {
      const members = new Set([...gs.flatMap((g) => g.members), m]);
      if (!fitsOneKernel(members, m, reads, maxStorageBuffers)) continue;
      joined = {
        members: [...members].sort((a, b) => pos.get(a)! - pos.get(b)!),
        axes: gs[0].axes,
        xShape,
      };
      break;
    }
    if (!joined && reduction) joined = { members: [m], axes: axes!, xShape };
    if (joined) for (const x of joined.members) groupOf.set(x, joined);
  }

  const out = new Map<Node, Node[]>();
  for (const g of new Set(groupOf.values()))
    if (g.members.length > 1) out.set(g.members[g.members.length - 1], g.members);
  return out;
}

/** Whether every reduction member of `g` that `m` reads is read only at m's own row. */
function rowReadsOnly(m: Node, g: Group, inputs: ReadonlySet<Node>, inlined: readonly Node[]): boolean {
  for (const p of g.members) {
    if (!inputs.has(p) || !REDUCE.has(p.op)) continue;
    if (m.src[0] === p) return false; // a reduction of a reduction: another row space
    if (!rowUsesOnly(p, inlined, g.xShape)) return false;
  }
  return true;
}

/**
 * Whether every use of `p` among `inlined` (a kernel's inlined nodes) is an `expand` to
 * `xShape` or an elementwise op of p's shape whose uses are such in turn: then p is only
 * ever needed at the kernel's own row.
 */
function rowUsesOnly(p: Node, inlined: readonly Node[], xShape: readonly number[]): boolean {
  const users = inlined.filter((s) => s.src.includes(p));
  return users.every(
    (u) =>
      (u.op === 'expand' && sameShape(u.shape, xShape)) ||
      (OpGroup.Elementwise.has(u.op) && sameShape(u.shape, p.shape) && rowUsesOnly(u, inlined, xShape)),
  );
}
