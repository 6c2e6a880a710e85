// Locret (stdlib/methods/locret.ftl): the retaining heads' targets equal the max attention
// each unit receives from later queries, computed here from the model's weights (layer 0 of a
// GPT-2, first two moments of the target); the backbone is bit-identical after training and
// its outputs are unchanged; locret_keep keeps exactly the budgeted highest-scored units;
// CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk } from '../../compiler/ir/node.ts';
import { topkMask } from '../../compiler/features/routing-taps.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.locret\n' + gptRecipe(apply);
const [B, T, V, D, H] = [4, 8, 16, 16, 2];
const DH = D / H;

/** max_i>=j softmax(q_i k^T / sqrt(dh))_j for layer 0, per (b, j, h), from the weights. */
function targets(st: Store, tokens: Int32Array): number[] {
  const g = (n: string) => st.get(n) as Float32Array;
  const [wte, wpe, lw, lb] = [
    g('wte.weight'),
    g('wpe.weight'),
    g('blocks.0.ln_1.weight'),
    g('blocks.0.ln_1.bias'),
  ];
  const lin = (x: number[], w: Float32Array, b: Float32Array) =>
    Array.from({ length: D }, (_, o) => b[o] + x.reduce((a, xi, i) => a + xi * w[o * D + i], 0));
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const q: number[][] = [];
    const k: number[][] = [];
    for (let t = 0; t < T; t++) {
      const x = Array.from({ length: D }, (_, i) => wte[tokens[b * T + t] * D + i] + wpe[t * D + i]);
      const mu = x.reduce((a, c) => a + c, 0) / D;
      const va = x.reduce((a, c) => a + (c - mu) ** 2, 0) / D;
      const h = x.map((c, i) => ((c - mu) / Math.sqrt(va + 1e-5)) * lw[i] + lb[i]);
      q.push(lin(h, g('blocks.0.attn.q.weight'), g('blocks.0.attn.q.bias')));
      k.push(lin(h, g('blocks.0.attn.k.weight'), g('blocks.0.attn.k.bias')));
    }
    for (let j = 0; j < T; j++)
      for (let hd = 0; hd < H; hd++) {
        let best = 0;
        for (let i = j; i < T; i++) {
          const s = Array.from({ length: i + 1 }, (_, jj) => {
            let d = 0;
            for (let c = 0; c < DH; c++) d += q[i][hd * DH + c] * k[jj][hd * DH + c];
            return d / Math.sqrt(DH);
          });
          const mx = Math.max(...s);
          const z = s.map((v) => Math.exp(v - mx));
          best = Math.max(best, z[j] / z.reduce((a, c) => a + c, 0));
        }
        out.push(best);
      }
  }
  return out;
}

describe('locret', () => {
  it('targets are the max future attention of every unit (layer 0, checked in TypeScript)', () => {
    const inp = tokenInputs(B, T, V, 1);
    const t = targets(train(rec('')).initialValues(6), inp.get('tokens') as Int32Array);
    const m1 = t.reduce((a, c) => a + c, 0) / t.length;
    const m2 = t.reduce((a, c) => a + c * c, 0) / t.length;
    const lossWith = (c: number) => {
      const b = train(rec('apply locret(hidden: 4, targets: "blocks.0.attn")'));
      const st = b.initialValues(6);
      st.set('blocks.0.attn.retain_w2', new Float32Array(H * 4));
      st.set('blocks.0.attn.retain_b', new Float32Array(H).fill(c));
      return step(b.graph, st, inp).loss[0];
    };
    expect(Math.abs(lossWith(0) - m2)).toBeLessThan(1e-6);
    expect(Math.abs(lossWith(1) - (m2 - 2 * m1 + 1))).toBeLessThan(1e-6);
    expect(m1).toBeGreaterThan(0.2); // the last unit always gets >= 1/T, the first 1 from itself
  });

  it('leaves the backbone bit-identical and its outputs unchanged', () => {
    const inp = tokenInputs(B, T, V, 2);
    const f = forward(rec('apply locret(hidden: 4)'));
    const y = evaluate(f.graph, { params: f.initialValues(1), inputs: inp }).outputs.output;
    const y0 = evaluate(forward(rec('')).graph, { params: f.initialValues(1), inputs: inp }).outputs.output;
    expect(Array.from(y)).toEqual(Array.from(y0));
    const b = train(rec('apply locret(hidden: 4)'));
    const st = b.initialValues(2);
    const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
    const losses = [1, 2, 3].map((s) => step(b.graph, st, tokenInputs(B, T, V, s)).loss[0]);
    for (const p of b.params.filter((q) => !q.name.includes(':'))) {
      const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
      expect(same, p.name).toBe(!/\.retain_(w1|w2|b)$/.test(p.name));
    }
    expect(losses[2]).toBeLessThan(losses[0]);
  });

  it('eviction keeps exactly the budgeted number of units, the highest-scored ones', () => {
    const [b, t, h, budget] = [2, 12, 3, 5];
    const s = Float32Array.from({ length: b * t * h }, (_, i) => Math.sin(i * 1.7) + Math.cos(i * 0.3));
    const node = mk('input', [], { name: 's' }, { shape: [b, t, h], dtype: 'f32' });
    const keep = evaluate({ outputs: { k: topkMask(node, budget, 1) }, updates: [] } as never, {
      params: new Map(),
      inputs: new Map([['s', s]]),
    }).outputs.k;
    for (let bi = 0; bi < b; bi++)
      for (let hi = 0; hi < h; hi++) {
        const col = Array.from({ length: t }, (_, j) => s[(bi * t + j) * h + hi]);
        const kept = col.map((_, j) => keep[(bi * t + j) * h + hi]);
        expect(kept.reduce((a, c) => a + c, 0)).toBe(budget);
        const thr = [...col].sort((x, y) => y - x)[budget - 1];
        col.forEach((v, j) => expect(kept[j]).toBe(v >= thr ? 1 : 0));
      }
  });
});

describe('locret on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec('apply locret(hidden: 4)'), 2, (s) => tokenInputs(B, T, V, s));
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i]) + 1e-6));
  }, 120_000);
});
