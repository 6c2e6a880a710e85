// lowerToPlan: Graph -> Plan. Decides what to materialize (compiler/codegen/fuse.ts),
// merges same-shape elementwise kernels into multi-output ones (group.ts; one whose members
// read a matmul computes it, group-matmul.ts) and, for serial reductions, reductions over the
// same rows with the elementwise nodes that read them back into one row kernel
// (row-groups.ts: a whole layernorm or softmax, forward or backward), generates one
// kernel per materialized computed node (or group) in topological order, gives every
// materialized node a buffer, and appends the end-of-step copies that commit updates.
//
// Updates: each update value is computed into its own buffer and copied onto the target
// after every dispatch, so no kernel ever sees a half-updated parameter and no buffer is
// bound read and read-write in one dispatch. An update whose value is itself a param/input
// leaf is first copied into a temp, so swaps (a := b, b := a) stay correct.

import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { Graph } from '../ir/graph.ts';
import { roots as graphRoots, toposort } from '../ir/graph.ts';
import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import { OpGroup } from '../ir/ops.ts';
import type { BuiltKernel, CodegenOptions } from '../codegen/builder.ts';
import { elementwiseKernel } from '../codegen/elementwise-kernel.ts';
import { epilogueMatmul, kernelRegion, materialize } from '../codegen/fuse.ts';
import { groupElementwise } from '../codegen/group.ts';
import { kernelReads } from '../codegen/kernel-reads.ts';
import { rowGroups } from '../codegen/row-groups.ts';
import { rowKernel } from '../codegen/row-kernel.ts';
import { groupMatmuls, rawMatmuls } from '../codegen/group-matmul.ts';
import { packMerges } from './pack.ts';
import { tensorBytes } from './bytes.ts';
import { planArena } from './arena.ts';
import { hoistCommits } from './commits.ts';
import { kernelSource } from '../codegen/kernel.ts';
import { BoolLayout } from '../codegen/bool-layout.ts';
import { matmulKernel } from '../codegen/matmul-kernel.ts';
import { reduceKernel } from '../codegen/reduce-kernel.ts';
import { scatterAddKernel } from '../codegen/scatter-kernel.ts';
import type { BufferRole, Plan, PlanBuffer, PlanKernel, PlanParam, PlanSlot, PlanStep } from './plan.ts';

/** Ops codegen has a kernel or an inline form for: every op except autodiff-only markers. */
const KNOWN_OPS = new Set<string>([
  ...OpGroup.Leaf,
  ...OpGroup.Elementwise,
  ...OpGroup.Reduce,
  ...OpGroup.Movement,
  'matmul',
  'gather',
  'scatter_add',
]);

/** The device limits lowering honours (a structural subset of runtime/device DeviceLimits). */
export interface PlanLimits {
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly minStorageBufferOffsetAlignment?: number;
}

export interface LowerOptions {
  /** Fuse elementwise chains and folded movement ops (default true); false: one kernel per op. */
  readonly fuse?: boolean;
  /** Store bool temps 32 to a word where their kernel writes whole words (default true; codegen/bool-layout.ts). */
  readonly packBools?: boolean;
  /** Matmul template; default 'register' on CPU adapters, else 'tiled'. */
  readonly matmul?: 'register' | 'scalar' | 'tiled';
  /** Reduction template; default 'serial' on CPU adapters, else 'auto' (by size). */
  readonly reduce?: 'serial' | 'workgroup' | 'auto';
  /** Place temps with disjoint lifetimes in one arena (default: with `fuse`). */
  readonly planMemory?: boolean;
  /** Merge independent kernels into one dispatch (default: with `fuse`). */
  readonly merge?: boolean;
  /** The adapter is a CPU rasterizer (llvmpipe): picks kernels that suit it. */
  readonly isCPU?: boolean;
  /**
   * Update reordering: a topological order of the graph's computed nodes that completes each
   * update right after its gradient (compiler/optimize/schedule.ts). Update kernels are then
   * placed as early as possible and their commits hoisted (commits.ts). Absent: every update
   * is committed at the end of the step.
   */
  readonly order?: readonly Node[];
}

/** Kernel template for a materialized computed node. */
export function buildKernel(
  n: Node,
  mat: ReadonlySet<Node>,
  opts: CodegenOptions,
  also: readonly Node[] = [],
  /** The matmul a multi-output group's kernel computes (group-matmul.ts). */
  groupMatmul?: Node,
): BuiltKernel {
  const isMat = (x: Node) => mat.has(x);
  if (also.length && groupMatmul) return matmulKernel(groupMatmul, isMat, opts, n, also);
  if (also.length) return elementwiseKernel(n, isMat, opts, also);
  const mm = epilogueMatmul(n, mat);
  if (mm) return matmulKernel(mm, isMat, opts, n);
  switch (n.op) {
    case 'reduce_sum':
    case 'reduce_max':
      return reduceKernel(n, isMat, opts);
    case 'matmul':
      return matmulKernel(n, isMat, opts);
    case 'scatter_add':
      return scatterAddKernel(n, isMat, opts);
    default:
      return elementwiseKernel(n, isMat, opts);
  }
}

