// GreenTrainer re-selecting every 2 steps (value: "gradient", `train(reselect_every: 2)`) on
// the 6-linear chain of greentrainer.test.ts: at each boundary the trained set is the
// brute-force optimum of the layered knapsack for the summed |gradient| recomputed here over
// the next two batches at the boundary weights; the set changes between windows; a tensor
// that leaves the set keeps its trained value, one that stays keeps its Adam state, one that
// joins starts with zero state; the loss goes down; WebGPU follows the CPU.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { gradientStats } from '../../runtime/train/grad-stats.ts';
import { runRecipe, type ReselectDetail, type RunOptions } from '../../runtime/train/run.ts';
import { gpu } from '../webgpu/harness.ts';

const dims = [4, 8, 6, 10, 5, 7, 3];
const RHO = 0.45;
const dir = mkdtempSync(join(tmpdir(), 'ftl-green-'));
const file = join(dir, 'green.ftl');
writeFileSync(
  file,
  `import std.nn.linear\nimport std.losses.classification\nimport std.optim.adamw\nimport std.methods.greentrainer\n` +
    `model chain() {\n${dims
      .slice(1)
      .map((d, i) => `  l${i + 1} = linear(${dims[i]}, ${d}, false, 0.3)`)
      .join('\n')}\n` +
    `  forward(x: f32[B, 4]) -> f32[B, 3] = l6(relu(l5(relu(l4(relu(l3(relu(l2(relu(l1(x)))))))))))\n}\n` +
    `recipe r {\n  model = chain()\n` +
    `  data = synthetic_classification(n: 64, dim: 4, classes: 3, seed: 1) |> batch(8)\n` +
    `  apply greentrainer(rho: ${RHO}, tokens: 8, value: "gradient")\n` +
    `  loss = classification\n  optim = adamw(lr: 0.05, weight_decay: 0.0)\n` +
    `  train(steps: 8, log_every: 1, reselect_every: 2)\n}\n`,
);

async function run(opts: Partial<RunOptions> = {}) {
  const details: ReselectDetail[] = [];
  const r = await runRecipe(file, { device: 'cpu', ...opts, onReselect: (_, d) => details.push(d) });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  return { r, details };
}

const trained = (d: ReselectDetail['next']) => d.params.filter((p) => p.trainable).map((p) => p.name);

/** The layered-knapsack optimum by brute force over the 63 non-empty subsets. */
function optimum(imp: number[]): string[] {
  const f = dims.slice(1).map((d, i) => 2 * 8 * d * dims[i]);
  const full = f.reduce((a, c) => a + c, 0) + f.slice(1).reduce((a, c) => a + c, 0);
  let best = { value: -1, set: [] as number[] };
  for (let mask = 1; mask < 64; mask++) {
    const set = [...Array(6).keys()].filter((i) => mask & (1 << i));
    const cost = set.reduce((a, i) => a + f[i], 0) + f.slice(set[0] + 1).reduce((a, c) => a + c, 0);
    const value = set.reduce((a, i) => a + imp[i], 0);
    if (cost <= RHO * full && value > best.value) best = { value, set };
  }
  return best.set.map((i) => `l${i + 1}.weight`);
}

describe('GreenTrainer with periodic re-selection', () => {
  let details: ReselectDetail[];
  let losses: [number, number][];
  beforeAll(async () => {
    const out = await run();
    details = out.details;
    expect(details).toHaveLength(3); // every later check is over these boundaries
    losses = out.r.loop!.losses;
  });

  it('each window trains the knapsack optimum for the gradient at its boundary', () => {
    expect(details).toHaveLength(3);
    details.forEach((d, n) => {
      const f = openFeeder(d.prev.dataSpec, dir);
      if (!f.ok) throw new Error('data');
      const b = 2 * (n + 1);
      const feeds = [b + 1, b + 2].map(
        (s) => new Map(Object.entries(f.value.feed(s))) as Map<string, TypedArray>,
      );
      const g = gradientStats(d.prev, d.prevStore, feeds);
      const imp = [1, 2, 3, 4, 5, 6].map((i) => g.get(`l${i}.weight`)!.reduce((a, v) => a + v, 0));
      expect(trained(d.next)).toEqual(optimum(imp));
    });
    const sets = [trained(details[0].prev), ...details.map((d) => trained(d.next))].map((s) => s.join());
    expect(new Set(sets).size).toBeGreaterThan(1);
  });

  it('leavers keep their trained value, stayers their Adam state, joiners start from zero state', () => {
    let seen = { left: 0, stayed: 0, joined: 0 };
    for (const d of details) {
      const before = new Set(trained(d.prev));
      const after = new Set(trained(d.next));
      for (const p of before) expect(d.start.get(p), p).toEqual(d.prevStore.get(p));
      for (const p of after)
        for (const slot of ['m', 'v']) {
          const s = d.start.get(`${p}:${slot}`)!;
          if (before.has(p)) expect(s).toEqual(d.prevStore.get(`${p}:${slot}`));
          else expect(s.every((v) => v === 0)).toBe(true);
        }
      seen = {
        left: seen.left + [...before].filter((p) => !after.has(p)).length,
        stayed: seen.stayed + [...after].filter((p) => before.has(p)).length,
        joined: seen.joined + [...after].filter((p) => !before.has(p)).length,
      };
    }
    expect(Object.values(seen).every((n) => n > 0)).toBe(true);
  });

  it('the training loss goes down', () => {
    const mean = (xs: [number, number][]) => xs.reduce((a, [, l]) => a + l, 0) / xs.length;
    expect(mean(losses.slice(-2))).toBeLessThan(mean(losses.slice(0, 2)) - 0.1);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('re-selects the same sets and follows the CPU losses', async () => {
      const g = await run({ device: 'webgpu', handle: h, steps: 4 });
      expect(g.details.map((d) => trained(d.next))).toEqual([trained(details[0].next)]);
      g.r.loop!.losses.forEach(([s, l], i) => {
        expect(s).toBe(losses[i][0]);
        expect(Math.abs(l - losses[i][1])).toBeLessThan(1e-4 * Math.abs(l) + 1e-5);
      });
    }, 60_000);
  });
});
