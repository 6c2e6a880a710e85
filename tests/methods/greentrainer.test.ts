// GreenTrainer (stdlib/methods/greentrainer.ftl) on a 6-linear chain: the chosen set is the
// brute-force optimum of the layered knapsack (value = parameter count, cost = dW FLOPs of
// chosen tensors + backprop FLOPs through every tensor above the deepest chosen one, budget
// rho x full); the compiled backward FLOPs are <= rho x full fine-tuning's; the compiler's
// backward stops at the deepest chosen tensor; only chosen tensors move (CPU and WebGPU).
// value: "taylor" on a tiny GPT-2: the optimum for importance = first-order loss change of
// one update, -sum(g * dW), where the test measures dW by running one real SGD step of full
// fine-tuning on the same calibration batch (importance = sum(dW^2) / lr).
import { describe, expect, it } from 'vitest';
import { compileReport } from '../../compiler/optimize/report.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { withWeights } from '../../compiler/features/selection.ts';
import { gradientStats } from '../../runtime/train/grad-stats.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { batchFor, build, changed, runCpu, values, webgpuChangesLikeCpu } from './helpers.ts';

const dims = [4, 8, 6, 10, 5, 7, 3];
const recipe = (apply: string) => `
import std.nn.linear
import std.losses.classification
import std.optim.sgd
import std.methods.greentrainer
model chain() {
${dims
  .slice(1)
  .map((d, i) => `  l${i + 1} = linear(${dims[i]}, ${d}, false, 0.3)`)
  .join('\n')}
  forward(x: f32[B, 4]) -> f32[B, 3] = l6(relu(l5(relu(l4(relu(l3(relu(l2(relu(l1(x)))))))))))
}
recipe r {
  model = chain()
  data = synthetic_classification(n: 64, dim: 4, classes: 3, seed: 1) |> batch(8)
  ${apply}
  loss = classification
  optim = sgd(lr: 0.1)
  train(steps: 2)
}`;
const RHO = 0.45;
const b = build(recipe(`apply greentrainer(rho: ${RHO}, tokens: 8)`));
const full = build(recipe(''));
const report = (x: TrainingBuild) => {
  const g = simplify(x.graph);
  return compileReport(x.graph, g, scheduleEarlyUpdates(g));
};

