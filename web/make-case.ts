// Everything a page needs to train a recipe, as one JSON file: the Plan, the initial
// parameters and the first N steps' inputs. The browser has no compiler and no data layer
// (web/main.ts only runs plans), so Node prepares these:
//
//   npx tsx web/make-case.ts examples/mlp.ftl --steps 20 > web/case.json
//   -> {"plan": Plan, "params": {name: number[]}, "batches": [{slot: number[]}], "steps": 20}
//
// The plan is compiled for WebGPU's default limits (it runs on any conforming adapter) unless
// `--limits '{"maxStorageBuffersPerShaderStage":10,...}'` gives the page's adapter limits
// (`ftl.adapterInfo()` in the page prints them).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/compile.ts';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import type { Graph } from '../compiler/ir/graph.ts';
import type { PlanLimits } from '../compiler/plan/lower.ts';
import type { Plan } from '../compiler/plan/plan.ts';
import type { HostArray } from '../runtime/executor.ts';
import { openFeeder } from '../runtime/train/feed.ts';

/** WebGPU's guaranteed minimum limits (the spec's defaults). */
export const WEBGPU_DEFAULT_LIMITS: PlanLimits = {
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
};

export interface RunCase {
  plan: Plan;
  /** The optimized training graph: what the CPU reference executor runs. */
  graph: Graph;
  /** Initial values of the plan's params and state (seeded), by name. */
  params: Map<string, Float32Array>;
  /** Inputs of steps 1..steps, restricted to the plan's input slots. */
  batches: Record<string, HostArray>[];
}

export interface CaseOptions {
  limits?: PlanLimits;
  isCPU?: boolean;
  steps: number;
  seed?: number;
}

export function buildCase(
  source: string,
  file: string,
  o: CaseOptions,
): RunCase | { diagnostics: Diagnostic[] } {
  const out = compile(source, file, { limits: o.limits ?? WEBGPU_DEFAULT_LIMITS, isCPU: o.isCPU });
  if (!out.plan || !out.graph || !out.build) return { diagnostics: out.diagnostics };
  const plan = out.plan;
  const init = out.build.initialValues(o.seed ?? 0);
  const params = new Map<string, Float32Array>();
  for (const p of plan.params) {
    const v = init.get(p.name);
    if (v) params.set(p.name, v);
  }
  const feeder = openFeeder(out.build.dataSpec, dirname(file));
  if (!feeder.ok) return { diagnostics: feeder.diagnostics };
  const slots = new Set(plan.inputs.map((s) => s.name));
  const batches: Record<string, HostArray>[] = [];
  for (let s = 1; s <= o.steps; s++) {
    const all = feeder.value.feed(s);
    batches.push(Object.fromEntries(Object.entries(all).filter(([k]) => slots.has(k))));
  }
  return { plan, graph: out.graph, params, batches };
}

/** The case as `runPlan` takes it over JSON: typed arrays become plain arrays. */
export function caseToJson(c: RunCase, steps = c.batches.length): string {
  const plain = (r: Record<string, ArrayLike<number>>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(v)]));
  return JSON.stringify({
    plan: c.plan,
    params: plain(Object.fromEntries(c.params)),
    batches: c.batches.map(plain),
    steps,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const steps = Number(opt('--steps') ?? 10);
  const seed = Number(opt('--seed') ?? 0);
  const limitsJson = opt('--limits');
  // --gpu: a real GPU will run it (tiled matmuls, parallel reductions); default: CPU-safe kernels.
  const gpu = args.includes('--gpu');
  const file = args.filter((a) => a !== '--gpu')[0];
  if (!file || !Number.isInteger(steps) || steps < 1) {
    console.error(
      'usage: npx tsx web/make-case.ts <recipe.ftl> [--steps N] [--seed S] [--limits JSON] [--gpu] > case.json',
    );
    process.exit(2);
  }
  const limits = limitsJson
    ? { ...WEBGPU_DEFAULT_LIMITS, ...(JSON.parse(limitsJson) as PlanLimits) }
    : undefined;
  const c = buildCase(readFileSync(file, 'utf8'), file, {
    steps,
    seed,
    limits,
    isCPU: gpu ? false : undefined,
  });
  if ('diagnostics' in c) {
    for (const d of c.diagnostics) console.error(`${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
    process.exit(1);
  }
  process.stdout.write(caseToJson(c) + '\n');
}
