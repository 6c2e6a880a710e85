// LocFT-BF (stdlib/methods/locft.ftl): only the configured module of the configured layers
// (negative indices from the end) changes after training; CPU and WebGPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, changed, gpuVsCpu, runCpu, values } from './helpers.ts';

const b = build(`
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 3)
  data = text("x.txt") |> chunks(seq: 8) |> shuffle(seed: 0) |> batch(2)
  apply locft(layers: [0, -1], tensors: "mlp.proj.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`);
const want = ['blocks.0.mlp.proj.weight', 'blocks.2.mlp.proj.weight'];

describe('locft', () => {
  it('changes only the configured module of the configured layers', () => {
    expect(b.params.filter((p) => p.trainable).map((p) => p.name)).toEqual(want);
    expect(changed(values(b, new Map(b.initialValues(0))), values(b, runCpu(b, 2).store))).toEqual(want);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('changes the same tensors as the CPU', async () => {
      const r = await gpuVsCpu(h, b, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(want);
    }, 60_000);
  });
});
