// Fusion as a materialization decision: which IR nodes get a buffer (and a kernel that
// writes it); every other node is recomputed inline, at its consumer's index, by the
// consumer's kernel. Rules, in order:
// - param/input leaves live in buffers; graph roots (outputs, update values) are written;
// - reduce/matmul/scatter_add always get a kernel of their own (their input chains fuse in);
// - movement ops, const and iota are always inlined (index arithmetic, literals);
// - elementwise ops, gather and rand are inlined when they have one effective consumer,
//   where consuming through an inlined movement op counts that op's consumers and a
//   broadcasting `expand` counts as many (it would recompute the value per copy); or when
//   they are cheap to recompute (inlined cost <= FUSE_TUNING.recomputeCost: a dispatch costs
//   more); the bar is higher (rowRecomputeCost) for a node feeding a reduction/matmul or a
//   broadcast: a softmax numerator then inlines into its sum and its division, so the sum
//   can absorb the max (row-kernel.ts), and row statistics are recomputed per element;
// - a value with several consumers whose inlined region reads more than
//   FUSE_TUNING.sharedReads buffers (a residual stream summed from every block's output) is
//   materialized: written once, often from a matmul's accumulators (the epilogue rule);
// - operands of matmul and scatter_add are read many times per output, so a computed
//   operand (not a buffer seen through reshape/permute/expand/slice) is materialized;
// - finally no kernel may read more buffers than the device's storage buffers per stage
//   minus one (the output): the inlined sub-chain with most inputs is materialized until
//   it fits;
// - matmul epilogue: a matmul whose single consumer chain is elementwise (and reshapes), up to a
//   materialized elementwise node of the same shape, is not materialized: that node's kernel
//   is the matmul template with the chain applied to the accumulators before the store
//   (`epilogueMatmul` finds it).
// - save early (optimize/save-early.ts): a small cheap view or elementwise value of a big
//   buffer, read only by late kernels, that the order places right after the buffer (the
//   scheduler hoisted it) is materialized there, so the big buffer dies after its early
//   readers.
// `fuse: false` materializes every non-leaf node: one kernel per op (for tests and the
// unoptimized baseline).

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import { findSaveEarly } from '../optimize/save-early.ts';

