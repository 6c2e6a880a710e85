// Scheduling for horizontal fusion. Kernels form a DAG (a kernel depends on the kernels
// whose outputs it reads). Each kernel may run at any level between its ASAP level (after
// its producers as placed) and its ALAP level (before its consumers, on a schedule as deep
// as the critical path). In topological order each kernel joins, from its ALAP level down,
// the first open group (same workgroup size, within the device's storage-buffer and
// workgroup-memory limits); otherwise it opens a group at its ALAP level. Kernels of one
// level never read each other's outputs, so each group is one merged dispatch, and
// running levels in order respects every dependency.
// Kernels writing 1 MiB or more are barriers: they keep their schedule position unmerged
// and only the runs of kernels between them are level-packed (LARGE_OUTPUT_BYTES below).

import type { BuiltKernel, CodegenOptions } from '../codegen/builder.ts';
import { mergeKernels, mergedBindingCount, workgroupBytes } from '../codegen/merge.ts';
import type { Node } from '../ir/node.ts';
import type { PlanLimits } from './lower.ts';

/** At most this many kernels per merged dispatch (bounds shader size and compile time). */
const MAX_MEMBERS = 8;
/** Levels searched below a kernel's ALAP level for a group to join. */
const SEARCH_LEVELS = 64;
/**
 * Levels an update kernel may wait past its ASAP level to share a dispatch: its gradient
 * lives that much longer, in exchange for fewer dispatches.
 */
const EARLY_SLACK = 2;
/** WebGPU's guaranteed maxComputeWorkgroupStorageSize. */
const WORKGROUP_BYTES = 16384;

/**
 * A kernel writing at least this many bytes is never moved or merged: it stays at its place
 * in the schedule and the kernels between two such kernels are packed among themselves.
 * Merging saves dispatch overhead, which only small kernels notice; moving a large kernel
 * to a shared level would make independent large temporaries (e.g. the per-chunk logits of
 * a chunked loss) live at the same time, and the schedule's memory order would be lost.
 */
const LARGE_OUTPUT_BYTES = 1 << 20;

const outputBytes = (k: BuiltKernel) =>
  k.spec.bindings.reduce(
    (a, b, j) => a + (b.access === 'read_write' ? k.nodes[j].shape.reduce((x, y) => x * y, 1) * 4 : 0),
    0,
  );

/** A register-blocked matmul template (its kernel-name suffix, matmul-kernel.ts / matmul-vec4.ts). */
const isMatmulTemplate = (k: BuiltKernel) => /_(vec4(nn|nt|tn)\.|reg4x4|tiled16)/.test(k.spec.name);

/**
 * Whether two kernels may share a dispatch. On llvmpipe a register-blocked matmul merged
 * with a many-workgroup elementwise or reduction kernel made that dispatch several times
 * slower than the two run apart (tiny GPT: softmax division + value projection 55 ms vs
 * ~6 ms), so matmul templates share dispatches only with each other and with small kernels.
 */
const compatible = (a: BuiltKernel, b: BuiltKernel) =>
  isMatmulTemplate(a) === isMatmulTemplate(b) || (isMatmulTemplate(a) ? b : a).groups <= SMALL_PARTNER_GROUPS;
/** A kernel of at most this many workgroups may still share a matmul's dispatch. */
const SMALL_PARTNER_GROUPS = 64;

export function packMerges(
  built: readonly BuiltKernel[],
  limits: PlanLimits,
  opts: CodegenOptions,
  /** Kernels to place as early as possible (update kernels, so gradients die at once). */
  early?: (k: BuiltKernel) => boolean,
  /**
   * Kernels that must not share a dispatch binding one temp under two types (f32 and vec4):
   * planArena gives such a temp a buffer of its own for the whole step, which would undo
   * what these kernels are for (save-early values, compiler/optimize/save-early.ts).
   */
  noAlias?: (k: BuiltKernel) => boolean,
): BuiltKernel[] {
  const out: BuiltKernel[] = [];
  let run: BuiltKernel[] = [];
  for (const k of built) {
    if (outputBytes(k) < LARGE_OUTPUT_BYTES) {
      run.push(k);
      continue;
    }
    out.push(...packRun(run, limits, opts, early, noAlias), k);
    run = [];
  }
  return [...out, ...packRun(run, limits, opts, early, noAlias)];
}

