// PaCA (stdlib/methods/paca.ftl): the delta's gradient equals the selected columns of the
// full weight gradient (one SGD step from the same weights, 1e-6); after training the
// merged weight W + D sel^T differs from W only in the r selected columns; only the deltas
// train (CPU and WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { compileReport } from '../../compiler/optimize/report.ts';
import { scheduleEarlyUpdates } from '../../compiler/optimize/schedule.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { build, gpuVsCpu, runCpu } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
import std.methods.paca
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = sgd(lr: 0.1)
  train(steps: 3)
}`;
const R = 3;
const b = build(recipe(`apply paca(r: ${R}, targets: "blocks.*.{attn.q,mlp.fc}")`));
const layers = [
  { m: 'blocks.0.attn.q', out: 16, inp: 16 },
  { m: 'blocks.0.mlp.fc', out: 64, inp: 16 },
];
/** Selected column of each of the r slots, read from the one-hot selector [in, r]. */
const columns = (sel: Float32Array, inp: number) =>
  Array.from({ length: R }, (_, j) => [...Array(inp).keys()].find((i) => sel[i * R + j] === 1)!);

describe('paca', () => {
  it('delta gradients equal the selected columns of the full gradient', () => {
    const full = build(recipe(''));
    const f0 = new Map(full.initialValues(0));
    const w0 = new Map(layers.map(({ m }) => [m, Float32Array.from(f0.get(`${m}.weight`)!)]));
    const fs = runCpu(full, 1, f0).store;
    const ps = runCpu(b, 1).store;
    const init = b.initialValues(0);
    for (const { m, out, inp } of layers) {
      const cols = columns(init.get(`${m}.paca_sel`)!, inp);
      expect(new Set(cols).size).toBe(R);
      const dW = fs.get(`${m}.weight`) as Float32Array;
      const dD = ps.get(`${m}.paca_delta`) as Float32Array; // D started at 0: D = -lr gD
      for (let o = 0; o < out; o++)
        for (let j = 0; j < R; j++) {
          const gFull = (dW[o * inp + cols[j]] - w0.get(m)![o * inp + cols[j]]) / -0.1;
          expect(Math.abs(dD[o * R + j] / -0.1 - gFull)).toBeLessThan(1e-6);
        }
    }
  });

  it('the merged weight changes only in the selected columns', () => {
    const s = runCpu(b, 3).store;
    const init = b.initialValues(0);
    for (const { m, out, inp } of layers) {
      const cols = columns(init.get(`${m}.paca_sel`)!, inp);
      const w = s.get(`${m}.weight`) as Float32Array;
      expect(Array.from(w)).toEqual(Array.from(init.get(`${m}.weight`)!)); // base frozen
      const d = s.get(`${m}.paca_delta`) as Float32Array;
      const merged = Float32Array.from(w);
      for (let o = 0; o < out; o++) for (let j = 0; j < R; j++) merged[o * inp + cols[j]] += d[o * R + j];
      const moved = new Set([...merged.keys()].filter((i) => merged[i] !== w[i]).map((i) => i % inp));
      expect([...moved].sort((x, y) => x - y)).toEqual([...cols].sort((x, y) => x - y));
    }
    expect(b.params.filter((p) => p.trainable).map((p) => p.name)).toEqual(
      layers.map(({ m }) => `${m}.paca_delta`),
    );
  });

  it('keeps r input columns for backward, not the whole input (activation peak vs LoRA)', () => {
    // Same rank on the same layers: LoRA keeps x [B, T, in] per layer for dA; PaCA keeps
    // x[S] [B, T, r] only, so its peak is lower by at least (in - r) columns per layer.
    const big = (apply: string) =>
      build(`
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
import std.methods.paca
import std.methods.lora
recipe r {
  model = gpt2(vocab: 16, ctx: 64, d: 64, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 64) |> batch(8)
  ${apply}
  loss = causal_lm
  optim = sgd(lr: 0.1)
  train(steps: 1)
}`);
    const peak = (b: ReturnType<typeof build>) => {
      const g = simplify(b.graph);
      return compileReport(b.graph, g, scheduleEarlyUpdates(g)).bytes.activationsPeak;
    };
    const saved =
      peak(big('apply lora(r: 4, targets: "blocks.*.mlp.fc")')) -
      peak(big('apply paca(r: 4, targets: "blocks.*.mlp.fc")'));
    expect(saved).toBeGreaterThanOrEqual(2 * 8 * 64 * (64 - 4) * 4);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('trains the same deltas as the CPU', async () => {
      const r = await gpuVsCpu(h, b, 3);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(layers.map(({ m }) => `${m}.paca_delta`));
      for (const { m } of layers)
        r.after
          .get(`${m}.paca_delta`)!
          .forEach((v, i) => expect(Math.abs(v - r.cpuAfter.get(`${m}.paca_delta`)![i])).toBeLessThan(1e-5));
    }, 60_000);
  });
});
