// The stdlib Llama (RMSNorm, RoPE, grouped-query attention, SwiGLU) fully fine-tuned on
// WebGPU against the CPU executor: losses within 1e-4 over 3 steps, the same tensors
// change, parameters close. Regression: RoPE reads a projection through slices/pads, and
// fusion once let an optimizer-update kernel compute that matmul in registers while a
// member read it at a shifted element ("matmul must be materialized", an internal error).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from './harness.ts';
import { build, gpuVsCpu, trainableNames } from '../methods/helpers.ts';

const recipe = `
import std.models.llama
import std.losses.causal_lm
import std.optim.adamw
recipe r {
  model = llama(vocab: 16, d: 16, heads: 4, kv_heads: 2, n_layers: 2, hidden: 24)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 3)
}`;

describe('llama on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());

  it('full fine-tuning trains like the CPU executor', async () => {
    const b = build(recipe);
    const r = await gpuVsCpu(h, b, 3);
    expect(r.maxLossGap).toBeLessThan(1e-4);
    expect(r.changed.sort()).toEqual(trainableNames(b));
    for (const [name, v] of r.after) {
      const c = r.cpuAfter.get(name)!;
      const gap = Math.max(...Array.from(v, (x, i) => Math.abs(x - c[i])));
      expect(gap, name).toBeLessThan(1e-4);
    }
  }, 120_000);
});
