// S2FT (stdlib/methods/s2ft.ftl): co-permuting the FFN weights leaves the loss unchanged
// (1e-6) and moves the drawn channels' fc rows to the front; only the dense submatrix
// proj[:, 0 .. channels] trains, with optimizer state of that size (CPU and WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, diffIndices, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.s2ft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`;
const CH = 4;
const b = build(recipe(`apply s2ft(channels: ${CH}, seed: 3)`));
const plain = build(recipe(''));

describe('s2ft', () => {
  it('co-permutation keeps the function and brings the chosen channels first', () => {
    const feed = batchFor(b, 1);
    const loss = (x: typeof b) =>
      evaluate(x.graph, { params: new Map(x.initialValues(0)) as Map<string, TypedArray>, inputs: feed })
        .outputs.loss[0];
    expect(Math.abs(loss(b) - loss(plain))).toBeLessThan(1e-6);
    const p0 = values(plain, new Map(plain.initialValues(0)));
    const p1 = values(b, new Map(b.initialValues(0)));
    for (const blk of [0, 1]) {
      const fc0 = p0.get(`blocks.${blk}.mlp.fc.weight`)!;
      const fc1 = p1.get(`blocks.${blk}.mlp.fc.weight`)!;
      const row = (w: Float32Array, r: number) => Array.from(w.subarray(r * 16, (r + 1) * 16)).join();
      const rows0 = Array.from({ length: 64 }, (_, r) => row(fc0, r));
      const moved = Array.from({ length: 64 }, (_, r) => rows0.indexOf(row(fc1, r)));
      expect([...moved].sort((x, y) => x - y)).toEqual([...Array(64).keys()]); // a permutation
      expect(moved.slice(CH)).toEqual([...Array(64).keys()].filter((r) => !moved.slice(0, CH).includes(r)));
    }
  });

  it('trains only proj[:, 0 .. channels]', () => {
    const t = b.params.filter((p) => p.trainable);
    expect(t.map((p) => [p.name, p.shape])).toEqual(
      [0, 1].map((i) => [`blocks.${i}.mlp.proj.weight#axis1[0:${CH}]`, [16, CH]]),
    );
    const v0 = values(b, new Map(b.initialValues(0)));
    const v1 = values(b, runCpu(b, 2).store);
    for (const [n, v] of v0) {
      const d = diffIndices(v, v1.get(n)!);
      if (/mlp\.proj\.weight$/.test(n)) {
        expect(d.length).toBeGreaterThan(0);
        expect(d.every((i) => i % 64 < CH)).toBe(true);
      } else expect(d, n).toEqual([]);
    }
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('trains the same submatrices as the CPU', async () => {
      const r = await gpuVsCpu(h, b, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(['blocks.0.mlp.proj.weight', 'blocks.1.mlp.proj.weight']);
    }, 60_000);
  });
});
