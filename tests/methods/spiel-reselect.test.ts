// SpIEL pruning and regrowing inside one stage (`train(reselect_every: 2)`, runtime/train/
// reselect.ts): at every boundary the new active set equals a reference prune-by-delta /
// regrow-by-|gradient| computed here from the weights at the boundary and gradient statistics
// recomputed over the next two batches of an independently opened data stream; exactly k
// entries are active in every window; pruned entries are bit-identical to the pretrained
// value and regrown ones start there (delta 0) with zero Adam state, while surviving entries
// keep their delta and their Adam state; the first window equals a run without
// re-selection; the loss goes down; N steps == N/2 + resume + N/2 bit for bit on the CPU
// with re-selections in both halves (the cosine schedule reads the continuing step counter);
// WebGPU follows the CPU.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { gradientStats } from '../../runtime/train/grad-stats.ts';
import { runRecipe, type ReselectDetail, type RunOptions } from '../../runtime/train/run.ts';
import { fullParams } from '../../runtime/train/stages.ts';
import { gpu } from '../webgpu/harness.ts';

const corpus = join(process.cwd(), 'examples/data/corpus.txt');
const W = 'blocks.0.mlp.fc.weight';
const K = Math.round(0.05 * 64 * 16);
const dir = mkdtempSync(join(tmpdir(), 'ftl-spiel-'));

function recipe(train: string): string {
  const file = join(dir, `r${train.replace(/\W+/g, '_')}.ftl`);
  writeFileSync(
    file,
    `import std.models.gpt2\nimport std.losses.causal_lm\nimport std.optim.adamw\nimport std.schedules.cosine\nimport std.methods.spiel\n` +
      `recipe r {\n  model = gpt2(vocab: 256, ctx: 16, d: 16, heads: 2, layers: 1)\n` +
      `  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 16) |> batch(2)\n` +
      `  apply spiel(density: 0.05, regrow: 0.5, targets: "${W}")\n` +
      `  loss = causal_lm\n  optim = adamw(lr: 1e-1, weight_decay: 0.0, schedule: cosine(warmup: 2))\n  train(${train})\n}\n`,
  );
  return file;
}

async function run(train: string, opts: Partial<RunOptions> = {}) {
  const details: ReselectDetail[] = [];
  const r = await runRecipe(recipe(train), {
    device: 'cpu',
    ...opts,
    onReselect: (_, d) => details.push(d),
  });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  return { r, details };
}

const topK = (xs: ArrayLike<number>, k: number, skip = new Set<number>()) =>
  Array.from({ length: xs.length }, (_, i) => i)
    .filter((i) => !skip.has(i))
    .sort((a, b) => xs[b] - xs[a] || a - b)
    .slice(0, k);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const ints = (v: ArrayLike<number> | undefined) => Array.from(v!, Number);
const deltaLeaf = `${W}#mask[${K}]`;

/** Batches of steps from..from+n-1 from a fresh data stream (what the run peeked). */
function batches(file: string, d: ReselectDetail, from: number, n: number): Map<string, TypedArray>[] {
  const f = openFeeder(d.prev.dataSpec, dir);
  if (!f.ok) throw new Error('data');
  for (let s = 1; s < from; s++) f.value.feed(s);
  return Array.from({ length: n }, (_, i) => new Map(Object.entries(f.value.feed(from + i))) as never);
}

