// S2FT (stdlib/methods/s2ft.ftl): co-permuting the FFN weights leaves the loss unchanged
// (1e-6) and moves the drawn channels' fc rows to the front; only the dense submatrix
// proj[:, 0 .. channels] trains, with optimizer state of that size (CPU and WebGPU).
// Attention heads: the drawn heads' q/k/v row blocks (and biases) and o's column blocks
// move to the front together (recovered in the test by matching row blocks against the
// unpermuted weights), the loss is unchanged (1e-6) on several batches, and after training
// only o[:, 0 .. heads * dh] differs (CPU and WebGPU). Memory: examples/methods/s2ft.ftl's
// plan keeps only the selected channels' activations (the saved slice lets the full FFN
// activation die in the forward): fewer planned bytes than with the save-early rule off,
// and the proj weight gradient is computed on the slice (fewer backward FLOPs than the
// same graph without the narrowing pass).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { compile } from '../../compiler/compile.ts';
import { DEFAULT_LIMITS } from '../../compiler/plan/lower.ts';
import { planBytes } from '../../compiler/plan/plan.ts';
import { SAVE_EARLY } from '../../compiler/optimize/save-early.ts';
import { narrowSlicedMatmuls } from '../../compiler/passes/slice-matmul.ts';
import { classify, compileReport, flopsOf } from '../../compiler/optimize/report.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { batchFor, build, diffIndices, gpuVsCpu, runCpu, values, webgpuChangesLikeCpu } from './helpers.ts';

const recipe = (apply: string, heads = 2) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.s2ft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: ${heads}, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 2)
}`;
const CH = 4;
const b = build(recipe(`apply s2ft(channels: ${CH}, seed: 3)`));
const plain = build(recipe(''));
const lossOf = (x: typeof b, s: number) =>
  evaluate(x.graph, {
    params: new Map(x.initialValues(0)) as Map<string, TypedArray>,
    inputs: batchFor(x, s),
  }).outputs.loss[0];

describe('s2ft', () => {
  it('co-permutation keeps the function and brings the chosen channels first', () => {
    const feed = batchFor(b, 1);
    const loss = (x: typeof b) =>
      evaluate(x.graph, { params: new Map(x.initialValues(0)) as Map<string, TypedArray>, inputs: feed })
        .outputs.loss[0];
    expect(Math.abs(loss(b) - loss(plain))).toBeLessThan(1e-6);
    const p0 = values(plain, new Map(plain.initialValues(0)));
    const p1 = values(b, new Map(b.initialValues(0)));
    for (const blk of [0, 1]) {
      const fc0 = p0.get(`blocks.${blk}.mlp.fc.weight`)!;
      const fc1 = p1.get(`blocks.${blk}.mlp.fc.weight`)!;
      const row = (w: Float32Array, r: number) => Array.from(w.subarray(r * 16, (r + 1) * 16)).join();
      const rows0 = Array.from({ length: 64 }, (_, r) => row(fc0, r));
      const moved = Array.from({ length: 64 }, (_, r) => rows0.indexOf(row(fc1, r)));
      expect([...moved].sort((x, y) => x - y)).toEqual([...Array(64).keys()]); // a permutation
      expect(moved.slice(CH)).toEqual([...Array(64).keys()].filter((r) => !moved.slice(0, CH).includes(r)));
    }
  });

  it('trains only proj[:, 0 .. channels]', () => {
    const t = b.params.filter((p) => p.trainable);
    expect(t.map((p) => [p.name, p.shape])).toEqual(
      [0, 1].map((i) => [`blocks.${i}.mlp.proj.weight#axis1[0:${CH}]`, [16, CH]]),
    );
    const v0 = values(b, new Map(b.initialValues(0)));
    const v1 = values(b, runCpu(b, 2).store);
    for (const [n, v] of v0) {
      const d = diffIndices(v, v1.get(n)!);
      if (/mlp\.proj\.weight$/.test(n)) {
        expect(d.length).toBeGreaterThan(0);
        expect(d.every((i) => i % 64 < CH)).toBe(true);
      } else expect(d, n).toEqual([]);
    }
  });

  webgpuChangesLikeCpu(
    'trains the same submatrices as the CPU',
    () => b,
    () => ['blocks.0.mlp.proj.weight', 'blocks.1.mlp.proj.weight'],
  );
});

describe('s2ft memory', () => {
  const file = 'examples/methods/s2ft.ftl';
  const compiled = () =>
    compile(readFileSync(file, 'utf8'), file, {
      limits: { ...DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 16 },
      isCPU: true,
    });
  it('keeps only the selected channels: fewer planned bytes than with the save-early rule off', () => {
    const on = compiled();
    SAVE_EARLY.enabled = false;
    let off: ReturnType<typeof compiled>;
    try {
      off = compiled();
    } finally {
      SAVE_EARLY.enabled = true;
    }
    expect(on.diagnostics).toEqual([]);
    expect(planBytes(on.plan!)).toBeLessThan(planBytes(off.plan!));
    // The compile report says what was kept instead of what.
    const stored = compileReport(on.trainIR!, on.graph!, on.schedule!, on.plan).stored!;
    expect(stored.savedEarly.length).toBeGreaterThan(0);
    for (const x of stored.savedEarly) expect(x.bytes).toBeLessThan(x.sourceBytes);
    expect(off.plan!.savedEarly ?? []).toEqual([]);
  });
  it("computes the trained slice's gradient on the slice alone", () => {
    const backward = (g: Graph) =>
      [...classify(g)].reduce((a, [n, part]) => a + (part === 'backward' ? flopsOf(n) : 0), 0);
    const g = simplify(compiled().trainIR!);
    expect(backward(narrowSlicedMatmuls(g))).toBeLessThan(backward(g));
  });
});

