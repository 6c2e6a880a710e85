// The compile report: what a recipe will cost before it runs. Per phase: nodes; per part of
// the step (forward / backward / update): FLOPs; bytes of parameters (trainable and frozen),
// gradients, optimizer state, activations and the peak; what was pruned and why; and the
// kernel list with the source line each came from.
//
// Forward = the cone of the graph's outputs (the loss). Update = the optimizer's elementwise
// math: nodes reached from an update's value through elementwise ops of the target's shape,
// plus everything that reads optimizer state. Backward = the rest of the updates' cones.

import { relative } from 'node:path';
import { toposort, type Graph } from '../ir/graph.ts';
import { numel, type Node } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import type { Plan } from '../plan/plan.ts';
import { dispatchCount } from '../plan/plan.ts';
import { tensorBytes } from '../plan/bytes.ts';

const planTempBytes = (p: Plan): number =>
  p.buffers.reduce((a, b) => a + (b.role === 'temp' && b.arena === undefined ? b.byteSize : 0), 0) +
  (p.arenas ?? []).reduce((a, x) => a + x.byteSize, 0);
import { peakTemporaryBytes, type Schedule } from './schedule.ts';

export type Part = 'forward' | 'backward' | 'update';

export interface CompileReport {
  nodes: { trainIR: number; optimized: number };
  flops: Record<Part, number>;
  bytes: {
    trainableParams: number;
    frozenParams: number;
    gradients: number;
    optimizerState: number;
    activationsPeak: number;
  };
  params: { trainable: string[]; frozen: string[] };
  /** Parameters read by the forward pass whose backward is cut, in forward order. */
  backwardStopsAt?: string;
  kernels?: { count: number; list: { name: string; line?: string }[] };
  /** How the plan stores what the backward keeps (with a plan). */
  stored?: {
    /** Bool temporaries written 1 bit per element (codegen/bool-layout.ts): bytes, and as i32. */
    packedBools: { count: number; bytes: number; unpackedBytes: number };
    /** Small values saved right after their source so it dies in the forward (save-early.ts). */
    savedEarly: { saved: number[]; source: number[]; bytes: number; sourceBytes: number; line?: string }[];
  };
  /** The same recipe without its methods (full fine-tuning), when it differs. */
  versusFull?: FullBaseline;
}

/** What full fine-tuning of the same model would cost: what a method removes. */
export interface FullBaseline {
  backwardFlops: { method: number; full: number };
  gradients: { method: number; full: number };
  optimizerState: { method: number; full: number };
  /** Live temporaries by the schedule's estimate for both (like with like, no Plan). */
  activationsPeak: { method: number; full: number };
}

/** Compare a method's report with its full fine-tuning baseline (both from compileReport). */
export function versusFull(
  method: CompileReport,
  full: CompileReport,
  methodSchedulePeak: number,
): FullBaseline {
  return {
    backwardFlops: { method: method.flops.backward, full: full.flops.backward },
    gradients: { method: method.bytes.gradients, full: full.bytes.gradients },
    optimizerState: { method: method.bytes.optimizerState, full: full.bytes.optimizerState },
    activationsPeak: { method: methodSchedulePeak, full: full.bytes.activationsPeak },
  };
}

export function flopsOf(n: Node): number {
  if (n.op === 'matmul') {
    const a = n.src[0].shape;
    return 2 * numel(n.shape) * a[a.length - 1];
  }
  if (OpGroup.Elementwise.has(n.op) || n.op === 'gather' || n.op === 'scatter_add') return numel(n.shape);
  if (OpGroup.Reduce.has(n.op)) return numel(n.src[0].shape);
  return 0;
}

/** The loss's cone (other outputs, e.g. the gradient norm, are computed from the backward). */
const lossOf = (g: Graph): Node[] => [g.outputs.loss ?? Object.values(g.outputs)[0]].filter(Boolean);

export function classify(g: Graph): Map<Node, Part> {
  const part = new Map<Node, Part>();
  for (const n of toposort(lossOf(g))) part.set(n, 'forward');
  for (const u of g.updates) {
    // Walk down from the new value through same-shaped elementwise ops: the optimizer's math.
    const stack: Node[] = [u.value];
    while (stack.length) {
      const n = stack.pop()!;
      if (part.has(n) || !OpGroup.Elementwise.has(n.op)) continue;
      part.set(n, 'update');
      for (const s of n.src)
        if (s.shape.length === u.target.shape.length && numel(s.shape) === numel(u.target.shape))
          stack.push(s);
    }
  }
  for (const n of toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]))
    if (!part.has(n)) part.set(n, 'backward');
  return part;
}