/** WebGPU's guaranteed minimum limits: a plan for these runs on any conforming device. */
export const DEFAULT_LIMITS: PlanLimits = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
};

export function lowerToPlan(graph: Graph, limits: PlanLimits, opts: LowerOptions = {}): Plan {
  const copts: CodegenOptions = {
    maxWorkgroupsPerDim: limits.maxComputeWorkgroupsPerDimension,
    matmul: opts.matmul ?? (opts.isCPU === false ? 'tiled' : 'register'),
    // llvmpipe runs barriers slowly: serial reductions won at every size (bench/reduce.ts).
    reduce: opts.reduce ?? (opts.isCPU === false ? 'auto' : 'serial'),
    ...(opts.packBools === false ? {} : { bools: BoolLayout.forGraph(graph) }),
  };
  const rootNodes = graphRoots(graph);
  const targets = graph.updates.map((u) => u.target);
  const topo = toposort([...rootNodes, ...targets]);
  // Leaves have no sources, so leaves first and then the schedule is still topological.
  const order = opts.order ? [...topo.filter((n) => n.src.length === 0), ...opts.order] : topo;
  // Markers that only autodiff reads (custom_vjp) have no kernel; they must be gone by now.
  const marker = order.find((n) => !KNOWN_OPS.has(n.op));
  if (marker)
    throw new Error(
      `lowerToPlan: %${marker.id} is a '${marker.op}' node, which has no kernel; strip it before codegen (compiler/ir: stripCustomVjp)`,
    );
  // savedEarly (optimize/save-early.ts): small values kept instead of a big activation;
  // their kernels must run where the schedule put them, right after their source.
  const { mat, savedEarly } = materialize(order, rootNodes, {
    maxStorageBuffers: limits.maxStorageBuffersPerShaderStage,
    fuse: opts.fuse ?? true,
  });

  const fuse = opts.fuse ?? true;
  // Serial reductions (CPU adapters): row kernels, reductions over the same rows with the
  // elementwise nodes that read them back (a whole layernorm or softmax, forward or backward).
  // Regions and readers, shared by the three merging passes below (`mat` is unchanged
  // until groupMatmuls takes its matmuls out).
  const reads = kernelReads(order, mat);
  const maxBuffers = limits.maxStorageBuffersPerShaderStage;
  const epilogues = new Set(order.filter((n) => mat.has(n) && epilogueMatmul(n, mat)));
  const rows =
    fuse && copts.reduce === 'serial'
      ? rowGroups(order, mat, maxBuffers, new Set([...epilogues, ...savedEarly]), reads)
      : new Map<Node, Node[]>();
  const inRow = new Set([...rows.values()].flat());
  const groups = fuse
    ? groupElementwise(order, mat, maxBuffers, new Set([...inRow, ...savedEarly]), reads)
    : undefined;
  // Before buffers are assigned: a matmul computed by a group's kernel gets none.
  const groupMm = groups
    ? groupMatmuls(groups, order, mat, new Set(rootNodes), maxBuffers, reads)
    : new Map<Node, Node>();

  const buffers: PlanBuffer[] = [];
  const bufOf = new Map<Node, number>();
  const outputNames = new Map<Node, string>();
  for (const [name, n] of Object.entries(graph.outputs)) if (!outputNames.has(n)) outputNames.set(n, name);
  const addBuffer = (name: string, role: BufferRole, n: Pick<Node, 'dtype' | 'shape'>): number => {
    const id = buffers.length;
    buffers.push({
      id,
      name,
      role,
      dtype: n.dtype,
      shape: [...n.shape],
      byteSize: tensorBytes(n.dtype, n.shape, false), // packed bool temps shrink once built
    });
    return id;
  };
  for (const n of order) {
    if (!mat.has(n)) continue;
    if (n.op === 'param') {
      const { name, role } = n.arg as { name: string; role: 'param' | 'state' };
      bufOf.set(n, addBuffer(name, role, n));
    } else if (n.op === 'input') bufOf.set(n, addBuffer((n.arg as { name: string }).name, 'input', n));
    else if (outputNames.has(n)) bufOf.set(n, addBuffer(outputNames.get(n)!, 'output', n));
    else bufOf.set(n, addBuffer(`%${n.id}.${n.op}`, 'temp', n));
  }

  // Matmuls written by the elementwise kernel that reads them (their activation).
  const raw = fuse
    ? rawMatmuls(
        groups,
        order,
        mat,
        new Set([...groupMm.keys(), ...inRow]),
        limits.maxStorageBuffersPerShaderStage,
      )
    : new Map<Node, Node>();
  const absorbed = new Set([...[...rows.values()].flatMap((g) => g.slice(0, -1)), ...raw.values()]);
  const built: BuiltKernel[] = [];
  for (const n of order) {
    if (!mat.has(n) || n.op === 'param' || n.op === 'input' || numel(n.shape) === 0) continue;
    if (absorbed.has(n)) continue; // written by its row kernel or by the elementwise kernel reading it
    const leader = groups?.leaderOf.get(n);
    if (leader && leader !== n) continue; // written by its group's kernel, where the leader runs
    const mm = raw.get(n);
    const row = rows.get(n);
    built.push(
      mm
        ? matmulKernel(mm, (x) => mat.has(x), copts, n, [...(groups?.others.get(n) ?? []), mm])
        : row
          ? rowKernel(row, (x) => mat.has(x), copts)
          : buildKernel(n, mat, copts, groups?.others.get(n), groupMm.get(n)),
    );
  }
  const kernels: PlanKernel[] = [];
  const step: PlanStep[] = [];
  const updateValues = new Set(graph.updates.map((u) => u.value));
  const early = opts.order
    ? (k: BuiltKernel) => k.nodes.some((n) => updateValues.has(n) || savedEarly.has(n))
    : undefined;
  const saved = (k: BuiltKernel) => k.nodes.some((n) => savedEarly.has(n));
  const final = fuse && opts.merge !== false ? packMerges(built, limits, copts, early, saved) : built;
  for (const k of final) {
    const id = kernels.length;
    const n = k.nodes[0];
    kernels.push({
      id,
      name: k.spec.name,
      wgsl: kernelSource(k.spec),
      entryPoint: 'main',
      bindings: k.spec.bindings.map((b, i) => ({ ...b, buffer: bufOf.get(k.nodes[i])! })),
      workgroupSize: [...k.spec.workgroupSize] as [number, number, number],
      dispatch: [...k.grid] as [number, number, number],
      node: n.id,
      ...(n.span ? { span: n.span } : {}),
    });
    step.push({ op: 'dispatch', kernel: id });
  }
  // Bool temps their kernels wrote bit-packed (decided while building them) take ceil(n/32) words.
  for (const n of copts.bools?.packedNodes() ?? []) {
    const id = bufOf.get(n)!;
    buffers[id] = { ...buffers[id], byteSize: tensorBytes(n.dtype, n.shape, true) };
  }

  // Commit updates: leaf-valued ones through a temp first, then every value onto its target.
  const commits: [number, number][] = [];
  for (const u of graph.updates) {
    if (u.value === u.target) continue;
    let src = bufOf.get(u.value)!;
    if (u.value.op === 'param' || u.value.op === 'input') {
      const tmp = addBuffer(`%${u.value.id}.snapshot`, 'temp', u.value);
      step.push({ op: 'copy', src, dst: tmp, byteSize: buffers[tmp].byteSize });
      src = tmp;
    }
    commits.push([src, bufOf.get(u.target)!]);
  }
  for (const [src, dst] of commits) step.push({ op: 'copy', src, dst, byteSize: buffers[dst].byteSize });

  const updated = new Set(graph.updates.map((u) => u.target));
  const params: PlanParam[] = order
    .filter((n) => n.op === 'param')
    .map((n) => {
      const { name, role } = n.arg as { name: string; role: 'param' | 'state' };
      return {
        name,
        buffer: bufOf.get(n)!,
        role,
        trainable: updated.has(n as Node<'param'>),
        shape: [...n.shape],
        dtype: n.dtype,
      };
    });
  const slot = (name: string, n: Node): PlanSlot => ({
    name,
    buffer: bufOf.get(n)!,
    shape: [...n.shape],
    dtype: n.dtype,
  });
  const inputs = order.filter((n) => n.op === 'input').map((n) => slot((n.arg as { name: string }).name, n));
  const outputs = Object.entries(graph.outputs).map(([name, n]) => slot(name, n));
  // Each saved value with the biggest buffer it is computed from (the activation it replaces).
  const saves = [...savedEarly]
    .filter((n) => bufOf.has(n))
    .map((n) => {
      const from = [...kernelRegion(n, mat).inputs].reduce((a, x) =>
        numel(x.shape) > numel(a.shape) ? x : a,
      );
      return { saved: bufOf.get(n)!, source: bufOf.get(from)!, ...(n.span ? { span: n.span } : {}) };
    });
  let plan: Plan = {
    format: 'ftl-plan',
    version: 1,
    buffers,
    kernels,
    step,
    params,
    inputs,
    outputs,
    ...(saves.length ? { savedEarly: saves } : {}),
  };
  if (opts.order) plan = hoistCommits(plan);
  return (opts.planMemory ?? fuse) ? planArena(plan, limits) : plan;
}

/** Buffers the device cannot hold or bind, as diagnostics naming the tensor and the limit. */
export function checkPlanLimits(plan: Plan, limits: PlanLimits): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const b of plan.buffers) {
    const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    if (b.byteSize > limit)
      out.push({
        code: 'FTL0501',
        severity: 'error',
        message: `tensor ${b.name} [${b.shape.join(', ')}] needs ${b.byteSize} bytes; this device binds at most ${limit} bytes per buffer`,
        hint: 'use a smaller batch or sequence length, or a device with a larger maxStorageBufferBindingSize',
      });
  }
  return out;
}
