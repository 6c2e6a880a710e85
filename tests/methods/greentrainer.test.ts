// GreenTrainer (stdlib/methods/greentrainer.ftl) on a 6-linear chain: the chosen set is the
// brute-force optimum of the layered knapsack (value = parameter count, cost = dW FLOPs of
// chosen tensors + backprop FLOPs through every tensor above the deepest chosen one, budget
// rho x full); the compiled backward FLOPs are <= rho x full fine-tuning's; the compiler's
// backward stops at the deepest chosen tensor; only chosen tensors move (CPU and WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileReport } from '../../compiler/optimize/report.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { withWeights } from '../../compiler/features/selection.ts';
import { gradientStats } from '../../runtime/train/grad-stats.ts';
import { batchFor, build, changed, gpuVsCpu, runCpu, values } from './helpers.ts';

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

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('moves exactly the chosen tensors, like the CPU', async () => {
      const r = await gpuVsCpu(h, b, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(
        b.params
          .filter((p) => p.trainable)
          .map((p) => p.name)
          .sort(),
      );
    }, 60_000);
  });
});