export function compileReport(trainIR: Graph, g: Graph, s: Schedule, plan?: Plan): CompileReport {
  const part = classify(g);
  const flops: Record<Part, number> = { forward: 0, backward: 0, update: 0 };
  for (const [n, p] of part) flops[p] += flopsOf(n);
  const updated = new Set(g.updates.map((u) => u.target));
  const leaves = toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]).filter(
    (n): n is Node<'param'> => n.op === 'param',
  );
  const params = leaves.filter((p) => p.arg.role === 'param');
  const trainable = params.filter((p) => updated.has(p));
  const frozen = params.filter((p) => !updated.has(p));
  const bytes = (ns: readonly Node[]) => ns.reduce((a, n) => a + numel(n.shape) * 4, 0);
  // Forward order of first use: the earliest trainable parameter is where backward stops.
  const fwd = toposort(lossOf(g));
  const firstTrainable = fwd.find((n) => n.op === 'param' && updated.has(n as Node<'param'>));
  return {
    nodes: {
      trainIR: toposort([...Object.values(trainIR.outputs), ...trainIR.updates.map((u) => u.value)]).length,
      optimized: part.size,
    },
    flops,
    bytes: {
      trainableParams: bytes(trainable),
      frozenParams: bytes(frozen),
      gradients: bytes(trainable),
      optimizerState: bytes(leaves.filter((p) => p.arg.role === 'state')),
      // With a Plan, the bytes it really allocates for temporaries (arenas + unplanned temps);
      // without one, the schedule's live-bytes estimate.
      activationsPeak: plan ? planTempBytes(plan) : peakTemporaryBytes(g, s),
    },
    params: { trainable: trainable.map((p) => p.arg.name), frozen: frozen.map((p) => p.arg.name) },
    backwardStopsAt: firstTrainable ? (firstTrainable as Node<'param'>).arg.name : undefined,
    ...(plan
      ? {
          stored: storedOf(plan),
          kernels: {
            count: dispatchCount(plan),
            list: plan.kernels.map((k) => ({
              name: k.name,
              ...(k.span ? { line: `${relative(process.cwd(), k.span.file)}:${k.span.line}` } : {}),
            })),
          },
        }
      : {}),
  };
}

function storedOf(plan: Plan): NonNullable<CompileReport['stored']> {
  const packed = plan.buffers.filter(
    (b) => b.dtype === 'bool' && b.role === 'temp' && b.byteSize < tensorBytes(b.dtype, b.shape, false),
  );
  return {
    packedBools: {
      count: packed.length,
      bytes: packed.reduce((a, b) => a + b.byteSize, 0),
      unpackedBytes: packed.reduce((a, b) => a + tensorBytes(b.dtype, b.shape, false), 0),
    },
    savedEarly: (plan.savedEarly ?? []).map(({ saved, source, span }) => {
      return {
        saved: [...plan.buffers[saved].shape],
        source: [...plan.buffers[source].shape],
        bytes: plan.buffers[saved].byteSize,
        sourceBytes: plan.buffers[source].byteSize,
        ...(span ? { line: `${relative(process.cwd(), span.file)}:${span.line}` } : {}),
      };
    }),
  };
}

const fmtBytes = (b: number) =>
  b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
const fmtFlops = (f: number) =>
  f >= 1e9 ? `${(f / 1e9).toFixed(2)} GFLOP` : `${(f / 1e6).toFixed(2)} MFLOP`;

export function formatReport(r: CompileReport): string {
  const lines = [
    `nodes        train IR ${r.nodes.trainIR}, optimized ${r.nodes.optimized}`,
    `flops/step   forward ${fmtFlops(r.flops.forward)}, backward ${fmtFlops(r.flops.backward)}, update ${fmtFlops(r.flops.update)}`,
    `parameters   trainable ${fmtBytes(r.bytes.trainableParams)} (${r.params.trainable.length} tensors), frozen ${fmtBytes(r.bytes.frozenParams)} (${r.params.frozen.length} tensors)`,
    `memory       gradients ${fmtBytes(r.bytes.gradients)}, optimizer state ${fmtBytes(r.bytes.optimizerState)}, activations peak ${fmtBytes(r.bytes.activationsPeak)}`,
    `             total peak ${fmtBytes(r.bytes.trainableParams + r.bytes.frozenParams + r.bytes.optimizerState + r.bytes.activationsPeak)}`,
  ];
  if (r.params.frozen.length) {
    // Which tensors a selective method chose (sparse updates under a budget, KappaTune, ...).
    const t = r.params.trainable;
    lines.push(
      `trains       ${t.slice(0, 12).join(', ')}${t.length > 12 ? `, ... (+${t.length - 12} more)` : ''}`,
    );
  }
  if (r.params.frozen.length)
    lines.push(
      `pruned       no weight gradient for ${r.params.frozen.length} frozen tensors; backward stops at ${r.backwardStopsAt ?? '(nothing trains)'}`,
    );
  if (r.versusFull) {
    const v = r.versusFull;
    const pct = (x: { method: number; full: number }) =>
      x.full > 0
        ? ` (${x.method <= x.full ? '-' : '+'}${Math.abs(100 * (1 - x.method / x.full)).toFixed(0)}%)`
        : '';
    const b = (x: { method: number; full: number }) =>
      `${fmtBytes(x.method)} of ${fmtBytes(x.full)}${pct(x)}`;
    lines.push(
      `vs full FT   backward ${fmtFlops(v.backwardFlops.method)} of ${fmtFlops(v.backwardFlops.full)}${pct(v.backwardFlops)}, gradients ${b(v.gradients)}`,
      `             optimizer state ${b(v.optimizerState)}, activations (estimate) ${b(v.activationsPeak)}`,
    );
  }
  if (r.stored?.packedBools.count) {
    const p = r.stored.packedBools;
    lines.push(
      `stored       ${p.count} bool temporaries 1 bit per element: ${fmtBytes(p.bytes)} instead of ${fmtBytes(p.unpackedBytes)}`,
    );
  }
  for (const s of r.stored?.savedEarly ?? [])
    lines.push(
      `saved early  [${s.saved.join(', ')}] (${fmtBytes(s.bytes)}) kept for the backward instead of [${s.source.join(', ')}] (${fmtBytes(s.sourceBytes)})${s.line ? `  ${s.line}` : ''}`,
    );
  if (r.kernels) {
    lines.push(`kernels      ${r.kernels.count} dispatches per step`);
    for (const k of r.kernels.list) lines.push(`  ${k.name.padEnd(28)} ${k.line ?? ''}`);
  }
  return lines.join('\n');
}
