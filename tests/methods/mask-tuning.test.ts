// Regularized Mask Tuning (stdlib/methods/mask_tuning.ftl): the underlying weights stay
// bit-identical, the merged weights W * M differ from W exactly where the learned mask is
// 0, and gradient dropout leaves a `grad_drop` fraction of the 10,000 score gradients at
// zero (within 2%); CPU and WebGPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, gpuVsCpu, runCpu } from './helpers.ts';

const recipe = (args: string, lr: number) => `
import std.nn.linear
import std.losses.classification
import std.optim.sgd
import std.methods.mask_tuning
model wide() {
  l1 = linear(100, 100, true, 0.1)
  l2 = linear(100, 4, true, 0.1)
  forward(x: f32[B, 100]) -> f32[B, 4] = l2(relu(l1(x)))
}
recipe r {
  model = wide()
  data = synthetic_classification(n: 64, dim: 100, classes: 4, seed: 1) |> batch(16)
  apply mask_tuning(targets: "l1", ${args})
  loss = classification
  optim = sgd(lr: ${lr})
  train(steps: 4)
}`;

describe('mask_tuning', () => {
  it('gradient dropout zeroes the configured fraction of score gradients', () => {
    const b = build(recipe('init_score: 0.51, grad_drop: 0.3', 1.0));
    const s0 = b.initialValues(0).get('l1.mask_score')!;
    const s1 = runCpu(b, 1).store.get('l1.mask_score') as Float32Array;
    const frozen = s1.filter((v, i) => v === s0[i]).length / s1.length;
    expect(Math.abs(frozen - 0.3)).toBeLessThan(0.02);
  });

  it('keeps W bit-identical and changes W * M exactly where the mask is 0', () => {
    const b = build(recipe('init_score: 0.5001, grad_drop: 0.0', 200.0));
    const init = b.initialValues(0);
    const st = runCpu(b, 4).store;
    expect(Array.from(st.get('l1.weight') as Float32Array)).toEqual(Array.from(init.get('l1.weight')!));
    const score = st.get('l1.mask_score') as Float32Array;
    const off = [...score.keys()].filter((i) => !(score[i] > 0.5));
    expect(off.length).toBeGreaterThan(0);
    expect(off.length).toBeLessThan(score.length);
    const w = init.get('l1.weight')!;
    const merged = mergedParams(b.tree, st).get('l1.weight')!;
    const differs = [...merged.keys()].filter((i) => merged[i] !== w[i]);
    expect(differs).toEqual(off.filter((i) => w[i] !== 0));
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('trains only the scores, like the CPU', async () => {
      const b = build(recipe('init_score: 0.5001, grad_drop: 0.0', 200.0));
      const r = await gpuVsCpu(h, b, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(['l1.mask_score']);
    }, 60_000);
  });
});
