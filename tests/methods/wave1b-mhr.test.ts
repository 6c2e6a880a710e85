// MHR / MHR-z / MHR-mu (stdlib/methods/mhr.ftl): one-hot routing reproduces one inventory
// adapter exactly; the routed adapter equals Poly's / MHR's mixing computed here in
// TypeScript (heads = 1 is Poly); MHR-z changes only the routing; MHR-mu starts from the
// inventory mean; merge equals the unmerged model; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.mhr\n' + gptRecipe(apply);
const TG = 'targets: "blocks.*.attn.{q,v}"';
const SITES = ['0.attn.q', '0.attn.v', '1.attn.q', '1.attn.v', '2.attn.q', '2.attn.v'].map(
  (s) => `blocks.${s}`,
);
const [M, R, D] = [3, 2, 16]; // inventory, rank, width (q, v are 16 -> 16)
const wave = (n: number, s: number) =>
  Float32Array.from({ length: n }, (_, i) => 0.2 * Math.sin(i * 0.7 + s));

/** The routed (A, B) of MHR with `heads` blocks, computed independently from the inventory. */
function routed(st: Store, site: string, heads: number) {
  const ia = st.get(`${site}.inv_a`)!; // (M, R, D)
  const ib = st.get(`${site}.inv_b`)!; // (M, D, R)
  const z = st.get(`${site}.routing`)!; // (1, heads, M)
  const w = Array.from({ length: heads }, (_, k) => {
    const s = Array.from({ length: M }, (_, j) => 1 / (1 + Math.exp(-z[k * M + j])));
    const t = s.reduce((a, b) => a + b, 0);
    return s.map((v) => v / t);
  });
  const blk = D / heads;
  const a = new Float32Array(R * D);
  const b = new Float32Array(D * R);
  for (let j = 0; j < M; j++)
    for (let i = 0; i < R; i++)
      for (let c = 0; c < D; c++) {
        a[i * D + c] += w[Math.floor(c / blk)][j] * ia[j * R * D + i * D + c];
        b[c * R + i] += w[Math.floor(c / blk)][j] * ib[j * D * R + c * R + i];
      }
  return { a, b };
}

/** Outputs of MHR (random inventory, routing from `z`) and of plain LoRA with `ab(site)`. */
function compare(
  heads: number,
  z: (site: number) => Float32Array,
  ab: (st: Store, site: string) => { a: Float32Array; b: Float32Array },
) {
  const apply = `apply mhr(inventory: ${M}, heads: ${heads}, r: ${R}, alpha: 4.0, ${TG})`;
  const f = forward(rec(apply));
  const st = f.initialValues(1);
  SITES.forEach((s, i) => {
    st.set(`${s}.inv_a`, wave(M * R * D, i));
    st.set(`${s}.inv_b`, wave(M * D * R, i + 10));
    st.set(`${s}.routing`, z(i));
  });
  const lf = forward(rec(`apply lora(r: ${R}, alpha: 4.0, ${TG})`));
  const ls = lf.initialValues(1);
  for (const s of SITES) {
    const { a, b } = ab(st, s);
    ls.set(`${s}.lora_a`, a);
    ls.set(`${s}.lora_b`, b);
  }
  const inp = tokenInputs(4, 8, 16, 3);
  return {
    mhr: evaluate(f.graph, { params: st, inputs: inp }).outputs.output,
    lora: evaluate(lf.graph, { params: ls, inputs: inp }).outputs.output,
    base: evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output,
  };
}

describe('mhr', () => {
  it('one-hot routing reproduces that single inventory adapter exactly', () => {
    const j = 1;
    const oneHot = () => Float32Array.from({ length: 2 * M }, (_, i) => (i % M === j ? 30 : -200));
    const r = compare(2, oneHot, (st, s) => ({
      a: (st.get(`${s}.inv_a`) as Float32Array).slice(j * R * D, (j + 1) * R * D),
      b: (st.get(`${s}.inv_b`) as Float32Array).slice(j * D * R, (j + 1) * D * R),
    }));
    expect(Array.from(r.mhr)).toEqual(Array.from(r.lora));
    expect(Array.from(r.mhr)).not.toEqual(Array.from(r.base));
  });

  for (const heads of [1, 2, 4])
    it(`heads = ${heads}${heads === 1 ? ' (Poly)' : ''}: the routed adapter equals the per-block mix`, () => {
      const r = compare(
        heads,
        (i) => wave(heads * M, 20 + i).map((v) => v * 10),
        (st, s) => routed(st, s, heads),
      );
      r.mhr.forEach((v, i) => expect(Math.abs(v - r.lora[i])).toBeLessThan(1e-6));
    });

  it('MHR-z trains only the routing; every other tensor is bit-identical', () => {
    const b = train(rec(`apply mhr(inventory: ${M}, r: ${R}, train_adapters: false, ${TG})`));
    expect(b.params.filter((p) => p.trainable).every((p) => p.name.endsWith('.routing'))).toBe(true);
    const st = b.initialValues(1);
    SITES.forEach((s, i) => st.set(`${s}.inv_b`, wave(M * D * R, i)));
    const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
    for (let s = 1; s <= 2; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    for (const p of b.params.filter((q) => !q.name.includes(':'))) {
      const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
      expect(same, p.name).toBe(!p.name.endsWith('.routing'));
    }
  });

  it("MHR-mu's starting adapter is the inventory mean", () => {
    const b = train(rec(`apply mhr_mu(inventory: ${M}, r: ${R}, ${TG})`));
    const st = b.initialValues(5);
    for (const s of SITES)
      for (const [f, inv, n] of [
        ['lora_a', 'inv_a', R * D],
        ['lora_b', 'inv_b', D * R],
      ] as const) {
        const v = st.get(`${s}.${inv}`)!;
        const mean = Float32Array.from({ length: n }, (_, i) => (v[i] + v[n + i] + v[2 * n + i]) / 3);
        st.get(`${s}.${f}`)!.forEach((x, i) =>
          expect(Math.abs(x - mean[i])).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(mean[i]))),
        );
      }
    expect(b.params.filter((p) => p.trainable).every((p) => /lora_[ab]$/.test(p.name))).toBe(true);
  });

  it('merge folds the routed adapter: equal to the unmerged model within 1e-5', () => {
    const apply = `apply mhr(inventory: ${M}, r: ${R}, ${TG})`;
    const b = train(rec(apply));
    const st = b.initialValues(2);
    for (let s = 1; s <= 3; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    const inp = tokenInputs(4, 8, 16, 9);
    const y = evaluate(forward(rec(apply)).graph, { params: st, inputs: inp }).outputs.output;
    const ym = evaluate(forward(rec('')).graph, { params: mergedParams(b.tree, st), inputs: inp }).outputs
      .output;
    const y0 = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
    let [diff, moved] = [0, 0];
    y.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - ym[i]));
      moved = Math.max(moved, Math.abs(v - y0[i]));
    });
    expect(diff).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-4);
  });
});

describe('mhr on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('3 training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(`apply mhr(inventory: ${M}, r: ${R}, ${TG})`), 3, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
