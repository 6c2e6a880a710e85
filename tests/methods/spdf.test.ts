// SPDF (stdlib/methods/spdf.ftl): during the sparse phase the merged weights W * M are
// exactly zero at masked entries after every step and the model computes the same loss as
// a dense model holding W * M; the dense phase starts from the merged weights and the
// previously zero entries receive non-zero updates (CPU; sparse phase also on WebGPU).
// Both phases in one recipe (`stage dense { drop spdf_sparse merged }`, the stage carry of
// runtime/train/stages.ts `stageCarry`): the dense stage has no mask, starts from exactly
// W * M of the sparse stage's final weights (without `merged`: from W itself), and its
// masked entries move in its first step; examples/methods/spdf.ftl runs end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';
import { runRecipe } from '../../runtime/train/run.ts';
import { carryInto, stageCarry } from '../../runtime/train/stages.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, gpuVsCpu, runCpu } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
import std.methods.spdf
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = sgd(lr: 0.1)
  train(steps: 3)
}`;
const sparse = build(recipe('apply spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*")'));
const dense = build(recipe(''));
const W = ['blocks.0.mlp.fc', 'blocks.0.mlp.proj'];
const init0 = sparse.initialValues(0);
const maskOf = (m: string) => init0.get(`${m}.spdf_mask`)!;
const maskedIdx = new Map(W.map((m) => [m, [...maskOf(m).keys()].filter((i) => maskOf(m)[i] === 0)]));
const masked = (m: string) => maskedIdx.get(m)!;

describe('spdf', () => {
  it('keeps masked weights at exactly zero through the sparse phase', () => {
    for (const m of W) expect(masked(m).length).toBe(0.75 * 1024);
    let store = new Map(sparse.initialValues(0));
    for (let s = 1; s <= 3; s++) {
      store = runCpu(sparse, 1, store, () => batchFor(sparse, s)).store as typeof store;
      const merged = mergedParams(sparse.tree, store);
      for (const m of W) expect(masked(m).every((i) => merged.get(`${m}.weight`)![i] === 0)).toBe(true);
    }
  });

  it('computes the loss of the dense model holding W * M', () => {
    const init = new Map(sparse.initialValues(0));
    const start = carryInto(sparse, init, dense, 0, { merge: true }) as Map<string, TypedArray>;
    const feed = batchFor(sparse, 1);
    const a = evaluate(sparse.graph, { params: init as Map<string, TypedArray>, inputs: feed }).outputs
      .loss[0];
    const b = evaluate(dense.graph, { params: start, inputs: feed }).outputs.loss[0];
    expect(Math.abs(a - b)).toBeLessThan(1e-5);
  });

  it('the dense phase updates the previously zero entries', () => {
    const s1 = runCpu(sparse, 3).store;
    const start = carryInto(sparse, s1, dense, 0, { merge: true });
    const zeros = new Map(W.map((m) => [m, masked(m)]));
    for (const m of W)
      expect(zeros.get(m)!.every((i) => (start.get(`${m}.weight`) as Float32Array)[i] === 0)).toBe(true);
    const after = runCpu(dense, 1, start).store;
    for (const m of W) {
      const moved = zeros.get(m)!.filter((i) => (after.get(`${m}.weight`) as Float32Array)[i] !== 0);
      expect(moved.length).toBeGreaterThan(zeros.get(m)!.length / 2);
    }
  });

  describe('in one recipe: stage `dense` drops spdf_sparse merged', () => {
    const staged = (merged: string) =>
      recipe(`stage sparse { apply spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*") }
  stage dense { drop spdf_sparse${merged} }`);
    const sp = build(staged(' merged'), 'sparse');
    const dn = build(staged(' merged'), 'dense');
    const s1 = runCpu(sp, 3, new Map(sp.initialValues(0))).store;
    const get = (st: Map<string, unknown>, n: string) => st.get(n) as Float32Array;

    it('the dense stage has no mask and its drop says merged', () => {
      expect(dn.drops?.map((d) => [d.method.name.name, d.merged])).toEqual([['spdf_sparse', true]]);
      expect(dn.params.filter((p) => p.name.includes('spdf'))).toEqual([]);
      expect(dn.params.map((p) => p.name).sort()).toEqual(dense.params.map((p) => p.name).sort());
    });

    it('starts from exactly W * M of the sparse stage (masked entries 0), and they move', () => {
      const start = stageCarry(sp, s1, dn);
      for (const m of W) {
        const w = get(s1, `${m}.weight`);
        const mask = get(s1, `${m}.spdf_mask`);
        // the sparse stage left the masked entries of W itself non-zero (zero gradient)
        expect(masked(m).filter((i) => w[i] !== 0).length).toBeGreaterThan(masked(m).length / 2);
        expect(Array.from(get(start, `${m}.weight`))).toEqual(Array.from(w, (x, i) => x * mask[i]));
      }
      // every other weight carries as it was
      for (const p of dn.params)
        if (!W.some((m) => p.name === `${m}.weight`) && p.role === 'param')
          expect(Array.from(get(start, p.name)), p.name).toEqual(Array.from(get(s1, p.name)));
      // the dense model at its start computes the sparse model's loss
      const feed = batchFor(sp, 4);
      const a = evaluate(sp.graph, { params: s1 as Map<string, TypedArray>, inputs: feed }).outputs.loss[0];
      const b = evaluate(dn.graph, { params: start as Map<string, TypedArray>, inputs: feed }).outputs
        .loss[0];
      expect(Math.abs(a - b)).toBeLessThan(1e-5);
      const after = runCpu(dn, 1, new Map(start)).store;
      for (const m of W) {
        const moved = masked(m).filter((i) => get(after, `${m}.weight`)[i] !== 0);
        expect(moved.length).toBeGreaterThan(masked(m).length / 2);
      }
    });

    it('a method that composes spdf_sparse (`apply` in its body) merges the same when dropped', () => {
      const wrapped = recipe(`stage sparse { apply sparse_mlp() }
  stage dense { drop sparse_mlp merged }`).replace(
        'recipe r {',
        'method sparse_mlp() { apply spdf_sparse(sparsity: 0.75, targets: "blocks.*.mlp.*") }\nrecipe r {',
      );
      const wsp = build(wrapped, 'sparse');
      const wdn = build(wrapped, 'dense');
      expect(wdn.drops?.[0].methods.map((m) => m.name.name)).toEqual(['sparse_mlp', 'spdf_sparse']);
      const start = stageCarry(wsp, s1, wdn);
      for (const m of W) {
        const mask = get(s1, `${m}.spdf_mask`);
        const w = get(s1, `${m}.weight`);
        expect(Array.from(get(start, `${m}.weight`))).toEqual(Array.from(w, (x, i) => x * mask[i]));
      }
    });

    it('without `merged` the dense stage starts from W itself', () => {
      const plainDrop = build(staged(''), 'dense');
      expect(plainDrop.drops?.map((d) => d.merged)).toEqual([false]);
      const start = stageCarry(sp, s1, plainDrop);
      for (const m of W)
        expect(Array.from(get(start, `${m}.weight`))).toEqual(Array.from(get(s1, `${m}.weight`)));
    });

    it('examples/methods/spdf.ftl runs both stages; the dense stage starts its masked entries at 0', async () => {
      const out = mkdtempSync(join(tmpdir(), 'spdf-'));
      try {
        const r = await runRecipe('examples/methods/spdf.ftl', { device: 'cpu', out, steps: 1 });
        expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
        expect(r.stages!.map((s) => s.name)).toEqual(['sparse', 'dense']);
        const f = readSafetensors(join(out, 'sparse', 'model.safetensors'));
        if (!f.ok) throw new Error(f.diagnostics[0].message);
        const store = r.store as Map<string, Float32Array>;
        expect([...store.keys()].filter((n) => n.includes('spdf'))).toEqual([]);
        // One AdamW step (lr 3e-3, no weight decay) moves an entry by at most lr: entries that
        // started at 0 end within lr of 0; the sparse stage's own W there is mostly farther.
        const lr = 3e-3;
        for (const l of [0, 1])
          for (const p of ['fc', 'proj']) {
            const t = f.value.tensors;
            const mask = t[`blocks.${l}.mlp.${p}.spdf_mask`].data;
            const w1 = t[`blocks.${l}.mlp.${p}.weight`].data;
            const zeros = [...mask.keys()].filter((i) => mask[i] === 0);
            expect(zeros.filter((i) => Math.abs(w1[i]) > lr).length).toBeGreaterThan(zeros.length / 2);
            const w = store.get(`blocks.${l}.mlp.${p}.weight`)!;
            expect(zeros.filter((i) => Math.abs(w[i]) > lr * 1.0001)).toEqual([]);
            expect(zeros.filter((i) => Math.abs(w[i]) > lr / 10).length).toBeGreaterThan(zeros.length / 2);
          }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 60_000);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('the sparse phase matches the CPU and W * M stays zero at masked entries', async () => {
      const r = await gpuVsCpu(h, sparse, 3);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      for (const m of W) {
        const w = r.after.get(`${m}.weight`)!;
        expect(masked(m).every((i) => w[i] * maskOf(m)[i] === 0)).toBe(true);
        expect(r.changed).toContain(`${m}.weight`);
      }
    }, 60_000);
  });
});
