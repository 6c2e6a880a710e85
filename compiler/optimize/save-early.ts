// Save early: keep a small derived value instead of the big activation it comes from.
//
// Fusion recomputes cheap views and elementwise chains inline, in their readers' kernels.
// When a backward kernel reads only a SMALL cheap function N of a BIG buffer S (S2FT's
// weight gradient reads the selected channels `slice(h)`; MobileTL's backward a 1-bit
// sign mask `x > 0`), that inlining keeps all of S alive from the forward to the backward.
// The rule: N is materialized and scheduled right after S is computed, so S's buffer dies
// after its early readers and only N's bytes live until the backward.
//
// For a materialized temp S (not a leaf, output or update value) with readers (kernels
// whose inlined region reads S), in schedule order:
//   (a) a reader "reads S through a cut" when every inlined path from it to S passes
//       through a saveable node N: N's whole inlined region is cheap (elementwise or
//       movement ops, constants), N is not a root, tensorBytes(N) <= tensorBytes(S) / 2,
//       and every other buffer N reads is a leaf or computed before S (so N can run
//       right after S). A reader that is itself such a node is its own cut. Among cuts
//       the one with fewer bytes wins; on a tie the node nearer the reader (less is
//       recomputed late);
//   (b) the late readers are the cut readers after P, the last reader that reads S
//       directly (or S itself when there is none); P must be in the forward (at most the
//       last node of the loss's cone) and S must now live into the backward: a value the
//       backward reads whole anyway (a layernorm's x-hat) is not worth a second copy;
//   (c) the saved nodes of all late readers together take <= half of S's bytes, S's
//       lifetime shrinks by at least SAVE_EARLY.minGap kernels, and the peak of live temp
//       bytes (each buffer from its kernel to its last reader) drops: a kernel is added
//       only where it lowers the peak. Sources are taken biggest first, each judged on
//       the profile the ones before it left.
// All byte counts are plan/bytes.ts `tensorBytes` (a packed bool mask is then small).
//
// The rule runs twice with one function: the scheduler (schedule.ts), which knows where the
// forward ends, asks where the saved nodes *could* run (right after S) and hoists them
// there; fusion (fuse.ts) asks, on that order, where they *do* run and materializes only
// nodes placed right after S (no kernel between) whose saving still lowers the peak, so an
// order that was not hoisted never gains a useless kernel. fuse.ts `materialize` returns
// the saved nodes, so the kernel packer (plan/pack.ts) can run them as early as update
// kernels instead of at their latest level, next to the late readers.

import type { Node } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import { tensorBytes } from '../plan/bytes.ts';

/** Mutable only so tests and scratch benchmarks can A/B the rule in one process. */
export const SAVE_EARLY = { enabled: true, minGap: 2 };

export interface SavedEarly {
  /** The big buffer that now dies after its early readers. */
  readonly source: Node;
  /** Small cheap values of it the late readers read instead (some may already be buffers). */
  readonly saved: readonly Node[];
}

/**
 * current: a saved node runs where `order` places it (fusion's view of a final order), and
 *   must be placed right after its source (the scheduler hoisted it);
 * hoisted: it would run right after its source (the scheduler's view, before moving it);
 *   `forwardEnd`: the position of the loss's last node in `order`.
 */
export type Placement = { kind: 'current' } | { kind: 'hoisted'; forwardEnd: number };

const bytesOf = (n: Node) => tensorBytes(n.dtype, n.shape);
const isLeaf = (n: Node) => n.src.length === 0 || n.op === 'param' || n.op === 'input';
const cheapOp = (n: Node) =>
  OpGroup.Elementwise.has(n.op) || OpGroup.Movement.has(n.op) || n.op === 'const' || n.op === 'iota';

