// SPDF (stdlib/methods/spdf.ftl): during the sparse phase the merged weights W * M are
// exactly zero at masked entries after every step and the model computes the same loss as
// a dense model holding W * M; the dense phase starts from the merged weights and the
// previously zero entries receive non-zero updates (CPU; sparse phase also on WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { carryInto } from '../../runtime/train/stages.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, gpuVsCpu, runCpu } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
import std.methods.spdf
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = sgd(lr: 0.1)
  train(steps: 3)
}`;
const sparse = build(recipe('apply spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*")'));
const dense = build(recipe(''));
const W = ['blocks.0.mlp.fc', 'blocks.0.mlp.proj'];
const init0 = sparse.initialValues(0);
const maskOf = (m: string) => init0.get(`${m}.spdf_mask`)!;
const maskedIdx = new Map(W.map((m) => [m, [...maskOf(m).keys()].filter((i) => maskOf(m)[i] === 0)]));
const masked = (m: string) => maskedIdx.get(m)!;

describe('spdf', () => {
  it('keeps masked weights at exactly zero through the sparse phase', () => {
    for (const m of W) expect(masked(m).length).toBe(0.75 * 1024);
    let store = new Map(sparse.initialValues(0));
    for (let s = 1; s <= 3; s++) {
      store = runCpu(sparse, 1, store, () => batchFor(sparse, s)).store as typeof store;
      const merged = mergedParams(sparse.tree, store);
      for (const m of W) expect(masked(m).every((i) => merged.get(`${m}.weight`)![i] === 0)).toBe(true);
    }
  });

  it('computes the loss of the dense model holding W * M', () => {
    const init = new Map(sparse.initialValues(0));
    const start = carryInto(sparse, init, dense, 0, { merge: true }) as Map<string, TypedArray>;
    const feed = batchFor(sparse, 1);
    const a = evaluate(sparse.graph, { params: init as Map<string, TypedArray>, inputs: feed }).outputs
      .loss[0];
    const b = evaluate(dense.graph, { params: start, inputs: feed }).outputs.loss[0];
    expect(Math.abs(a - b)).toBeLessThan(1e-5);
  });

  it('the dense phase updates the previously zero entries', () => {
    const s1 = runCpu(sparse, 3).store;
    const start = carryInto(sparse, s1, dense, 0, { merge: true });
    const zeros = new Map(W.map((m) => [m, masked(m)]));
    for (const m of W)
      expect(zeros.get(m)!.every((i) => (start.get(`${m}.weight`) as Float32Array)[i] === 0)).toBe(true);
    const after = runCpu(dense, 1, start).store;
    for (const m of W) {
      const moved = zeros.get(m)!.filter((i) => (after.get(`${m}.weight`) as Float32Array)[i] !== 0);
      expect(moved.length).toBeGreaterThan(zeros.get(m)!.length / 2);
    }
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('the sparse phase matches the CPU and W * M stays zero at masked entries', async () => {
      const r = await gpuVsCpu(h, sparse, 3);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      for (const m of W) {
        const w = r.after.get(`${m}.weight`)!;
        expect(masked(m).every((i) => w[i] * maskOf(m)[i] === 0)).toBe(true);
        expect(r.changed).toContain(`${m}.weight`);
      }
    }, 60_000);
  });
});