describe('s2ft attention heads', () => {
  // d = 16, 4 heads of dh = 4; 2 heads and 4 FFN channels drawn per block.
  const [D, H, DH, NH] = [16, 4, 4, 2];
  const bh = build(recipe(`apply s2ft(channels: ${CH}, heads: ${NH}, seed: 5)`, H));
  const plainH = build(recipe('', H));
  const p0 = values(plainH, new Map(plainH.initialValues(0)));
  const p1 = values(bh, new Map(bh.initialValues(0)));
  const rowBlock = (w: Float32Array, h: number) =>
    Array.from(w.subarray(h * DH * D, (h + 1) * DH * D)).join();
  /** Which original head sits at each head position of block `blk` (from q's row blocks). */
  const headOrder = (blk: number) => {
    const q0 = p0.get(`blocks.${blk}.attn.q.weight`)!;
    const q1 = p1.get(`blocks.${blk}.attn.q.weight`)!;
    const orig = Array.from({ length: H }, (_, h) => rowBlock(q0, h));
    return Array.from({ length: H }, (_, h) => orig.indexOf(rowBlock(q1, h)));
  };

  it('computes the same function as the unpermuted model', () => {
    for (const s of [1, 2, 3]) expect(Math.abs(lossOf(bh, s) - lossOf(plainH, s))).toBeLessThan(1e-6);
  });

  it('moves the drawn heads to the front in q, k, v (rows, biases) and o (columns) together', () => {
    for (const blk of [0, 1]) {
      const order = headOrder(blk);
      expect([...order].sort()).toEqual([0, 1, 2, 3]); // a permutation of whole heads
      if (blk === 0) expect(order).not.toEqual([0, 1, 2, 3]); // the draw moved something
      const rest = order.slice(NH);
      expect(rest).toEqual([...rest].sort()); // undrawn heads keep their order
      const a = `blocks.${blk}.attn`;
      for (const m of ['q', 'k', 'v']) {
        const w0 = p0.get(`${a}.${m}.weight`)!;
        const w1 = p1.get(`${a}.${m}.weight`)!;
        const b0 = p0.get(`${a}.${m}.bias`)!;
        const b1 = p1.get(`${a}.${m}.bias`)!;
        order.forEach((src, dst) => {
          expect(rowBlock(w1, dst)).toEqual(rowBlock(w0, src));
          expect(Array.from(b1.subarray(dst * DH, (dst + 1) * DH))).toEqual(
            Array.from(b0.subarray(src * DH, (src + 1) * DH)),
          );
        });
      }
      const o0 = p0.get(`${a}.o.weight`)!;
      const o1 = p1.get(`${a}.o.weight`)!;
      for (let r = 0; r < D; r++)
        order.forEach((src, dst) => {
          for (let j = 0; j < DH; j++) expect(o1[r * D + dst * DH + j]).toBe(o0[r * D + src * DH + j]);
        });
    }
  });

  it("trains only the drawn heads' o columns and the FFN slice", () => {
    const trained = bh.params.filter((p) => p.trainable).map((p) => [p.name, p.shape]);
    expect(trained.sort()).toEqual(
      [0, 1]
        .flatMap((i) => [
          [`blocks.${i}.mlp.proj.weight#axis1[0:${CH}]`, [D, CH]],
          [`blocks.${i}.attn.o.weight#axis1[0:${NH * DH}]`, [D, NH * DH]],
        ])
        .sort(),
    );
    const v1 = values(bh, runCpu(bh, 2).store);
    for (const [n, v] of p1) {
      const d = diffIndices(v, v1.get(n)!);
      if (/attn\.o\.weight$/.test(n)) {
        expect(d.length).toBeGreaterThan(0);
        expect(d.every((i) => i % D < NH * DH)).toBe(true);
      } else if (!/mlp\.proj\.weight$/.test(n)) expect(d, n).toEqual([]);
    }
  });

  it('reports more heads than the model has as a diagnostic', () => {
    expect(() => build(recipe(`apply s2ft(heads: ${H + 1})`, H))).toThrow(/FTL0401 s2ft: `heads`/);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('trains the same column slices as the CPU', async () => {
      const r = await gpuVsCpu(h, bh, 2);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(
        [0, 1].flatMap((i) => [`blocks.${i}.attn.o.weight`, `blocks.${i}.mlp.proj.weight`]),
      );
      for (const i of [0, 1]) {
        const n = `blocks.${i}.attn.o.weight`;
        expect(diffIndices(p1.get(n)!, r.after.get(n)!).every((j) => j % D < NH * DH)).toBe(true);
      }
    }, 60_000);
  });
});
