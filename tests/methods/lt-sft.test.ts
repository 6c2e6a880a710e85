// LT-SFT (stdlib/methods/lt_sft.ftl): phase 1 fine-tunes everything; phase 2, built with
// phase 1's weights, masks the top-k |theta1 - theta0| entries (checked against the test's
// own top-k) and trains them from theta0: afterwards at most k entries per tensor differ
// from theta0, all others bit-identical, and optimizer state has k entries (CPU, WebGPU).
// Global K (`k:`): exactly K entries over all targeted tensors together, the K largest
// |theta1 - theta0| by the test's own ranking of the concatenated deltas. Composition
// (`merge compose_sparse`, compiler/features/checkpoint-merge.ts): two sparse fine-tunings
// from one theta0, written as safetensors files, compose to theta0 + (theta_a - theta0) +
// (theta_b - theta0): bit-exact against the same float32 operations, within 1e-6 of the
// float64 sum, and entries outside both masks bit-identical to theta0.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { evaluateMerge, mergeFileToFolder } from '../../compiler/features/checkpoint-merge.ts';
import { withWeights } from '../../compiler/features/selection.ts';
import { readModelFolder, writeSafetensors, type HostTensor } from '../../runtime/checkpoint/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, diffIndices, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = (apply: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lt_sft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2, weight_decay: 0.0)
  train(steps: 3)
}`;
const T = ['blocks.0.attn.q.weight', 'blocks.0.mlp.fc.weight'];
const phase1 = build(recipe(''));
const theta0 = values(phase1, new Map(phase1.initialValues(0)));
const theta1 = values(phase1, runCpu(phase1, 3).store);
const phase2 = withWeights(theta1, () =>
  build(recipe(`apply lt_sft(density: 0.1, targets: "blocks.0.{attn.q,mlp.fc}.weight")`)),
);
const k = (n: string) => Math.round(0.1 * theta0.get(n)!.length);

describe('lt-sft', () => {
  it('masks the entries phase 1 moved most, with k-sized optimizer state', () => {
    const init = phase2.initialValues(0);
    for (const n of T) {
      const d = theta1.get(n)!.map((v, i) => Math.abs(v - theta0.get(n)![i]));
      const ref = [...d.keys()]
        .sort((a, b) => d[b] - d[a] || a - b)
        .slice(0, k(n))
        .sort((a, b) => a - b);
      expect(Array.from(init.get(`${n}#mask.idx`)!)).toEqual(ref);
      const st = phase2.params.filter((p) => p.role === 'state' && p.param === `${n}#mask[${k(n)}]`);
      expect(st.map((p) => p.shape)).toEqual([[k(n)], [k(n)]]);
    }
  });

  it('phase 2 restarts from theta0 and leaves at most k entries changed', () => {
    const after = values(phase2, runCpu(phase2, 3).store);
    for (const [n, v0] of theta0) {
      const d = diffIndices(v0, after.get(n)!);
      if (T.includes(n)) {
        expect(d.length).toBeGreaterThan(0);
        expect(d.length).toBeLessThanOrEqual(k(n));
      } else expect(d, n).toEqual([]);
    }
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('phase 2 changes only masked entries, like the CPU', async () => {
      const r = await gpuVsCpu(h, phase2, 3);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual([...T].sort());
      for (const n of T)
        expect(diffIndices(theta0.get(n)!, r.after.get(n)!).length).toBeLessThanOrEqual(k(n));
    }, 60_000);
    it('global K: at most K entries change in all, like the CPU', async () => {
      const r = await gpuVsCpu(h, global, 1);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      const moved = [...theta0].reduce((n, [p, v0]) => n + diffIndices(v0, r.after.get(p)!).length, 0);
      expect(moved).toBeGreaterThan(0);
      expect(moved).toBeLessThanOrEqual(K);
      expect(r.changed.every((n) => G.includes(n))).toBe(true);
    }, 60_000);
  });
});

const K = 40;
const G = ['blocks.0.attn.q.weight', 'blocks.0.attn.k.weight', 'blocks.0.mlp.fc.weight'];
const global = withWeights(theta1, () =>
  build(recipe(`apply lt_sft(k: ${K}, targets: "blocks.0.{attn.q,attn.k,mlp.fc}.weight")`)),
);

describe('lt-sft global K', () => {
  const maskOf = (n: string) => Array.from(global.initialValues(0).get(`${n}#mask.idx`) ?? []);

  it('selects exactly K entries in all, the K largest |theta1 - theta0| over the tensors together', () => {
    // the test's own ranking of every (tensor, index) pair by |delta|, ties by list order
    const all = G.flatMap((n, t) =>
      Array.from(theta1.get(n)!, (v, i) => ({ t, i, d: Math.abs(v - theta0.get(n)![i]) })),
    );
    all.sort((a, b) => b.d - a.d || a.t - b.t || a.i - b.i);
    const want = G.map((_, t) =>
      all
        .slice(0, K)
        .filter((e) => e.t === t)
        .map((e) => e.i)
        .sort((a, b) => a - b),
    );
    expect(all[K - 1].d).toBeGreaterThan(all[K].d); // the K-th and (K+1)-th are distinct
    expect(G.map(maskOf)).toEqual(want);
    expect(G.map(maskOf).reduce((n, m) => n + m.length, 0)).toBe(K);
    // optimizer state (AdamW m, v) only for the K entries
    const st = global.params.filter((p) => p.role === 'state');
    expect(st.reduce((n, p) => n + p.shape.reduce((a, c) => a * c, 1), 0)).toBe(2 * K);
    // a global ranking, not K / 3 per tensor
    expect(new Set(want.map((m) => m.length)).size).toBeGreaterThan(1);
  });

  it('after training at most K entries differ from theta0, all in the mask', () => {
    const after = values(global, runCpu(global, 3).store);
    let total = 0;
    for (const [n, v0] of theta0) {
      const d = diffIndices(v0, after.get(n)!);
      total += d.length;
      expect(
        d.every((i) => maskOf(n).includes(i)),
        n,
      ).toBe(true);
    }
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(K);
  });
});

