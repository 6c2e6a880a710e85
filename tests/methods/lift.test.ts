// LIFT (stdlib/methods/lift.ftl): the mask is the top-k |W_r| of a rank-r approximation,
// checked against an independent orthogonal-iteration low-rank projection (on 32x32 and on
// the catalog's 64x64 matrices); only masked
// entries move, on CPU and on WebGPU, and optimizer state has k entries per matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, diffIndices, runCpu, runGpu, values } from './helpers.ts';

const recipe = `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lift
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 32, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  apply lift(rank: 4, density: 0.05, targets: "blocks.*.attn.{q,v}.weight")
  loss = causal_lm
  optim = adamw(lr: 1e-2, weight_decay: 0.0)
  train(steps: 3)
}`;

/** W_r = Q Q^T W with Q the top-r left singular subspace from orthogonal iteration on W W^T. */
function refLowRank(w: Float32Array, m: number, n: number, r: number): Float64Array {
  let q = Array.from({ length: r }, (_, j) =>
    Float64Array.from({ length: m }, (_, i) => Math.cos(i * 0.7 + j * 1.3 + i * j)),
  );
  const wwT = (x: Float64Array) => {
    const t = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) t[c] += w[i * n + c] * x[i];
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) y[i] += w[i * n + c] * t[c];
    return y;
  };
  for (let it = 0; it < 500; it++) {
    q = q.map(wwT);
    for (let j = 0; j < r; j++) {
      for (let k = 0; k < j; k++) {
        const d = q[j].reduce((a, v, i) => a + v * q[k][i], 0);
        q[j] = q[j].map((v, i) => v - d * q[k][i]);
      }
      const nn = Math.sqrt(q[j].reduce((a, v) => a + v * v, 0));
      q[j] = q[j].map((v) => v / nn);
    }
  }
  const out = new Float64Array(m * n);
  for (const u of q)
    for (let c = 0; c < n; c++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += u[i] * w[i * n + c];
      for (let i = 0; i < m; i++) out[i * n + c] += u[i] * d;
    }
  return out;
}

const topK = (xs: ArrayLike<number>, k: number) =>
  Array.from({ length: xs.length }, (_, i) => i)
    .sort((a, b) => Math.abs(xs[b]) - Math.abs(xs[a]))
    .slice(0, k)
    .sort((a, b) => a - b);

const b = build(recipe);
const names = ['blocks.0.attn.q.weight', 'blocks.0.attn.v.weight'];

describe('lift', () => {
  it('selects the top-k |W_r| entries of the reference rank-r approximation', () => {
    const init = b.initialValues(0);
    for (const name of names) {
      const k = Math.round(0.05 * 32 * 32);
      const ref = topK(refLowRank(init.get(name)!, 32, 32, 4), k);
      expect(Array.from(init.get(`${name}#mask.idx`)!)).toEqual(ref);
      // Optimizer state: k entries per moment.
      const st = b.params.filter((p) => p.role === 'state' && p.param === `${name}#mask[${k}]`);
      expect(st.map((p) => p.shape)).toEqual([[k], [k]]);
    }
    expect(b.params.filter((p) => p.trainable).map((p) => p.name)).toEqual(names.map((n) => `${n}#mask[51]`));
  });

  it('on a 64x64 matrix the mask is exactly the reference top-k |W_r| indices', () => {
    // The catalog's size: d = 64, so q and v are 64x64; selection only, no training.
    const b64 = build(recipe.replace('d: 32', 'd: 64'));
    const init = b64.initialValues(0);
    const k = Math.round(0.05 * 64 * 64);
    for (const name of names) {
      expect(b64.params.find((p) => p.name === name)?.shape).toEqual([64, 64]);
      const ref = topK(refLowRank(init.get(name)!, 64, 64, 4), k);
      expect(Array.from(init.get(`${name}#mask.idx`)!)).toEqual(ref);
      const st = b64.params.filter((p) => p.role === 'state' && p.param === `${name}#mask[${k}]`);
      expect(st.map((p) => p.shape)).toEqual([[k], [k]]);
    }
  });

  it('changes only masked entries on the CPU', () => {
    const before = values(b, new Map(b.initialValues(0)));
    const after = values(b, runCpu(b, 3).store);
    for (const [name, v] of before) {
      const d = diffIndices(v, after.get(name)!);
      const idx = Array.from(b.initialValues(0).get(`${name}#mask.idx`) ?? []);
      if (names.includes(name)) {
        expect(d.length).toBeGreaterThan(0);
        expect(d.every((i) => idx.includes(i))).toBe(true);
      } else expect(d, name).toEqual([]);
    }
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('matches the CPU run and keeps unmasked entries bit-identical', async () => {
      const before = values(b, new Map(b.initialValues(0)));
      const g = await runGpu(h, b, 3);
      const c = runCpu(b, 3);
      g.losses.forEach((l, i) =>
        expect(Math.abs(l - c.losses[i])).toBeLessThan(1e-4 * Math.abs(c.losses[i])),
      );
      const after = values(b, g.store);
      const cpuAfter = values(b, c.store);
      for (const name of names) {
        const idx = new Set(Array.from(b.initialValues(0).get(`${name}#mask.idx`)!));
        const d = diffIndices(before.get(name)!, after.get(name)!);
        expect(d.length).toBeGreaterThan(0);
        expect(d.every((i) => idx.has(i))).toBe(true);
        after.get(name)!.forEach((v, i) => expect(Math.abs(v - cpuAfter.get(name)![i])).toBeLessThan(1e-4));
      }
    }, 60_000);
  });
});