/** Level-pack one run of kernels (in schedule order; dependencies on earlier runs are met). */
function packRun(
  built: readonly BuiltKernel[],
  limits: PlanLimits,
  opts: CodegenOptions,
  early?: (k: BuiltKernel) => boolean,
  noAlias?: (k: BuiltKernel) => boolean,
): BuiltKernel[] {
  // Dependencies: producers[i] = kernels whose outputs kernel i reads.
  const writer = new Map<Node, number>();
  const producers: number[][] = built.map((k, i) => {
    const ps = new Set<number>();
    k.spec.bindings.forEach((b, j) => {
      const w = b.access === 'read' ? writer.get(k.nodes[j]) : undefined;
      if (w !== undefined) ps.add(w);
    });
    k.spec.bindings.forEach((b, j) => b.access === 'read_write' && writer.set(k.nodes[j], i));
    return [...ps];
  });
  const asap: number[] = [];
  producers.forEach((ps, i) => (asap[i] = ps.reduce((l, p) => Math.max(l, asap[p] + 1), 0)));
  const depth = Math.max(0, ...asap);
  // Early kernels pin their level (and so their producers') to the ASAP one.
  const alap = built.map((k, i) => (early?.(k) ? asap[i] : depth));
  for (let i = built.length - 1; i >= 0; i--)
    for (const p of producers[i]) alap[p] = Math.min(alap[p], alap[i] - 1);

  const groups = new Map<number, BuiltKernel[][]>(); // level -> open groups
  const placed: number[] = [];
  const fits = (g: BuiltKernel[], k: BuiltKernel) => {
    const next = [...g, k];
    return (
      g[0].spec.workgroupSize.join() === k.spec.workgroupSize.join() &&
      g.every((x) => compatible(x, k)) &&
      next.length <= MAX_MEMBERS &&
      mergedBindingCount(next) <= limits.maxStorageBuffersPerShaderStage &&
      !(next.some((x) => noAlias?.(x)) && bindsTwice(next)) &&
      next.reduce((a, x) => a + workgroupBytes(x), 0) <= WORKGROUP_BYTES
    );
  };
  const place = (k: BuiltKernel, i: number) => {
    const lo = producers[i].reduce((l, p) => Math.max(l, placed[p] + 1), 0);
    if (early?.(k)) {
      // An update kernel joins the first open group within EARLY_SLACK levels of its ASAP
      // level (every other kernel is placed by now), else opens one at its ASAP level.
      for (let level = lo; level <= lo + EARLY_SLACK; level++) {
        const g = groups.get(level)?.find((x) => fits(x, k));
        if (g) {
          g.push(k);
          placed[i] = level;
          return;
        }
      }
      (groups.get(lo) ?? groups.set(lo, []).get(lo)!).push([k]);
      placed[i] = lo;
      return;
    }
    const hi = Math.max(lo, alap[i]);
    // Search a bounded window of levels: compile time stays linear in deep graphs.
    for (let level = hi; level >= Math.max(lo, hi - SEARCH_LEVELS); level--) {
      const g = groups.get(level)?.find((x) => fits(x, k));
      if (g) {
        g.push(k);
        placed[i] = level;
        return;
      }
    }
    (groups.get(hi) ?? groups.set(hi, []).get(hi)!).push([k]);
    placed[i] = hi;
  };
  // Update kernels (and anything reading their outputs) are placed last, so the groups they
  // may join within their slack exist by then.
  const deferred: boolean[] = [];
  built.forEach((k, i) => (deferred[i] = !!early?.(k) || producers[i].some((p) => deferred[p])));
  built.forEach((k, i) => !deferred[i] && place(k, i));
  built.forEach((k, i) => deferred[i] && place(k, i));
  return [...groups.keys()]
    .sort((a, b) => a - b)
    .flatMap((l) => groups.get(l)!.map((g) => mergeKernels(g, opts)));
}

/** Some node bound under two binding types by the members (one kernel each way). */
function bindsTwice(ks: readonly BuiltKernel[]): boolean {
  const type = new Map<Node, string>();
  for (const k of ks)
    for (const [i, b] of k.spec.bindings.entries()) {
      const seen = type.get(k.nodes[i]);
      if (seen !== undefined && seen !== `${b.type}`) return true;
      type.set(k.nodes[i], `${b.type}`);
    }
  return false;
}