describe('greentrainer', () => {
  it('chooses the brute-force optimum of the layered knapsack', () => {
    const numel = dims.slice(1).map((d, i) => d * dims[i]);
    const f = numel.map((n) => 2 * 8 * n);
    const fullCost = f.reduce((a, c) => a + c, 0) + f.slice(1).reduce((a, c) => a + c, 0);
    let best = { value: -1, sets: [] as number[][] };
    for (let mask = 1; mask < 64; mask++) {
      const set = [...Array(6).keys()].filter((i) => mask & (1 << i));
      const cost = set.reduce((a, i) => a + f[i], 0) + f.slice(set[0] + 1).reduce((a, c) => a + c, 0);
      if (cost > RHO * fullCost) continue;
      const value = set.reduce((a, i) => a + numel[i], 0);
      if (value > best.value) best = { value, sets: [set] };
      else if (value === best.value) best.sets.push(set);
    }
    expect(best.sets).toHaveLength(1); // a unique optimum, so the comparison is exact
    const chosen = b.params.filter((p) => p.trainable).map((p) => Number(p.name.slice(1, 2)) - 1);
    expect(chosen).toEqual(best.sets[0]);
  });

  it('with value: "gradient" the optimum maximises the summed |gradient| (brute force)', () => {
    const init = new Map(full.initialValues(0));
    const g = gradientStats(full, init, [batchFor(full, 1), batchFor(full, 2)]);
    const gb = withWeights(
      values(full, init),
      () => build(recipe(`apply greentrainer(rho: ${RHO}, tokens: 8, value: "gradient")`)),
      g,
    );
    const imp = [1, 2, 3, 4, 5, 6].map((i) => g.get(`l${i}.weight`)!.reduce((a, v) => a + v, 0));
    const numel = dims.slice(1).map((d, i) => d * dims[i]);
    const f = numel.map((n) => 2 * 8 * n);
    const fullCost = f.reduce((a, c) => a + c, 0) + f.slice(1).reduce((a, c) => a + c, 0);
    let best = { value: -1, set: [] as number[] };
    for (let mask = 1; mask < 64; mask++) {
      const set = [...Array(6).keys()].filter((i) => mask & (1 << i));
      const cost = set.reduce((a, i) => a + f[i], 0) + f.slice(set[0] + 1).reduce((a, c) => a + c, 0);
      const value = set.reduce((a, i) => a + imp[i], 0);
      if (cost <= RHO * fullCost && value > best.value) best = { value, set };
    }
    expect(gb.params.filter((p) => p.trainable).map((p) => Number(p.name.slice(1, 2)) - 1)).toEqual(best.set);
  });

  it('the compiled backward costs <= rho x full and stops at the deepest chosen tensor', () => {
    const r = report(b);
    expect(r.flops.backward).toBeLessThanOrEqual(RHO * report(full).flops.backward);
    const deepest = b.params.find((p) => p.trainable)!.name;
    expect(r.backwardStopsAt).toBe(deepest);
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

describe('greentrainer value: "taylor"', () => {
  const lm = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
import std.methods.greentrainer
recipe r {
  model = gpt2(vocab: 256, ctx: 8, d: 8, heads: 2, layers: 2)
  data = text("data/corpus.txt") |> tokenize("bytes") |> chunks(seq: 8) |> batch(4)
  ${apply}
  loss = causal_lm
  optim = sgd(lr: 0.5)
  train(steps: 1)
}`;
  const TOK = 32;
  const TRHO = 0.8; // a budget where importance, not tensor size, decides
  const tb = build(
    lm(`apply greentrainer(rho: ${TRHO}, tokens: ${TOK}, targets: "blocks.*.**.weight", value: "taylor")`),
  );
  const dense = build(lm(''));

  it('chooses the knapsack optimum for -sum(g * dW) of one measured SGD step', () => {
    const feed = openFeeder(dense.dataSpec, 'examples');
    if (!feed.ok) throw new Error(feed.diagnostics.map((d) => d.message).join('; '));
    const one = new Map(Object.entries(feed.value.feed(1))) as Map<string, Float32Array>;
    expect(Array.from(one.get('loss_mask')!).every((v) => v === 1)).toBe(true); // as calibration
    const w0 = values(dense, new Map(dense.initialValues(0)));
    const w1 = values(dense, runCpu(dense, 1, undefined, () => one).store);
    const names = [0, 1].flatMap((l) =>
      ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.fc', 'mlp.proj'].map((m) => `blocks.${l}.${m}.weight`),
    );
    // dW = -lr g, so -sum(g dW) = sum(dW^2) / lr
    const imp = names.map((n) => w1.get(n)!.reduce((a, v, i) => a + (v - w0.get(n)![i]) ** 2, 0) / 0.5);
    const f = names.map((n) => 2 * TOK * w0.get(n)!.length);
    const fullCost = f.reduce((a, c) => a + c, 0) + f.slice(1).reduce((a, c) => a + c, 0);
    const ranked: { value: number; set: number[] }[] = [];
    for (let mask = 1; mask < 1 << names.length; mask++) {
      const set = [...names.keys()].filter((i) => mask & (1 << i));
      const cost = set.reduce((a, i) => a + f[i], 0) + f.slice(set[0] + 1).reduce((a, c) => a + c, 0);
      if (cost <= TRHO * fullCost) ranked.push({ value: set.reduce((a, i) => a + imp[i], 0), set });
    }
    ranked.sort((a, c) => c.value - a.value);
    // Near-zero-importance tensors (q, k at init) make several optima nearly tie: the
    // chosen set must be feasible and reach the best value up to float error.
    const chosen = tb.params.filter((p) => p.trainable).map((p) => names.indexOf(p.name));
    const mine = ranked.find((r) => r.set.join() === [...chosen].sort((a, c) => a - c).join());
    expect(mine).toBeDefined(); // within the budget
    expect(ranked[0].value - mine!.value).toBeLessThanOrEqual(1e-6 * ranked[0].value);
    // and the importance matters: q and k (no gradient at init) are skipped, unlike by size
    const byNumel = build(
      lm(`apply greentrainer(rho: ${TRHO}, tokens: ${TOK}, targets: "blocks.*.**.weight")`),
    );
    const numelSet = byNumel.params.filter((p) => p.trainable).map((p) => names.indexOf(p.name));
    expect(numelSet.reduce((a, i) => a + imp[i], 0)).toBeLessThan(mine!.value);
    expect(chosen.some((i) => /attn\.[qk]\./.test(names[i]))).toBe(false);
  });
});
