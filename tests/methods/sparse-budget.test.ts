// sparse_update_budget (stdlib/methods/sparse_budget.ftl): under a memory budget the chosen
// tensors are the optimum of an independent knapsack recursion (value = model-order depth,
// cost = 4 bytes x (1 + 2 Adam slots) per entry); the compile report's gradient + optimizer
// state bytes fit the budget and its `trains` line names the choice; only the chosen
// tensors move (CPU and WebGPU).
import { describe, expect, it } from 'vitest';
import { compileReport, formatReport } from '../../compiler/optimize/report.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { build, changed, runCpu, values, webgpuChangesLikeCpu } from './helpers.ts';

const recipe = `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.sparse_budget
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 8, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  apply sparse_update_budget(budget: "4KB")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`;
const b = build(recipe);

describe('sparse_update_budget', () => {
  it('chooses the knapsack optimum under the budget', () => {
    const cands = b.params.filter((p) => p.role === 'param' && p.name.startsWith('blocks.'));
    const cost = cands.map((p) => p.shape.reduce((a, c) => a * c, 1) * 12);
    const memo = new Map<string, number>();
    const best = (i: number, left: number): number => {
      if (i === cands.length) return 0;
      const key = `${i}:${left}`;
      if (!memo.has(key)) {
        const skip = best(i + 1, left);
        const take = cost[i] <= left ? i + 1 + best(i + 1, left - cost[i]) : -1;
        memo.set(key, Math.max(skip, take));
      }
      return memo.get(key)!;
    };
    const chosen = cands.map((p, i) => (p.trainable ? i : -1)).filter((i) => i >= 0);
    const spent = chosen.reduce((a, i) => a + cost[i], 0);
    expect(spent).toBeLessThanOrEqual(4096);
    expect(chosen.reduce((a, i) => a + i + 1, 0)).toBe(best(0, 4096));
    expect(b.params.filter((p) => p.trainable).every((p) => p.name.startsWith('blocks.'))).toBe(true);
  });

  it('the compile report shows the choice within the budget', () => {
    const g = simplify(b.graph);
    const r = compileReport(b.graph, g, scheduleEarlyUpdates(g));
    expect(r.bytes.gradients + r.bytes.optimizerState).toBeLessThanOrEqual(4096);
    const trains = formatReport(r)
      .split('\n')
      .find((l) => l.startsWith('trains'))!;
    for (const p of b.params.filter((q) => q.trainable).slice(0, 12)) expect(trains).toContain(p.name);
    const v0 = values(b, new Map(b.initialValues(0)));
    expect(changed(v0, values(b, runCpu(b, 2).store))).toEqual(
      b.params
        .filter((p) => p.trainable)
        .map((p) => p.name)
        .sort(),
    );
  });

  webgpuChangesLikeCpu('moves exactly the chosen tensors, like the CPU', () => b);
});
