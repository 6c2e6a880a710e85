// LoFiT (stdlib/methods/lofit.ftl + compiler/features/head-select.ts): step 1's scales start
// at the base model and add l1 * sum |A| to the loss; selection returns exactly K heads by
// norm, largest first; step 2 trains exactly K * dh parameters and starts at the base model;
// both merge into the base weights; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headNorms, headsLiteral, topHeadsByNorm } from '../../compiler/features/head-select.ts';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.lofit\n' + gptRecipe(apply);
const A_NAMES = [0, 1, 2].map((l) => `blocks.${l}.attn.lofit_a`); // H = 2 heads of dh = 8
const out = (apply: string, st?: Store) => {
  const f = forward(rec(apply));
  return evaluate(f.graph, { params: st ?? f.initialValues(1), inputs: tokenInputs(4, 8, 16, 5) }).outputs
    .output;
};
function mergeMatches(apply: string) {
  const b = train(rec(apply));
  const st = b.initialValues(2);
  for (let s = 1; s <= 3; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
  const y = out(apply, st);
  const ym = out('', mergedParams(b.tree, st));
  const y0 = out('', st);
  let [diff, moved] = [0, 0];
  y.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - ym[i]));
    moved = Math.max(moved, Math.abs(v - y0[i]));
  });
  expect(diff).toBeLessThan(1e-5);
  expect(moved).toBeGreaterThan(1e-4);
}

describe('lofit', () => {
  it('step 1 starts at the base model and adds l1 * sum |A|', () => {
    expect(Array.from(out('apply lofit_scale(l1: 0.1)'))).toEqual(Array.from(out('')));
    const lossOf = (l1: number) => {
      const b = train(rec(`apply lofit_scale(l1: ${l1})`));
      const st = b.initialValues(1);
      A_NAMES.forEach((n, i) =>
        st.set(
          n,
          Float32Array.from({ length: 16 }, (_, j) => 0.1 * Math.sin(j + 5 * i)),
        ),
      );
      return { l: step(b.graph, st, tokenInputs(4, 8, 16, 1)).loss[0] };
    };
    let l1 = 0;
    for (const n of A_NAMES)
      for (let j = 0; j < 16; j++) l1 += Math.abs(0.1 * Math.sin(j + 5 * A_NAMES.indexOf(n)));
    expect(Math.abs(lossOf(0.5).l - lossOf(0).l - 0.5 * l1)).toBeLessThan(2e-6);
  });

  it('selection returns exactly K heads ordered by norm, and step 2 trains K * dh parameters', () => {
    const values = new Map(
      A_NAMES.map((n, i) => [
        n,
        Float32Array.from({ length: 16 }, (_, j) => Math.cos(j * 1.3 + i * 2.1) * (j < 8 ? i + 1 : 0.5)),
      ]),
    );
    const norms = headNorms(values, A_NAMES, 2);
    for (const k of [1, 3, 4]) {
      const top = topHeadsByNorm(values, A_NAMES, 2, k);
      expect(top.length).toBe(k);
      const ns = top.map(([l, h]) => norms.find((s) => s.layer === l && s.head === h)!.norm);
      for (let i = 1; i < k; i++) expect(ns[i]).toBeLessThanOrEqual(ns[i - 1]);
      const rest = norms.filter((s) => !top.some(([l, h]) => l === s.layer && h === s.head));
      for (const s of rest) expect(s.norm).toBeLessThanOrEqual(ns[k - 1]);
      const b = train(rec(`apply lofit_bias(heads: ${headsLiteral(top)})`));
      const count = b.params
        .filter((p) => p.trainable)
        .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
      expect(count).toBe(k * 8);
    }
  });

  it('step 2 with zero offsets equals the base model; offsets touch only the chosen heads', () => {
    const apply = 'apply lofit_bias(heads: [[0, 1], [2, 0]])';
    expect(Array.from(out(apply))).toEqual(Array.from(out('')));
    const f = forward(rec(apply));
    const st = f.initialValues(1);
    st.set(
      'blocks.0.attn.lofit_v',
      Float32Array.from({ length: 8 }, (_, j) => 0.1 * (j + 1)),
    );
    // equivalent: the same offset written into o's bias as W_o v (v placed at head 1's slots)
    const base = forward(rec(''));
    const bs = base.initialValues(1);
    const w = bs.get('blocks.0.attn.o.weight')!;
    const bias = Float32Array.from(bs.get('blocks.0.attn.o.bias')!);
    for (let r = 0; r < 16; r++) for (let j = 0; j < 8; j++) bias[r] += w[r * 16 + 8 + j] * 0.1 * (j + 1);
    bs.set('blocks.0.attn.o.bias', bias);
    const y = out(apply, st);
    const yr = out('', bs);
    y.forEach((v, i) => expect(Math.abs(v - yr[i])).toBeLessThan(1e-5));
  });

  it('both steps merge into the base weights within 1e-5', () => {
    mergeMatches('apply lofit_scale(l1: 1e-3)');
    mergeMatches('apply lofit_bias(heads: [[0, 1], [1, 0], [2, 1]])');
  });
});

describe('lofit on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('step-2 training equals the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec('apply lofit_bias(heads: [[0, 1], [2, 0]])'), 2, (s) =>
      tokenInputs(4, 8, 16, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