export function findSaveEarly(
  order: readonly Node[],
  isBuffer: (n: Node) => boolean,
  roots: ReadonlySet<Node>,
  placement: Placement,
): SavedEarly[] {
  if (!SAVE_EARLY.enabled) return [];
  const pos = new Map(order.map((n, i) => [n, i]));
  const at = (n: Node) => pos.get(n) ?? -1; // leaves may be absent from a schedule
  // Kernels up to and including each position: lifetimes are compared in kernels run.
  const kernelsUpTo: number[] = [];
  order.forEach((n, i) => (kernelsUpTo[i] = (kernelsUpTo[i - 1] ?? 0) + (isBuffer(n) && !isLeaf(n) ? 1 : 0)));
  const kernelsAt = (p: number) => (p < 0 ? 0 : kernelsUpTo[p]);

  // Buffers each node's inlined region reads (a buffer's: itself), and whether the region
  // is cheap; in topological order, so no deep recursion.
  const inputs = new Map<Node, ReadonlySet<Node>>();
  const cheap = new Map<Node, boolean>();
  const regionInputs = (n: Node): Set<Node> => {
    const s = new Set<Node>();
    for (const x of n.src) for (const i of inputs.get(x) ?? [x]) s.add(i);
    return s;
  };
  for (const n of order) {
    const buf = isBuffer(n) || isLeaf(n);
    inputs.set(n, buf ? new Set([n]) : regionInputs(n));
    cheap.set(n, cheapOp(n) && n.src.every((s) => isBuffer(s) || isLeaf(s) || cheap.get(s) === true));
  }

  const saveable = (x: Node, S: Node) =>
    !roots.has(x) &&
    !isLeaf(x) &&
    cheap.get(x) === true &&
    2 * bytesOf(x) <= bytesOf(S) &&
    [...regionInputs(x)].every((i) => i === S || isLeaf(i) || at(i) < at(S));

  // Readers of each buffer; each buffer's last read (kernel index).
  const readers = new Map<Node, Node[]>();
  const lastRead = new Map<Node, number>();
  for (const k of order) {
    if (!isBuffer(k) || isLeaf(k)) continue;
    for (const s of regionInputs(k)) {
      lastRead.set(s, kernelsAt(at(k)));
      if (!isLeaf(s) && !roots.has(s) && pos.has(s)) (readers.get(s) ?? readers.set(s, []).get(s)!).push(k);
    }
  }
  // Live temp bytes after each kernel: a buffer lives from its kernel to its last reader,
  // a root to the end of the step.
  const last = kernelsAt(order.length - 1);
  const live = new Array<number>(last + 2).fill(0);
  for (const n of order) {
    if (!isBuffer(n) || isLeaf(n)) continue;
    const from = kernelsAt(at(n));
    const to = roots.has(n) ? last : Math.max(from, lastRead.get(n) ?? from);
    live[from] += bytesOf(n);
    live[to + 1] -= bytesOf(n);
  }
  for (let k = 1; k < live.length; k++) live[k] += live[k - 1];
  let peak = Math.max(...live);

  const out: SavedEarly[] = [];
  // Biggest sources first: each accepted one lowers the profile the next is judged on.
  for (const [S, rs] of [...readers].sort(([a], [b]) => bytesOf(b) - bytesOf(a))) {
    const cutOf = rs.map(cutsOf(S, isBuffer, inputs, saveable));
    const oldEnd = Math.max(...rs.map(at));
    let P = at(S);
    rs.forEach((k, i) => cutOf[i] === null && (P = Math.max(P, at(k))));
    // Each saved node, with the last late reader that reads it.
    const saved = new Map<Node, number>();
    rs.forEach((k, i) => {
      if (at(k) > P) for (const x of cutOf[i]!) saved.set(x, Math.max(saved.get(x) ?? 0, kernelsAt(at(k))));
    });
    if (!saved.size) continue;
    if (placement.kind === 'hoisted' && (P > placement.forwardEnd || oldEnd <= placement.forwardEnd))
      continue;
    const current = placement.kind === 'current';
    if (current && [...saved.keys()].some((x) => !isBuffer(x) && kernelsAt(at(x)) !== kernelsAt(at(S))))
      continue;
    let total = 0;
    let newEnd = P;
    const runsAt = (x: Node) => kernelsAt(current ? at(x) : at(S));
    for (const x of saved.keys()) {
      total += bytesOf(x);
      newEnd = Math.max(newEnd, current ? at(x) : at(S));
    }
    const [kNew, kOld] = [kernelsAt(newEnd), kernelsAt(oldEnd)];
    if (2 * total > bytesOf(S) || kOld - kNew < SAVE_EARLY.minGap) continue;
    // The profile with S dying at kNew and each saved node living from where it runs to
    // its last reader (one already a buffer: only the stretch it moves up by).
    const delta = new Array<number>(live.length).fill(0);
    const add = (bytes: number, from: number, to: number) => {
      for (let k = from; k <= to; k++) delta[k] += bytes;
    };
    add(-bytesOf(S), kNew + 1, kOld);
    for (const [x, lastUse] of saved)
      if (!isBuffer(x)) add(bytesOf(x), runsAt(x), lastUse);
      else add(bytesOf(x), runsAt(x), kernelsAt(at(x)) - 1);
    const after = live.map((b, k) => b + delta[k]);
    const newPeak = Math.max(...after);
    if (newPeak >= peak) continue; // a kernel more only where the peak drops
    after.forEach((b, k) => (live[k] = b));
    peak = newPeak;
    out.push({ source: S, saved: [...saved.keys()].sort((a, b) => at(a) - at(b)) });
  }
  return out;
}

/**
 * For one source S: the cut of a node (the saveable nodes every inlined path from it to S
 * passes through), null when some path reaches S uncut. Called on a reader (a buffer: its
 * sources are walked, and it may be its own cut). Memoized; explicit stack.
 */
function cutsOf(
  S: Node,
  isBuffer: (n: Node) => boolean,
  inputs: ReadonlyMap<Node, ReadonlySet<Node>>,
  saveable: (x: Node, S: Node) => boolean,
): (reader: Node) => ReadonlySet<Node> | null {
  const memo = new Map<Node, ReadonlySet<Node> | null>();
  const none: ReadonlySet<Node> = new Set();
  const bytes = (s: ReadonlySet<Node>) => [...s].reduce((a, x) => a + bytesOf(x), 0);
  const combine = (n: Node): ReadonlySet<Node> | null => {
    const u = new Set<Node>();
    for (const s of n.src) {
      const c = s === S ? null : memo.has(s) ? memo.get(s)! : none;
      if (c === null) return null;
      c.forEach((x) => u.add(x));
    }
    return u;
  };
  const choose = (n: Node): ReadonlySet<Node> | null => {
    const below = combine(n);
    if (!saveable(n, S)) return below;
    return below === null || bytesOf(n) <= bytes(below) ? new Set([n]) : below;
  };
  // Inlined nodes between a reader and S: not buffers, and their region reads S.
  const between = (n: Node) => n !== S && !isBuffer(n) && (inputs.get(n)?.has(S) ?? false);
  return (reader) => {
    const stack: [Node, number][] = [];
    const push = (n: Node) => between(n) && !memo.has(n) && stack.push([n, 0]);
    for (const s of reader.src) push(s);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      if (memo.has(n)) stack.pop();
      else if (i < n.src.length) {
        top[1]++;
        push(n.src[i]);
      } else {
        stack.pop();
        memo.set(n, choose(n));
      }
    }
    return choose(reader);
  };
}
