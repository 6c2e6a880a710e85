// compile(): a recipe's text in, a training graph and (for a device) a Plan out.
//
//   parse → check → elaborate+trace+autodiff+optimizer (buildTrainingGraph) → simplify
//     → prune → reorder → fuse+codegen (lowerToPlan) → plan limits
//
// Every phase collects diagnostics; the first phase that reports an error stops the
// pipeline and its diagnostics are returned. Each intermediate is kept on the result so
// `ftl compile --emit ast|ir|train|plan|wgsl` can print it. Passes can be switched off by
// name (`--no-opt prune,simplify,fuse,reorder,plan`) to compare any result with the unoptimized plan.

import type { Program } from '../grammar/ast.ts';
import { parse } from '../grammar/index.ts';
import { check } from './check/index.ts';
import { hasErrors, type Diagnostic } from './diagnostics/diagnostic.ts';
import type { Graph } from './ir/graph.ts';
import { verify } from './ir/verify.ts';
import { scheduleEarlyUpdates, scheduleNaive, type Schedule } from './optimize/schedule.ts';
import { simplify } from './passes/simplify.ts';
import { narrowSlicedMatmuls } from './passes/slice-matmul.ts';
import { splitWideConcats } from './passes/split-concats.ts';
import { checkPlanLimits, lowerToPlan, type PlanLimits } from './plan/lower.ts';
import type { Plan } from './plan/plan.ts';
import { buildTrainingGraph, type TrainingBuild } from './train/build.ts';

export const PASSES = ['prune', 'simplify', 'fuse', 'reorder', 'plan'] as const;
export type Pass = (typeof PASSES)[number];

export interface CompileOptions {
  /** Which recipe of the file (default: the first). */
  recipe?: string;
  /** Which stage of a recipe with stages (default: the first). */
  stage?: string;
  /** Lower to a Plan for a device with these limits; without them compilation stops at the IR. */
  limits?: PlanLimits;
  /** The device is a CPU rasterizer (llvmpipe): choose kernels that suit it. */
  isCPU?: boolean;
  /** Passes switched off. */
  disable?: ReadonlySet<Pass>;
  /** false: compile the recipe without its `apply` statements (the full fine-tuning baseline). */
  methods?: boolean;
  /** Skip the semantic checker (tests of later phases on deliberately odd input). */
  skipCheck?: boolean;
}

export interface Compiled {
  ast?: Program;
  build?: TrainingBuild;
  /** The forward + backward + update graph as traced (before optimization). */
  trainIR?: Graph;
  /** After the IR passes: what executors run. */
  graph?: Graph;
  schedule?: Schedule;
  plan?: Plan;
  diagnostics: Diagnostic[];
}

export function compile(source: string, file: string, opts: CompileOptions = {}): Compiled {
  const off = opts.disable ?? new Set<Pass>();
  const out: Compiled = { diagnostics: [] };
  const stop = (ds: readonly Diagnostic[]) => (out.diagnostics.push(...ds), hasErrors(ds));

  const parsed = parse(source, file);
  out.ast = parsed.ast;
  if (stop(parsed.diagnostics)) return out;
  if (!opts.skipCheck && stop(check(parsed.ast, { file }))) return out;

  const build = buildTrainingGraph(
    { file, program: parsed.ast },
    { parse, recipe: opts.recipe, stage: opts.stage, prune: !off.has('prune'), methods: opts.methods },
  );
  if (stop(build.diagnostics)) return out;
  out.build = build as TrainingBuild;
  out.trainIR = out.build.graph;

  let graph = out.build.graph;
  verify(graph, 'trace+autodiff');
  if (!off.has('simplify')) {
    graph = simplify(graph);
    verify(graph, 'simplify');
    // A matmul read only through slices computes only the block (S2FT's trained columns).
    graph = narrowSlicedMatmuls(graph);
    verify(graph, 'narrow sliced matmuls');
  }
  // A concat of more pieces than one kernel can bind becomes a tree of narrower concats
  // (the output and one other buffer stay free), so fusion can keep every kernel in bounds.
  if (opts.limits) graph = splitWideConcats(graph, opts.limits.maxStorageBuffersPerShaderStage - 2);
  out.graph = graph;
  // Pruning is not a rewrite: autodiff only walks loss→trainable paths and every later
  // phase works from the graph's roots, so pruned nodes are never built. `--no-opt prune`
  // asks the builder for every parameter's gradient instead (buildTrainingGraph `prune`).
  out.schedule = off.has('reorder') ? scheduleNaive(graph) : scheduleEarlyUpdates(graph);

  if (opts.limits) {
    out.plan = lowerToPlan(graph, opts.limits, {
      fuse: !off.has('fuse'),
      planMemory: !off.has('plan') && !off.has('fuse'),
      isCPU: opts.isCPU,
      ...(off.has('reorder') ? {} : { order: out.schedule.order }),
    });
    if (stop(checkPlanLimits(out.plan, opts.limits))) return out;
  }
  return out;
}
