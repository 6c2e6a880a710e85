// Who reads what, for the passes that merge kernels (group.ts, row-groups.ts,
// group-matmul.ts): every materialized computed node's kernel region, the kernels reading
// each buffer, the schedule position of every node, and the one safety rule they share for
// putting several nodes into one kernel.

import type { Node } from '../ir/node.ts';
import { kernelRegion } from './fuse.ts';

/** Ops whose materialized node has a template of its own (not the elementwise one). */
export const NOT_ELEMENTWISE_KERNEL = new Set([
  'param',
  'input',
  'reduce_sum',
  'reduce_max',
  'matmul',
  'scatter_add',
]);

export interface KernelReads {
  readonly pos: ReadonlyMap<Node, number>;
  /** Materialized nodes other than param/input leaves -> what their kernel reads and inlines. */
  readonly region: ReadonlyMap<Node, { inputs: Set<Node>; inlined: Node[] }>;
  /** Buffer -> the kernels (materialized nodes) reading it. */
  readonly readers: ReadonlyMap<Node, readonly Node[]>;
}

export function kernelReads(order: readonly Node[], mat: ReadonlySet<Node>): KernelReads {
  const pos = new Map(order.map((n, i) => [n, i]));
  const region = new Map<Node, { inputs: Set<Node>; inlined: Node[] }>();
  const readers = new Map<Node, Node[]>();
  for (const n of order) {
    if (!mat.has(n) || n.op === 'param' || n.op === 'input') continue;
    const r = kernelRegion(n, mat);
    region.set(n, r);
    for (const s of r.inputs) (readers.get(s) ?? readers.set(s, []).get(s)!).push(n);
  }
  return { pos, region, readers };
}

/**
 * Whether `members` can be written by one kernel running where `last` (the latest of them)
 * ran: no kernel outside them reads a member before `last` (it would see an unwritten
 * buffer), and their outputs plus the buffers they read fit `maxBuffers` bindings.
 */
export function fitsOneKernel(
  members: ReadonlySet<Node>,
  last: Node,
  reads: KernelReads,
  maxBuffers: number,
): boolean {
  const at = reads.pos.get(last)!;
  for (const m of members)
    for (const k of reads.readers.get(m) ?? []) if (!members.has(k) && reads.pos.get(k)! < at) return false;
  const bound = new Set<Node>();
  for (const m of members) for (const i of reads.region.get(m)!.inputs) if (!members.has(i)) bound.add(i);
  return bound.size + members.size <= maxBuffers;
}
