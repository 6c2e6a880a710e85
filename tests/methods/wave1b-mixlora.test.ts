// MixLoRA (stdlib/methods/mixlora.ftl) and the topk_mask router builtin: zero B_e leaves the
// model exactly the base model whatever the router; top-k masks keep exactly k experts per
// token (checked against a sort in TypeScript); the Switch balance term is 1 for uniform
// routing; CPU and WebGPU training agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk } from '../../compiler/ir/node.ts';
import { topkMask } from '../../compiler/features/routing-taps.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.mixlora\n' + gptRecipe(apply);
const MIX = 'apply mixlora(experts: 4, k: 2, r: 2, balance: 0.0)';
const seeded = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 0.7);

describe('mixlora', () => {
  it('with every B_e = 0 equals the base model exactly, whatever the router', () => {
    const base = forward(rec(''));
    const mix = forward(rec(MIX));
    const pb = base.initialValues(1);
    const pm = mix.initialValues(1);
    let i = 0;
    for (const [k, v] of pm) if (/\.(router|fc_a|proj_a)$/.test(k)) pm.set(k, seeded(v.length, ++i));
    const inp = tokenInputs(4, 8, 16, 0);
    const yb = evaluate(base.graph, { params: pb, inputs: inp }).outputs.output;
    const ym = evaluate(mix.graph, { params: pm, inputs: inp }).outputs.output;
    expect(Array.from(ym)).toEqual(Array.from(yb));
  });

  it('on Llama SwiGLU MLPs: exact start whatever the router, experts on gate/up/down only', () => {
    const llama = (apply: string) =>
      gptRecipe(apply)
        .replace(
          'import std.models.gpt2',
          'import std.models.gpt2\nimport std.models.llama\nimport std.methods.mixlora',
        )
        .replace(
          /model = gpt2\([^)]*\)/,
          'model = llama(vocab: 16, d: 16, heads: 2, kv_heads: 1, n_layers: 2, hidden: 24)',
        );
    const apply = 'apply mixlora(experts: 3, k: 2, r: 2, targets: "layers.*.mlp")';
    const base = forward(llama(''));
    const mix = forward(llama(apply));
    const pm = mix.initialValues(1);
    let i = 0;
    for (const [k, v] of pm) if (/\.(router|gate_a|up_a|down_a)$/.test(k)) pm.set(k, seeded(v.length, ++i));
    const inp = tokenInputs(4, 8, 16, 0);
    const yb = evaluate(base.graph, { params: base.initialValues(1), inputs: inp }).outputs.output;
    const ym = evaluate(mix.graph, { params: pm, inputs: inp }).outputs.output;
    expect(Array.from(ym)).toEqual(Array.from(yb));
    // and a nonzero B_e moves it
    for (const [k, v] of pm) if (/\.(gate_b|up_b|down_b)$/.test(k)) pm.set(k, seeded(v.length, ++i));
    const ym2 = evaluate(mix.graph, { params: pm, inputs: inp }).outputs.output;
    expect(Array.from(ym2)).not.toEqual(Array.from(yb));
    const t = train(llama(apply))
      .params.filter((p) => p.trainable)
      .map((p) => p.name);
    expect(t.length).toBe(2 * 7);
    for (const n of t) expect(n).toMatch(/^layers\.\d\.mlp\.(router|(gate|up|down)_[ab])$/);
  });

  it('topk_mask keeps exactly k entries per row: the k largest', () => {
    const [rows, n, k] = [37, 6, 3];
    const x = seeded(rows * n, 5);
    x[7] = x[8]; // a tie: the lower index wins
    const g = {
      outputs: { m: topkMask(mk('input', [], { name: 'x' }, { shape: [rows, n], dtype: 'f32' }), k) },
      updates: [],
    };
    const m = evaluate(g as never, { params: new Map(), inputs: new Map([['x', x]]) }).outputs.m;
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * n, r * n + n));
      const order = row
        .map((v, j) => [v, j])
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, k)
        .map((p) => p[1]);
      const want = row.map((_, j) => (order.includes(j) ? 1 : 0));
      expect(Array.from(m.subarray(r * n, r * n + n))).toEqual(want);
    }
  });

  it('the Switch balance term is exactly 1 for uniform routing (zero routers)', () => {
    const zeroRouters = (s: Store) => {
      for (const [k, v] of s) if (k.endsWith('.router')) s.set(k, new Float32Array(v.length));
    };
    const loss = (w: number, k: number) => {
      const b = train(rec(`apply mixlora(experts: 4, k: ${k}, r: 2, balance: ${w})`));
      const st = b.initialValues(3);
      zeroRouters(st);
      return step(b.graph, st, tokenInputs(4, 8, 16, 1)).loss[0];
    };
    for (const k of [1, 2]) expect(loss(0.5, k) - loss(0, k)).toBeCloseTo(0.5, 5);
  });

  it('trains only routers and expert factors (and attention LoRA when asked)', () => {
    const b = train(rec('apply mixlora(experts: 2, k: 1, r: 2, attn_r: 2)'));
    const t = b.params.filter((p) => p.trainable).map((p) => p.name);
    for (const n of t) expect(n).toMatch(/mlp\.(router|fc_a|fc_b|proj_a|proj_b)$|attn\.[qv]\.lora_[ab]$/);
    expect(t.length).toBe(3 * 5 + 3 * 2 * 2);
  });
});

describe('mixlora on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('3 training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec('apply mixlora(experts: 4, k: 2, r: 2, balance: 0.01)'), 3, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
    expect(r.cpu[2]).not.toBe(r.cpu[0]);
  }, 120_000);
});
