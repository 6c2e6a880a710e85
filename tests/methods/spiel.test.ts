// SpIEL (stdlib/methods/spiel.ftl) over two stages: stage 1 activates the top-k entries by
// accumulated |gradient| (gradient statistics over two calibration batches); stage 2 keeps
// the half of them whose deltas moved most, regrows the rest from the top |gradient|
// outside them (reference top-k checks), always exactly k active; pruned entries revert to
// the pretrained value and kept ones keep their trained value; optimizer state has k
// entries; stage 2 on WebGPU changes only active entries, like the CPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWeights } from '../../compiler/features/selection.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gradientStats } from '../../runtime/train/grad-stats.ts';
import { carryInto } from '../../runtime/train/stages.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, diffIndices, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.spiel
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2, weight_decay: 0.0)
  train(steps: 3)
}`;
const W = 'blocks.0.mlp.fc.weight';
const method = `apply spiel(density: 0.05, regrow: 0.5, targets: "blocks.0.mlp.fc.weight")`;
const K = Math.round(0.05 * 64 * 16);
const topK = (xs: ArrayLike<number>, k: number, skip = new Set<number>()) =>
  Array.from({ length: xs.length }, (_, i) => i)
    .filter((i) => !skip.has(i))
    .sort((a, b) => xs[b] - xs[a] || a - b)
    .slice(0, k);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

const full = build(recipe(''));
const feeds = (b: typeof full) => [batchFor(b, 100), batchFor(b, 101)];
const init = new Map(full.initialValues(0));
const theta0 = values(full, init);
const g0 = gradientStats(full, init, feeds(full));
const s1 = withWeights(theta0, () => build(recipe(method)), g0);
const store1 = runCpu(s1, 3).store;
const v1 = values(s1, store1);
const g1 = gradientStats(full, carryInto(s1, store1, full), feeds(full));
const s2 = withWeights(v1, () => build(recipe(method)), g1);
const idx = (b: typeof s1) => Array.from(b.initialValues(0).get(`${W}#mask.idx`)!);

describe('spiel', () => {
  it('stage 1 activates the top-k entries by accumulated |gradient|', () => {
    expect(idx(s1)).toEqual(sorted(topK(g0.get(W)!, K)));
    const st = s1.params.filter((p) => p.role === 'state' && p.param === `${W}#mask[${K}]`);
    expect(st.map((p) => p.shape)).toEqual([[K], [K]]);
  });

  it('stage 2 keeps the largest deltas, regrows by gradient, reverts pruned entries', () => {
    const old = idx(s1);
    const d = v1.get(W)!.map((v, i) => Math.abs(v - theta0.get(W)![i]));
    const moved = old.filter((i) => d[i] > 0);
    const keep = topK(
      Float64Array.from(moved, (i) => d[i]),
      K - Math.round(0.5 * K),
    ).map((j) => moved[j]);
    const grow = topK(g1.get(W)!, K - keep.length, new Set(keep));
    const now = idx(s2);
    expect(now).toEqual(sorted([...keep, ...grow]));
    expect(now).toHaveLength(K);
    const start = values(s2, carryInto(s1, store1, s2));
    const w = start.get(W)!;
    for (const i of old) expect(w[i]).toBe(now.includes(i) ? v1.get(W)![i] : theta0.get(W)![i]);
    expect(diffIndices(theta0.get(W)!, w).every((i) => now.includes(i))).toBe(true);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('stage 2 changes only active entries, like the CPU', async () => {
      const start = carryInto(s1, store1, s2);
      const before = values(s2, start);
      const r = await gpuVsCpu(h, s2, 2, start);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual([W]);
      const now = new Set(idx(s2));
      expect(diffIndices(before.get(W)!, r.after.get(W)!).every((i) => now.has(i))).toBe(true);
    }, 60_000);
  });
});
