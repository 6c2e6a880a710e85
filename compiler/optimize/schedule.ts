// Update reordering (PockEngine; torchtune's optimizer-in-backward): schedule each
// parameter's update right after its gradient is complete, and write it in place, so the
// gradient and the new value never outlive the moment they are produced.
//
// The meaning of a step stays "all updates see the old values" (graph.ts). An update may be
// written in place, into its target's buffer, only once every other reader of the target's
// old value has run. So before emitting an update's value we emit the target's remaining
// readers (e.g. the input-gradient matmul dX = dY @ W that the next layer's backward needs).
//
// Greedy list scheduling: after the outputs (the forward and the loss), repeatedly complete
// the pending update whose value needs the fewest not-yet-emitted nodes. Backward proceeds
// from the loss, so this picks the last layer's update first, then that parameter's
// optimizer state, then the layer below, and so on.
//
// Then save early (save-early.ts): a small cheap value of a big activation that only late
// kernels read is moved to right after the activation, so fusion materializes it there and
// the activation's buffer dies after its early readers.

import { chooseMaterialized } from '../codegen/fuse.ts';
import { roots, toposort, type Graph, type Update } from '../ir/graph.ts';
import type { Node } from '../ir/node.ts';
import { tensorBytes } from '../plan/bytes.ts';
import { findSaveEarly, SAVE_EARLY } from './save-early.ts';

export interface Schedule {
  /** Every non-leaf node, in execution order (a topological order). */
  readonly order: readonly Node[];
  /** Updates whose value is written straight into the target buffer at its place in `order`. */
  readonly inPlace: ReadonlySet<Update>;
}

/** Outputs first, then every update's cone; all updates copied in at the end of the step. */
export function scheduleNaive(g: Graph): Schedule {
  const order = toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]);
  return { order: order.filter((n) => !isLeaf(n)), inPlace: new Set() };
}

export function scheduleEarlyUpdates(g: Graph, opts: { saveEarly?: boolean } = {}): Schedule {
  const all = toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]);
  const readers = new Map<Node, Node[]>();
  for (const n of all)
    for (const s of n.src) if (s.op === 'param') (readers.get(s) ?? readers.set(s, []).get(s)!).push(n);

  const emitted = new Set<Node>();
  const order: Node[] = [];
  const emit = (root: Node) => {
    for (const n of toposort([root])) {
      if (emitted.has(n)) continue;
      emitted.add(n);
      if (!isLeaf(n)) order.push(n);
    }
  };
  for (const out of Object.values(g.outputs)) emit(out);

  const inPlace = new Set<Update>();
  const pending = new Set(g.updates);
  const cones = new Map<Update, Node[]>(g.updates.map((u) => [u, toposort([u.value])]));
  while (pending.size) {
    let best: Update | undefined;
    let bestCost = Infinity;
    for (const u of pending) {
      const cost = cones.get(u)!.reduce((c, n) => c + (emitted.has(n) || isLeaf(n) ? 0 : 1), 0);
      if (cost < bestCost) [best, bestCost] = [u, cost];
    }
    const u = best!;
    pending.delete(u);
    const cone = new Set(cones.get(u)!);
    // Other readers of the target's old value must run before it is overwritten.
    const others = (readers.get(u.target) ?? []).filter((r) => !cone.has(r) && r !== u.value);
    const blocked = others.some((r) => toposort([r]).includes(u.value));
    if (!blocked) for (const r of others) emit(r);
    emit(u.value);
    if (!blocked && !isLeaf(u.value) && !emittedAfter(order, u.value, others)) inPlace.add(u);
  }
  // Hoisting only moves nodes earlier, so every reader of a target that ran before its
  // in-place update still does.
  return { order: opts.saveEarly === false ? order : hoistSavedEarly(g, order), inPlace };
}

/**
 * `order` with each saved-early node (and the inlined nodes it is computed from) moved to
 * right after its source. Sort key: a moved node takes its source's position + 1/2 (the
 * earliest, if several), others keep theirs; ties keep the old order. Keys grow along every
 * edge (a moved node's other inputs precede its source), so the result is topological.
 */
function hoistSavedEarly(g: Graph, order: readonly Node[]): Node[] {
  if (!SAVE_EARLY.enabled) return [...order];
  const rootNodes = roots(g);
  const leaves = toposort(rootNodes).filter(isLeaf);
  // Fusion's decisions before saving (the binding limit left out: it only adds buffers).
  const mat = chooseMaterialized([...leaves, ...order], rootNodes, {
    maxStorageBuffers: Infinity,
    fuse: true,
    saveEarly: false,
  });
  const pos = new Map(order.map((n, i) => [n, i]));
  // The loss's cone (the forward); other outputs (a gradient norm) may read the backward.
  const loss = g.outputs.loss ?? Object.values(g.outputs)[0];
  const forwardEnd = loss ? Math.max(-1, ...toposort([loss]).map((n) => pos.get(n) ?? -1)) : -1;
  const found = findSaveEarly(order, (n) => mat.has(n), new Set(rootNodes), { kind: 'hoisted', forwardEnd });
  if (!found.length) return [...order];
  const key = new Map(pos);
  for (const { source, saved } of found) {
    const to = pos.get(source)! + 0.5;
    for (const n of toposort(saved as Node[]))
      if ((pos.get(n) ?? -1) > pos.get(source)! && to < key.get(n)!) key.set(n, to);
  }
  return [...order].sort((a, b) => key.get(a)! - key.get(b)! || pos.get(a)! - pos.get(b)!);
}

const isLeaf = (n: Node) => n.src.length === 0 || n.op === 'param' || n.op === 'input';

function emittedAfter(order: readonly Node[], value: Node, readers: readonly Node[]): boolean {
  const at = order.indexOf(value);
  return readers.some((r) => order.indexOf(r) > at);
}

/**
 * Bytes of temporaries alive at the worst moment of a schedule: a node's output lives from its
 * position to its last reader; an update's value lives to the end of the step unless it is
 * written in place (then it *is* the target's buffer). Parameters and inputs are not counted.
 */
export function peakTemporaryBytes(g: Graph, s: Schedule): number {
  const pos = new Map(s.order.map((n, i) => [n, i]));
  const end = new Map<Node, number>();
  for (const n of s.order)
    for (const src of n.src) if (pos.has(src)) end.set(src, Math.max(end.get(src) ?? 0, pos.get(n)!));
  const last = s.order.length;
  for (const o of Object.values(g.outputs)) end.set(o, last);
  for (const u of g.updates) if (!s.inPlace.has(u)) end.set(u.value, last);
  const inPlaceValues = new Set([...s.inPlace].map((u) => u.value));
  const delta = new Array<number>(last + 2).fill(0);
  for (const n of s.order) {
    if (inPlaceValues.has(n)) continue;
    const bytes = tensorBytes(n.dtype, n.shape);
    delta[pos.get(n)!] += bytes;
    delta[(end.get(n) ?? pos.get(n)!) + 1] -= bytes;
  }
  let live = 0;
  let peak = 0;
  for (const d of delta) peak = Math.max(peak, (live += d));
  return peak;
}
