// ABMLL (stdlib/methods/abmll.ftl): the ELBO's KL term equals the closed-form Gaussian KL
// computed here in float64; with beta = 0 and variances -> 0 training follows deterministic
// LoRA step for step; merging the posterior mean equals the (near-deterministic) model;
// CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.abmll\n' + gptRecipe(apply);
const T = 'targets: "blocks.*.attn.{q,v}"';

function kl64(st: Store, prefix: string, priorStd: number): number {
  const mu = st.get(`${prefix}.mu_a`)!;
  let k = 0;
  for (const ab of ['a', 'b']) {
    const m = st.get(`${prefix}.mu_${ab}`)!;
    const lv = st.get(`${prefix}.logvar_${ab}`)!;
    const g = st.get(`${prefix}.lora_${ab}`)!;
    for (let i = 0; i < m.length; i++)
      k +=
        Math.log(priorStd) - 0.5 * lv[i] + (Math.exp(lv[i]) + (m[i] - g[i]) ** 2) / (2 * priorStd ** 2) - 0.5;
  }
  return mu ? k : NaN;
}

describe('abmll', () => {
  it('the KL term equals the closed-form Gaussian KL', () => {
    const loss = (beta: number) => {
      const b = train(rec(`apply abmll(r: 2, beta: ${beta}, prior_std: 0.5, ${T})`));
      const st = b.initialValues(4);
      let i = 0;
      for (const [k, v] of st)
        if (/\.(mu_[ab]|logvar_[ab])$/.test(k))
          st.set(
            k,
            v.map((x, j) =>
              k.includes('logvar') ? -2 + 0.5 * Math.sin(j + ++i) : x + 0.1 * Math.cos(j * 3 + i),
            ),
          );
      let kl = 0;
      for (const site of ['0.attn.q', '0.attn.v', '1.attn.q', '1.attn.v', '2.attn.q', '2.attn.v'])
        kl += kl64(st, `blocks.${site}`, 0.5);
      return { l: step(b.graph, st, tokenInputs(4, 8, 16, 1)).loss[0], kl };
    };
    const a = loss(0);
    const b = loss(1);
    expect(b.kl).toBeGreaterThan(1);
    expect(Math.abs(b.l - a.l - b.kl)).toBeLessThan(1e-6 * b.kl + 4e-6);
  });

  it('with beta = 0 and variances -> 0 it trains exactly like deterministic LoRA', () => {
    const run = (apply: string) => {
      const b = train(rec(apply));
      const st = b.initialValues(7);
      return [1, 2, 3, 4].map((s) => step(b.graph, st, tokenInputs(4, 8, 16, s)).loss[0]);
    };
    const bayes = run(`apply abmll(r: 2, alpha: 4.0, beta: 0.0, init_logvar: -80.0, ${T})`);
    const lora = run(`apply lora(r: 2, alpha: 4.0, ${T})`);
    bayes.forEach((v, i) => expect(Math.abs(v - lora[i])).toBeLessThan(1e-6));
    expect(lora[3]).not.toBe(lora[0]);
  });

  it('merging the posterior mean equals the model within 1e-5', () => {
    const apply = `apply abmll(r: 2, init_logvar: -80.0, ${T})`;
    const b = train(rec(apply));
    const st = b.initialValues(2);
    for (let s = 1; s <= 3; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    const inp = tokenInputs(4, 8, 16, 9);
    const y = evaluate(forward(rec(apply)).graph, { params: st, inputs: inp }).outputs.output;
    const ym = evaluate(forward(rec('')).graph, { params: mergedParams(b.tree, st), inputs: inp }).outputs
      .output;
    const y0 = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
    let diff = 0;
    let moved = 0;
    y.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - ym[i]));
      moved = Math.max(moved, Math.abs(v - y0[i]));
    });
    expect(diff).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-4);
  });
});

describe('abmll on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('3 training steps (sampled LoRA factors) equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(`apply abmll(r: 2, init_logvar: -4.0, ${T})`), 3, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
