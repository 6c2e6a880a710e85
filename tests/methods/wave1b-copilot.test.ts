// Transformer Copilot (stdlib/methods/copilot.ftl): the Copilot's loss term equals the mean
// squared error to one_hot - softmax(pilot logits) computed here independently; the Pilot's
// update is bit-identical with and without the Copilot; lambda = 0 gives the Pilot's output
// exactly (and so its generations); CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.copilot\n' + gptRecipe(apply);
const [B, T, V] = [4, 8, 16];
const wave = (n: number, s: number) =>
  Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * 0.37 + s));
const randomCopilot = (st: Store) => {
  st.set('copilot_in', wave(st.get('copilot_in')!.length, 1));
  st.set('copilot_out', wave(st.get('copilot_out')!.length, 2));
};

describe('copilot', () => {
  it('adds only the Copilot parameters and keeps the pilot trainable set', () => {
    const names = train(rec('apply copilot(width: 8)'))
      .params.filter((p) => p.trainable)
      .map((p) => p.name);
    expect(names).toContain('copilot_in');
    expect(names).toContain('copilot_out');
    expect(names).toContain('blocks.0.attn.q.weight');
  });

  it('the Copilot term is the MSE to the mistake log one_hot - softmax(pilot)', () => {
    const inp = tokenInputs(B, T, V, 1);
    // pilot logits: the base model; correction c: (fused - pilot) with lambda = 1
    const f = forward(rec('apply copilot(width: 8, lambda: 1.0)'));
    const st = f.initialValues(3);
    randomCopilot(st);
    const fused = evaluate(f.graph, { params: st, inputs: inp }).outputs.output;
    const pilot = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
    const tokens = inp.get('tokens') as Int32Array;
    const mask = inp.get('loss_mask') as Float32Array;
    let se = 0;
    let kept = 0;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T - 1; t++) {
        const m = mask[b * T + t + 1];
        if (!m) continue;
        kept++;
        const o = (b * T + t) * V;
        const mx = Math.max(...pilot.subarray(o, o + V));
        const z = Array.from(pilot.subarray(o, o + V), (v) => Math.exp(v - mx));
        const zs = z.reduce((a, c) => a + c, 0);
        for (let v = 0; v < V; v++) {
          const target = (tokens[b * T + t + 1] === v ? 1 : 0) - z[v] / zs;
          se += (fused[o + v] - pilot[o + v] - target) ** 2;
        }
      }
    const mse = se / (kept * V);
    const lossOf = (w: number) => {
      const b = train(rec(`apply copilot(width: 8, weight: ${w})`));
      const s = b.initialValues(3);
      randomCopilot(s);
      return step(b.graph, s, inp).loss[0];
    };
    expect(mse).toBeGreaterThan(0.01);
    expect(Math.abs(lossOf(1) - lossOf(0) - mse)).toBeLessThan(2e-6);
  });

  it("the Copilot never changes the Pilot's update (bit for bit)", () => {
    const after = (apply: string) => {
      const b = train(rec(apply));
      const st = b.initialValues(4);
      if (st.has('copilot_out')) randomCopilot(st);
      for (let s = 1; s <= 2; s++) step(b.graph, st, tokenInputs(B, T, V, s));
      return st;
    };
    const plain = after('');
    const co = after('apply copilot(width: 8, weight: 5.0)');
    for (const [k, v] of plain)
      if (!k.includes(':')) expect(Array.from(co.get(k)!), k).toEqual(Array.from(v));
  });

  it('lambda = 0 outputs the Pilot alone exactly', () => {
    const inp = tokenInputs(B, T, V, 2);
    const f = forward(rec('apply copilot(width: 8, lambda: 0.0)'));
    const st = f.initialValues(3);
    randomCopilot(st);
    const y = evaluate(f.graph, { params: st, inputs: inp }).outputs.output;
    const y0 = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
    expect(Array.from(y)).toEqual(Array.from(y0));
  });
});

describe('copilot on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('training steps (LoRA pilot + Copilot) equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(
      h,
      rec('apply lora(r: 2, targets: "blocks.*.attn.q")\n  apply copilot(width: 8)'),
      2,
      (s) => tokenInputs(B, T, V, s),
      randomCopilot,
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