describe('SpIEL with re-selection every 2 steps', () => {
  let details: ReselectDetail[];
  let losses: [number, number][];
  let theta0: Float32Array;
  beforeAll(async () => {
    const out = await run('steps: 8, log_every: 1, reselect_every: 2');
    details = out.details;
    expect(details).toHaveLength(3); // every later check is over these boundaries
    losses = out.r.loop!.losses;
    theta0 = details[0].prev.initialValues(0).get(W)!;
  });

  it('re-selects at steps 2, 4, 6 with exactly k active, and the set changes', () => {
    expect(details.map((d) => d.record.grads.size)).toEqual([1, 1, 1]);
    for (const d of details) {
      expect(ints(d.prevStore.get(`${W}#mask.idx`))).toHaveLength(K);
      expect(ints(d.start.get(`${W}#mask.idx`))).toHaveLength(K);
    }
    const sets = details.map((d) => ints(d.start.get(`${W}#mask.idx`)).join());
    expect(new Set([ints(details[0].prevStore.get(`${W}#mask.idx`)).join(), ...sets]).size).toBe(4);
  });

  it('each new set is the reference prune-by-delta / regrow-by-gradient at the boundary', () => {
    details.forEach((d, n) => {
      const b = 2 * (n + 1);
      const g = gradientStats(d.prev, d.prevStore, batches('', d, b + 1, 2)).get(W)!;
      expect(Array.from(d.record.grads.get(W)!)).toEqual(Array.from(g));
      const v = fullParams(d.prev, d.prevStore).get(W)!;
      const old = ints(d.prevStore.get(`${W}#mask.idx`));
      const moved = old.filter((i) => v[i] !== theta0[i]);
      const keep = topK(
        Float64Array.from(moved, (i) => Math.abs(v[i] - theta0[i])),
        K - Math.round(0.5 * K),
      ).map((j) => moved[j]);
      const grow = topK(g, K - keep.length, new Set(keep));
      expect(ints(d.start.get(`${W}#mask.idx`))).toEqual(sorted([...keep, ...grow]));
    });
  });

  it('pruned entries revert, regrown start at 0 with fresh state, survivors keep delta and state', () => {
    for (const d of details) {
      const old = ints(d.prevStore.get(`${W}#mask.idx`));
      const now = ints(d.start.get(`${W}#mask.idx`));
      const before = fullParams(d.prev, d.prevStore).get(W)!;
      const after = fullParams(d.next, d.start).get(W)!;
      expect(d.start.get(W)).toEqual(theta0); // the frozen base stays the pretrained value
      for (const i of old) if (!now.includes(i)) expect(after[i]).toBe(theta0[i]);
      for (let i = 0; i < after.length; i++) if (!now.includes(i)) expect(after[i]).toBe(theta0[i]);
      for (const slot of ['m', 'v']) {
        const prevState = d.prevStore.get(`${deltaLeaf}:${slot}`)!;
        const state = d.start.get(`${deltaLeaf}:${slot}`)!;
        now.forEach((i, j) => {
          const o = old.indexOf(i);
          expect(state[j]).toBe(o >= 0 ? prevState[o] : 0);
          expect(after[i]).toBe(o >= 0 ? before[i] : theta0[i]);
        });
      }
    }
  });

  it('the first window equals a run without re-selection', async () => {
    // steps: 8 as in the re-selecting run, so the cosine schedule is the same; only 2 run
    const plain = await run('steps: 8, log_every: 1', { steps: 2 });
    for (const [k, v] of plain.r.store!) expect(details[0].prevStore.get(k), k).toEqual(v);
    expect(plain.r.loop!.losses).toEqual(losses.slice(0, 2));
  });

  it('the training loss goes down', () => {
    const mean = (xs: [number, number][]) => xs.reduce((a, [, l]) => a + l, 0) / xs.length;
    expect(mean(losses.slice(-2))).toBeLessThan(mean(losses.slice(0, 2)) - 0.02);
  });
});

describe('SpIEL re-selection and resume', () => {
  it('CPU: 8 steps == 4 + resume + 4 bit for bit, re-selecting at 3 and 6', async () => {
    const train = (save: string) =>
      `steps: 8, log_every: 1, reselect_every: 3, save: "${save}", save_every: 4`;
    const full = await run(train(join(dir, 'full')));
    const half = await run(train(join(dir, 'half')), { steps: 4 });
    const rest = await run(train(join(dir, 'rest')), { resume: join(dir, 'half'), seed: 7 });
    expect([full, half, rest].map((x) => x.r.reselections!.map((s) => s.step))).toEqual([[3, 6], [3], [6]]);
    expect([...half.r.loop!.losses, ...rest.r.loop!.losses]).toEqual(full.r.loop!.losses);
    for (const [k, v] of full.r.params!) expect(rest.r.params!.get(k), k).toEqual(v);
    expect(rest.details[0].start.get(`${W}#mask.idx`)).toEqual(full.details[1].start.get(`${W}#mask.idx`));
    for (const s of full.r.reselections!) expect(s.compileMs).toBeGreaterThan(0);
  }, 60_000);
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => (h = await gpu()));
  afterAll(() => h?.destroy());
  it('re-selects like the CPU and follows its losses', async () => {
    const train = 'steps: 4, log_every: 1, reselect_every: 2';
    const c = await run(train);
    const g = await run(train, { device: 'webgpu', handle: h });
    expect(g.r.reselections!.map((s) => s.step)).toEqual([2]);
    expect(ints(g.details[0].start.get(`${W}#mask.idx`))).toHaveLength(K);
    g.r.loop!.losses.forEach(([s, l], i) => {
      expect(s).toBe(c.r.loop!.losses[i][0]);
      expect(Math.abs(l - c.r.loop!.losses[i][1])).toBeLessThan(1e-4 * Math.abs(l));
    });
  }, 60_000);
});