const KERNEL_OPS = new Set(['reduce_sum', 'reduce_max', 'matmul', 'scatter_add']);
const ALWAYS_INLINE = new Set(['reshape', 'permute', 'expand', 'slice', 'pad', 'concat', 'const', 'iota']);
const CHEAP_VIEW = new Set(['reshape', 'permute', 'expand', 'slice']);
const PRICEY = new Set(['exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'pow', 'div', 'recip']);
/**
 * Max inlined cost (1 per op, 4 per transcendental/division, 6 per gather/rand) recomputed
 * per consumer. Mutable only so benchmarks can A/B it in one process (scratch scripts).
 */
export const FUSE_TUNING = { recomputeCost: 10, rowRecomputeCost: 24, sharedReads: 6 };

export interface FuseOptions {
  maxStorageBuffers: number;
  fuse: boolean;
  /** Apply the save-early rule (default true). */
  saveEarly?: boolean;
}

export function chooseMaterialized(
  order: readonly Node[],
  roots: readonly Node[],
  opts: FuseOptions,
): Set<Node> {
  return materialize(order, roots, opts).mat;
}

/**
 * chooseMaterialized, plus the buffers the save-early rule added or relies on (saved
 * values, run right after their source): the kernel packer should place their kernels as
 * early as it places update kernels, or it moves them next to their late readers.
 */
export function materialize(
  order: readonly Node[],
  roots: readonly Node[],
  opts: FuseOptions,
): { mat: Set<Node>; savedEarly: Set<Node> } {
  const savedEarly = new Set<Node>();
  const mat = new Set<Node>();
  for (const n of order) if (n.op === 'param' || n.op === 'input') mat.add(n);
  for (const r of roots) mat.add(r);
  if (!opts.fuse) {
    for (const n of order) mat.add(n);
    return { mat, savedEarly };
  }
  const users = new Map<Node, Set<Node>>();
  for (const n of order) for (const s of n.src) (users.get(s) ?? users.set(s, new Set()).get(s)!).add(n);
  const rootSet = new Set(roots);

  // Effective consumers, in reverse topological order so users are known first.
  const eff = new Map<Node, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let c = rootSet.has(n) ? 1 : 0;
    for (const u of users.get(n) ?? []) {
      if (!ALWAYS_INLINE.has(u.op) || rootSet.has(u)) c += 1;
      else if (u.op === 'expand' && numel(u.shape) > numel(n.shape)) c += 2;
      else c += eff.get(u) ?? 1;
    }
    eff.set(n, c);
  }
  // Nodes reaching a reduction/matmul/scatter or a broadcast through elementwise ops only.
  const feedsKernel = new Set<Node>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    for (const u of users.get(n) ?? [])
      if (KERNEL_OPS.has(u.op) || u.op === 'expand' || (OpGroup.Elementwise.has(u.op) && feedsKernel.has(u)))
        feedsKernel.add(n);
  }
  // Inlined cost of each node's region (shared sub-regions counted per path: an upper bound).
  const cost = new Map<Node, number>();
  // Buffers each node's inlined region reads (for the shared-reads rule below).
  const reads = new Map<Node, Set<Node>>();
  for (const n of order) {
    if (KERNEL_OPS.has(n.op)) mat.add(n);
    const own = PRICEY.has(n.op)
      ? 4
      : n.op === 'gather' || n.op === 'rand'
        ? 6
        : OpGroup.Elementwise.has(n.op)
          ? 1
          : 0;
    const c = own + n.src.reduce((a, s) => a + (mat.has(s) ? 0 : (cost.get(s) ?? 0)), 0);
    const computed = OpGroup.Elementwise.has(n.op) || n.op === 'gather' || n.op === 'rand';
    // Feeding a reduction or a broadcast, inlining also lets the consumer's kernel absorb
    // more (row-kernel.ts; a row statistic read back over its row): a higher bar.
    const limit = feedsKernel.has(n) ? FUSE_TUNING.rowRecomputeCost : FUSE_TUNING.recomputeCost;
    if (computed && (eff.get(n) ?? 0) > 1 && c > limit) mat.add(n);
    // A value with several consumers whose region reads many buffers (a residual stream
    // summed from every block's output) is written once: each consumer would re-read all of
    // them and spend its binding budget on them (row kernels then cannot take a whole
    // layernorm). Written from a matmul's accumulators (epilogue below) it costs no kernel.
    // 6 measured best (tiny GPT, LoRA, GPT d384, the chunked loss): 4 also wrote small
    // concats of the chunked loss and raised its planned bytes by 1 MiB.
    const r = new Set<Node>();
    for (const s of n.src) for (const x of mat.has(s) ? [s] : (reads.get(s) ?? [])) r.add(x);
    if (computed && (eff.get(n) ?? 0) > 1 && r.size > FUSE_TUNING.sharedReads) mat.add(n);
    reads.set(n, r);
    cost.set(n, mat.has(n) ? 0 : c);
  }
  // Operands read many times per output element.
  for (const n of order) {
    if (n.op !== 'matmul' && n.op !== 'scatter_add') continue;
    for (let s of n.src) {
      while (!mat.has(s) && CHEAP_VIEW.has(s.op)) s = s.src[0];
      if (!mat.has(s) && s.op !== 'const' && s.op !== 'iota') mat.add(s);
    }
  }
  // Matmul epilogues: un-materialize a matmul whose only consumer chain ends in a kernel
  // that can apply it to the accumulators.
  const hasEpilogue = new Set<Node>();
  for (const n of order) {
    if (n.op !== 'matmul' || rootSet.has(n)) continue;
    let u = n;
    while ((users.get(u)?.size ?? 0) === 1) {
      const next = [...users.get(u)!][0];
      // A reshape keeps the row-major flat index, so C's store position is still right.
      const step = OpGroup.Elementwise.has(next.op) || (next.op === 'reshape' && !rootSet.has(next));
      if (!step || next.src.filter((s) => s === u).length !== 1) break;
      u = next;
      if (mat.has(u)) break;
    }
    if (u !== n && mat.has(u) && OpGroup.Elementwise.has(u.op) && !hasEpilogue.has(u)) {
      mat.delete(n);
      hasEpilogue.add(u);
    }
  }
  if (opts.saveEarly !== false)
    for (const s of findSaveEarly(order, (n) => mat.has(n), rootSet, { kind: 'current' }))
      for (const n of s.saved) {
        mat.add(n);
        savedEarly.add(n);
      }
  // Fitting the binding limit (or saving a value early) may materialize a node inside a
  // matmul's epilogue chain; that matmul then gets its kernel back (which may in turn need
  // the limit fitted again).
  for (let more = true; more;) {
    fitBindingLimit(order, mat, opts.maxStorageBuffers - 1);
    more = keepEpiloguesWhole(order, mat, users);
  }
  return { mat, savedEarly };
}

