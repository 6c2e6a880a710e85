// The shared case of the browser and SwiftShader tests: examples/mlp.ftl compiled for given
// device limits, its initial parameters (seed 0), the first `steps` batches of its own data
// feed, and the loss curve of Node's CPU reference executor on the same graph: the
// independent computation both GPU runs are compared with.

import { readFileSync } from 'node:fs';
import { compile } from '../../compiler/compile.ts';
import type { PlanLimits } from '../../compiler/plan/lower.ts';
import type { Plan } from '../../compiler/plan/plan.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { CpuExecutor } from '../../runtime/cpu/executor.ts';
import type { HostArray } from '../../runtime/executor.ts';
import { openFeeder } from '../../runtime/train/feed.ts';

export const MLP_FILE = 'examples/mlp.ftl';

export interface MlpCase {
  plan: Plan;
  graph: Graph;
  /** Initial values of the plan's params and state, by name. */
  params: Map<string, Float32Array>;
  /** Inputs of steps 1..steps, restricted to the plan's input slots. */
  batches: Record<string, HostArray>[];
}

/**
 * `optim: 'sgd'` swaps the recipe's AdamW for SGD with momentum. Why: AdamW's first updates
 * are nearly lr*sign(g), so a last-ulp difference in a near-zero gradient component moves a
 * weight by a whole lr; two correct f32 backends then drift ~3e-5 relative in 5 steps (llvmpipe
 * and SwiftShader both do). SGD keeps the update proportional to the gradient error, so a 1e-5
 * comparison tests the kernels, not the optimizer's sensitivity.
 */
export function mlpSource(optim: 'adamw' | 'sgd' = 'adamw'): string {
  const src = readFileSync(MLP_FILE, 'utf8');
  if (optim === 'adamw') return src;
  const out = src
    .replace('import std.optim.adamw', 'import std.optim.sgd')
    .replace(/optim\s*=\s*adamw\([^)]*\)/, 'optim = sgd(lr: 0.1, momentum: 0.9)');
  if (out === src || !out.includes('sgd(lr'))
    throw new Error(`${MLP_FILE} changed: cannot swap its optimizer`);
  return out;
}

export function mlpCase(
  limits: PlanLimits,
  isCPU: boolean,
  steps: number,
  optim: 'adamw' | 'sgd' = 'adamw',
): MlpCase {
  const out = compile(mlpSource(optim), MLP_FILE, { limits, isCPU });
  if (!out.plan || !out.graph || !out.build)
    throw new Error(`${MLP_FILE} did not compile: ${out.diagnostics.map((d) => d.message).join('; ')}`);
  const plan = out.plan;
  const init = out.build.initialValues(0);
  const params = new Map<string, Float32Array>();
  for (const p of plan.params) {
    const v = init.get(p.name);
    if (v) params.set(p.name, v);
  }
  const feeder = openFeeder(out.build.dataSpec, 'examples');
  if (!feeder.ok) throw new Error(feeder.diagnostics.map((d) => d.message).join('; '));
  const slots = new Set(plan.inputs.map((s) => s.name));
  const batches: Record<string, HostArray>[] = [];
  for (let s = 1; s <= steps; s++) {
    const all = feeder.value.feed(s);
    batches.push(Object.fromEntries(Object.entries(all).filter(([k]) => slots.has(k))));
  }
  return { plan, graph: out.graph, params, batches };
}

/** The loss after each step on the CPU reference executor. */
export async function cpuLosses(c: MlpCase): Promise<number[]> {
  const ex = new CpuExecutor(c.graph);
  for (const [k, v] of c.params) ex.setParam(k, v);
  const losses: number[] = [];
  for (const b of c.batches) {
    for (const [k, v] of Object.entries(b)) ex.setInput(k, v);
    await ex.step();
    losses.push((await ex.readOutputs(['loss'])).loss[0]);
  }
  return losses;
}

/** Largest |a-b| / max(|b|, tiny) over the two curves. */
export function worstRelative(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  return Number.isNaN(worst) ? Infinity : worst;
}
