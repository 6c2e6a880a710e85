// The shared case of the browser and SwiftShader tests: examples/mlp.ftl compiled for given
// device limits, its initial parameters (seed 0), the first `steps` batches of its own data
// feed, and the loss curve of Node's CPU reference executor on the same graph: the
// independent computation both GPU runs are compared with.

import { readFileSync } from 'node:fs';
import type { PlanLimits } from '../../compiler/plan/lower.ts';
import { CpuExecutor } from '../../runtime/cpu/executor.ts';
import { buildCase, type RunCase } from '../../web/make-case.ts';

export const MLP_FILE = 'examples/mlp.ftl';

export type MlpCase = RunCase;

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
  const c = buildCase(mlpSource(optim), MLP_FILE, { limits, isCPU, steps });
  if ('diagnostics' in c)
    throw new Error(`${MLP_FILE} did not compile: ${c.diagnostics.map((d) => d.message).join('; ')}`);
  return c;
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