describe('lt-sft composition', () => {
  // Two phase-1 runs on different batches give two masks; each phase 2 trains from theta0.
  const shifted = (o: number) => (s: number) => batchFor(phase1, s + o, 16);
  const sparse = (o: number) => {
    const t1 = values(phase1, runCpu(phase1, 3, undefined, shifted(o)).store);
    const b = withWeights(t1, () =>
      build(recipe(`apply lt_sft(k: 60, targets: "blocks.0.{attn.q,mlp.fc}.weight")`)),
    );
    return values(b, runCpu(b, 3, undefined, shifted(o)).store);
  };
  const thA = sparse(0);
  const thB = sparse(7);
  const dir = mkdtempSync(join(tmpdir(), 'ftl-compose-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const save = (file: string, v: Map<string, Float32Array>) => {
    const t: Record<string, HostTensor> = {};
    for (const p of phase1.params.filter((q) => q.role === 'param'))
      t[p.name] = { dtype: 'f32', shape: p.shape, data: v.get(p.name)! };
    expect(writeSafetensors(join(dir, file), t).ok).toBe(true);
  };
  save('theta0.safetensors', theta0);
  save('a.safetensors', thA);
  save('b.safetensors', thB);
  const lib = 'stdlib/methods/lt_sft.ftl';
  const program = parse(readFileSync(lib, 'utf8'), lib).ast;
  const r = evaluateMerge(
    program,
    'compose_sparse',
    { base: 'theta0.safetensors', tuned: ['a.safetensors', 'b.safetensors'] },
    { dir },
  );

  it('equals theta0 + (theta_a - theta0) + (theta_b - theta0)', () => {
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const f = Math.fround;
    let both = 0;
    for (const [n, t0] of theta0) {
      const a = thA.get(n)!;
      const b = thB.get(n)!;
      const got = r.value.get(n)!.data;
      expect(got.length).toBe(t0.length);
      for (let i = 0; i < t0.length; i++) {
        // the same float32 operations in the same order: bit-exact
        expect(got[i]).toBe(f(t0[i] + f(f(a[i] - t0[i]) + f(b[i] - t0[i]))));
        expect(Math.abs(got[i] - (t0[i] + (a[i] - t0[i]) + (b[i] - t0[i])))).toBeLessThan(1e-6);
        if (a[i] === t0[i] && b[i] === t0[i]) expect(Object.is(got[i], t0[i])).toBe(true);
        if (a[i] !== t0[i] && b[i] !== t0[i]) both++;
      }
    }
    // both fine-tunings moved some tensors, and the composed model carries both
    const moved = (v: Map<string, Float32Array>) =>
      [...theta0].filter(([n, t0]) => diffIndices(t0, v.get(n)!).length);
    expect(moved(thA).length).toBeGreaterThan(0);
    expect(moved(thB).length).toBeGreaterThan(0);
    expect(diffIndices(thA.get(T[0])!, thB.get(T[0])!).length).toBeGreaterThan(0);
    expect(both).toBeGreaterThan(0); // some entries were moved by both: their deltas add
  });

  it('writes the composed model as a model folder', () => {
    const out = join(dir, 'composed');
    const args = { base: 'theta0.safetensors', tuned: ['a.safetensors', 'b.safetensors'] };
    expect(mergeFileToFolder(lib, 'compose_sparse', args, out, { dir }).ok).toBe(true);
    const back = readModelFolder(out);
    if (!back.ok || !r.ok) throw new Error('read back failed');
    for (const [n, t] of r.value) expect(back.value.tensors[n].data).toEqual(t.data);
  });

  it('evaluates other merge declarations the same way (task arithmetic, a soup)', () => {
    const sample = 'tests/samples/prim-checkpoint-arith/input.ftl';
    const prog = parse(readFileSync(sample, 'utf8'), sample).ast;
    const files = ['a.safetensors', 'b.safetensors'];
    const ta = evaluateMerge(
      prog,
      'task_arithmetic',
      { base: 'theta0.safetensors', tuned: files, lambda: 0.5 },
      { dir },
    );
    const soup = evaluateMerge(
      prog,
      'uniform_soup',
      { checkpoints: ['theta0.safetensors', ...files] },
      { dir },
    );
    if (!ta.ok || !soup.ok) throw new Error('merge failed');
    const f = Math.fround;
    for (const [n, t0] of theta0) {
      const [a, b] = [thA.get(n)!, thB.get(n)!];
      for (let i = 0; i < t0.length; i++) {
        expect(ta.value.get(n)!.data[i]).toBe(f(t0[i] + f(0.5 * f(f(a[i] - t0[i]) + f(b[i] - t0[i])))));
        expect(soup.value.get(n)!.data[i]).toBe(f(f(f(t0[i] + a[i]) + b[i]) / 3));
      }
    }
  });

  it('reports a missing merge and an unreadable checkpoint as diagnostics', () => {
    const none = evaluateMerge(program, 'nope', {});
    expect(none.ok).toBe(false);
    const bad = evaluateMerge(program, 'compose_sparse', { base: 'missing.safetensors', tuned: [] }, { dir });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.diagnostics[0].code).toMatch(/^FTL07/);
  });
});