/**
 * Materialize every inlined matmul that no kernel can compute: one inside the region of a
 * kernel that is not an elementwise epilogue kernel, or a second one in an epilogue kernel's
 * region. Only the kernels whose region holds an inlined matmul are looked at (found by
 * walking up from each inlined matmul to the buffers that read it). Returns whether anything
 * changed.
 */
function keepEpiloguesWhole(
  order: readonly Node[],
  mat: Set<Node>,
  users: ReadonlyMap<Node, Set<Node>>,
): boolean {
  const kernels = new Set<Node>();
  for (const mm of order) {
    if (mm.op !== 'matmul' || mat.has(mm)) continue;
    const stack = [...(users.get(mm) ?? [])];
    const seen = new Set<Node>();
    while (stack.length) {
      const u = stack.pop()!;
      if (seen.has(u)) continue;
      seen.add(u);
      if (mat.has(u)) kernels.add(u);
      else stack.push(...(users.get(u) ?? []));
    }
  }
  let changed = false;
  for (const n of kernels) {
    const mms = kernelRegion(n, mat).inlined.filter((s) => s.op === 'matmul');
    const keep = OpGroup.Elementwise.has(n.op) ? mms.slice(1) : mms;
    for (const m of keep) {
      mat.add(m);
      changed = true;
    }
  }
  return changed;
}

/** The inlined matmul a materialized elementwise node applies as its epilogue, if any. */
export function epilogueMatmul(n: Node, mat: ReadonlySet<Node>): Node | undefined {
  if (!OpGroup.Elementwise.has(n.op)) return undefined;
  return kernelRegion(n, mat).inlined.find((s) => s.op === 'matmul');
}

/** The buffers a kernel writing `n` reads, and the inlined nodes it computes. */
export function kernelRegion(
  n: Node,
  mat: Pick<ReadonlySet<Node>, 'has'>,
): { inputs: Set<Node>; inlined: Node[] } {
  const inputs = new Set<Node>();
  const inlined: Node[] = [];
  const seen = new Set<Node>();
  const stack = [...n.src];
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    if (mat.has(s)) inputs.add(s);
    else {
      inlined.push(s);
      stack.push(...s.src);
    }
  }
  return { inputs, inlined };
}

function fitBindingLimit(order: readonly Node[], mat: Set<Node>, maxInputs: number): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of order) {
      if (!mat.has(n) || n.op === 'param' || n.op === 'input') continue;
      const { inputs, inlined } = kernelRegion(n, mat);
      if (inputs.size <= maxInputs) continue;
      let best: Node | undefined;
      let bestCount = 1;
      for (const c of inlined) {
        const k = kernelRegion(c, mat).inputs.size;
        if (k > bestCount && k < inputs.size) [best, bestCount] = [c, k];
      }
      if (!best)
        throw new Error(
          `node %${n.id} (${n.op}) reads ${inputs.size} buffers directly; the device allows ${maxInputs}`,
        );
      mat.add(best);
      changed = true;
    }
  }
}
