// LoFiT in one multi-stage `runRecipe` (examples/methods/wave1b-lofit.ftl): stage `select`
// trains per-head scales A; stage `tune` drops them (`drop lofit_scale`) and its
// `lofit_bias(k: 2)` chooses its heads from stage 1's trained values at compile time.
// Checked against an independent computation: the top-2 heads by ||A_h|| recomputed here
// from the scales stage 1 wrote to <out>/select/; stage 2 has no scale parameter at all,
// trains exactly those heads' offsets (K * dh parameters, every other leaf unchanged), and
// its loss equals a plain GPT-2 whose o bias has only the offsets folded in at exactly those
// heads (no scales, no L1 term; the offsets on other heads give a different loss). The same
// on WebGPU, whose stage losses match the CPU's.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { parse } from '../../grammar/index.ts';
import { readSafetensors } from '../../runtime/checkpoint/safetensors.ts';
import { evaluate } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { runRecipe, type RunResult } from '../../runtime/train/run.ts';
import { gpu } from '../webgpu/harness.ts';
import { tokenInputs } from './wave1b-helpers.ts';

const FILE = 'examples/methods/wave1b-lofit.ftl'; // gpt2(d: 32, heads: 2, layers: 2), k: 2
const [L, H, DH, K] = [2, 2, 16, 2];
const D = H * DH;

/** The recipe's plain model (no methods) in stage `tune`: the reference the folds go into. */
function plainBuild(): TrainingBuild {
  const program = parse(readFileSync(FILE, 'utf8'), FILE).ast;
  const r = buildTrainingGraph({ file: FILE, program }, { parse, stage: 'tune', methods: false });
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r as TrainingBuild;
}

/** Stage 1's trained scales, read back from the run's stage-1 output folder. */
function stage1Scales(out: string): Float32Array[] {
  const f = readSafetensors(join(out, 'select', 'model.safetensors'));
  if (!f.ok) throw new Error(f.diagnostics[0].message);
  return [0, 1].map((l) => Float32Array.from(f.value.tensors[`blocks.${l}.attn.lofit_a`].data));
}

/** The K heads of largest ||A_h|| (ties: lower layer, then lower head), as [layer, head]. */
function topHeads(A: Float32Array[]): [number, number][] {
  const all = A.flatMap((a, l) =>
    Array.from({ length: H }, (_, h) => {
      let s = 0;
      for (let j = h * DH; j < (h + 1) * DH; j++) s += a[j] * a[j];
      return { l, h, n: Math.sqrt(s) };
    }),
  );
  all.sort((x, y) => y.n - x.n || x.l - y.l || x.h - y.h);
  return all.slice(0, K).map((x) => [x.l, x.h]);
}

/**
 * The plain model's loss with everything stage 2 computes folded in: o(x + P v) = W x +
 * W (P v) + b, v's rows placed at `heads` (per layer in head order, the order lofit_bias
 * keeps its rows in). No scales: stage 2 dropped them.
 */
function foldedLoss(store: Map<string, Float32Array>, heads: [number, number][], shift = 0) {
  const plain = plainBuild();
  const params = new Map(plain.initialValues(0));
  for (const [n] of params) if (store.has(n)) params.set(n, store.get(n)!);
  for (let l = 0; l < L; l++) {
    const hs = heads
      .filter((p) => p[0] === l)
      .map((p) => p[1])
      .sort((x, y) => x - y)
      .map((h) => (h + shift) % H); // shift 1: every row on the other head (wrong on purpose)
    const w = store.get(`blocks.${l}.attn.o.weight`)!; // [D out, D in]
    const b = Float32Array.from(store.get(`blocks.${l}.attn.o.bias`)!);
    const z = new Float32Array(D); // P v
    const v = store.get(`blocks.${l}.attn.lofit_v`);
    hs.forEach((h, c) => {
      for (let j = 0; j < DH; j++) z[h * DH + j] = v![c * DH + j];
    });
    for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) b[r] += w[r * D + c] * z[c];
    params.set(`blocks.${l}.attn.o.bias`, b);
  }
  return evaluate(plain.graph, { params, inputs: tokenInputs(4, 32, 256, 3) }).outputs.loss[0];
}

function checkRun(r: RunResult, out: string): [number, number][] {
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  expect(r.stages!.map((s) => s.name)).toEqual(['select', 'tune']);
  const A = stage1Scales(out);
  const top = topHeads(A);
  const b = r.compiled!.build!;
  const store = r.store as Map<string, Float32Array>;
  // Only the chosen heads' offsets train: one [count, dh] offset per layer, K * dh in all.
  const trainable = b.params.filter((p) => p.trainable);
  for (let l = 0; l < L; l++) {
    const count = top.filter((t) => t[0] === l).length;
    const v = trainable.find((p) => p.name === `blocks.${l}.attn.lofit_v`);
    expect(v?.shape ?? [0, DH]).toEqual([count, DH]);
    if (count > 0) expect(Math.max(...store.get(v!.name)!.map(Math.abs))).toBeGreaterThan(1e-3);
  }
  expect(trainable.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0)).toBe(K * DH);
  // Stage 1 trained non-zero scales; stage 2 dropped them: no scale leaf in its model.
  expect(Math.max(...A.flatMap((a) => [...a].map(Math.abs)))).toBeGreaterThan(1e-4);
  expect(b.params.filter((p) => p.name.includes('lofit_a'))).toEqual([]);
  expect([...store.keys()].filter((n) => n.includes('lofit_a'))).toEqual([]);
  // Everything else is what stage 2 started from: the base weights at their init.
  const init = plainBuild().initialValues(0);
  for (const p of b.params) {
    if (p.role !== 'param' || p.trainable) continue;
    expect(Array.from(store.get(p.name)!), p.name).toEqual(Array.from(init.get(p.name)!));
  }
  // The function: stage 2's loss = the plain model with the folds at the top-K heads.
  const loss2 = evaluate(b.graph, { params: store, inputs: tokenInputs(4, 32, 256, 3) }).outputs.loss[0];
  const folded = foldedLoss(store, top);
  expect(Math.abs(loss2 - folded)).toBeLessThan(1e-5 * Math.abs(folded));
  // ...and the same offsets on the other head of each layer give a different loss.
  const other = foldedLoss(store, top, 1);
  expect(Math.abs(other - folded)).toBeGreaterThan(100 * Math.abs(loss2 - folded));
  return top;
}

describe('lofit: scales, then top-K heads, then offsets, in one run', () => {
  let h: DeviceHandle;
  const dirs: string[] = [];
  const tmp = () => (dirs.push(mkdtempSync(join(tmpdir(), 'lofit-'))), dirs[dirs.length - 1]);
  let cpu: RunResult;
  let cpuTop: [number, number][];
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => {
    h?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('stage 2 trains exactly the top-K heads of stage 1 (CPU)', async () => {
    const out = tmp();
    cpu = await runRecipe(FILE, { device: 'cpu', out });
    cpuTop = checkRun(cpu, out);
  }, 120_000);

  it('the same on WebGPU, with the CPU stage losses', async () => {
    const out = tmp();
    const g = await runRecipe(FILE, { device: 'webgpu', handle: h, out });
    expect(checkRun(g, out)).toEqual(cpuTop);
    cpu.stages!.forEach((s, i) =>
      s.loop.losses.forEach(([st, loss], j) => {
        const [gs, gl] = g.stages![i].loop.losses[j];
        expect(gs).toBe(st);
        expect(Math.abs(gl - loss)).toBeLessThan(1e-4 * Math.abs(loss));
      }),
    );
  }, 180_000);
});
