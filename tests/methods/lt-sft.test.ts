// LT-SFT (stdlib/methods/lt_sft.ftl): phase 1 fine-tunes everything; phase 2, built with
// phase 1's weights, masks the top-k |theta1 - theta0| entries (checked against the test's
// own top-k) and trains them from theta0: afterwards at most k entries per tensor differ
// from theta0, all others bit-identical, and optimizer state has k entries (CPU, WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWeights } from '../../compiler/features/selection.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, diffIndices, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lt_sft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2, weight_decay: 0.0)
  train(steps: 3)
}`;
const T = ['blocks.0.attn.q.weight', 'blocks.0.mlp.fc.weight'];
const phase1 = build(recipe(''));
const theta0 = values(phase1, new Map(phase1.initialValues(0)));
const theta1 = values(phase1, runCpu(phase1, 3).store);
const phase2 = withWeights(theta1, () =>
  build(recipe(`apply lt_sft(density: 0.1, targets: "blocks.0.{attn.q,mlp.fc}.weight")`)),
);
const k = (n: string) => Math.round(0.1 * theta0.get(n)!.length);

describe('lt-sft', () => {
  it('masks the entries phase 1 moved most, with k-sized optimizer state', () => {
    const init = phase2.initialValues(0);
    for (const n of T) {
      const d = theta1.get(n)!.map((v, i) => Math.abs(v - theta0.get(n)![i]));
      const ref = [...d.keys()]
        .sort((a, b) => d[b] - d[a] || a - b)
        .slice(0, k(n))
        .sort((a, b) => a - b);
      expect(Array.from(init.get(`${n}#mask.idx`)!)).toEqual(ref);
      const st = phase2.params.filter((p) => p.role === 'state' && p.param === `${n}#mask[${k(n)}]`);
      expect(st.map((p) => p.shape)).toEqual([[k(n)], [k(n)]]);
    }
  });

  it('phase 2 restarts from theta0 and leaves at most k entries changed', () => {
    const after = values(phase2, runCpu(phase2, 3).store);
    for (const [n, v0] of theta0) {
      const d = diffIndices(v0, after.get(n)!);
      if (T.includes(n)) {
        expect(d.length).toBeGreaterThan(0);
        expect(d.length).toBeLessThanOrEqual(k(n));
      } else expect(d, n).toEqual([]);
    }
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('phase 2 changes only masked entries, like the CPU', async () => {
      const r = await gpuVsCpu(h, phase2, 3);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual([...T].sort());
      for (const n of T)
        expect(diffIndices(theta0.get(n)!, r.after.get(n)!).length).toBeLessThanOrEqual(k(n));
    }, 60_000);
  });
});
