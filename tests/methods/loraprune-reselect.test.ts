// LoRAPrune's progressive pruning (stdlib/methods/loraprune.ftl with rounds: 2, ema: 0.5 and
// `train(reselect_every: 2)`): 4 heads per layer, target ratio 0.5. The compile-time
// selection prunes 1 head per layer, the one at step 2 brings it to 2, later ones keep 2;
// a pruned head stays pruned. At every boundary the head score equals the moving average
// 0.5 * previous + 0.5 * |(W + sBA) * (G_B A + B G_A)| summed per head, recomputed here from
// the weights at the boundary with G_A, G_B the gradients of the loss on the calibration
// batch, and the mask prunes the lowest-scoring live heads. LoRA factors and their Adam
// state carry across boundaries; only LoRA factors train; the loss goes down; a resumed run
// from a checkpoint between boundaries equals the uninterrupted run bit for bit.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/grad.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import { evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { runRecipe, type ReselectDetail, type RunOptions } from '../../runtime/train/run.ts';
import { inputs } from './wave1a-helpers.ts';

const [D, H, R, S] = [16, 4, 2, 8]; // d, heads, rank, alpha / r
const corpus = join(process.cwd(), 'examples/data/corpus.txt');
const dir = mkdtempSync(join(tmpdir(), 'ftl-loraprune-'));

function recipe(train: string): string {
  const file = join(dir, `r${train.replace(/\W+/g, '_')}.ftl`);
  writeFileSync(
    file,
    `import std.models.gpt2\nimport std.losses.causal_lm\nimport std.optim.adamw\nimport std.methods.loraprune\n` +
      `recipe r {\n  model = gpt2(vocab: 256, ctx: 16, d: ${D}, heads: ${H}, layers: 2)\n` +
      `  data = text("${corpus}") |> tokenize("bytes") |> chunks(seq: 8) |> batch(4)\n` +
      `  apply loraprune(r: ${R}, alpha: 16.0, ratio: 0.5, rounds: 2, ema: 0.5)\n` +
      `  loss = causal_lm\n  optim = adamw(lr: 3e-2)\n  train(${train})\n}\n`,
  );
  return file;
}

async function run(train: string, opts: Partial<RunOptions> = {}) {
  const details: ReselectDetail[] = [];
  const r = await runRecipe(recipe(train), { device: 'cpu', ...opts, onReselect: (_, d) => details.push(d) });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
  return { r, details };
}

const attn = (l: number) => `blocks.${l}.attn`;
const arr = (v: ArrayLike<number> | undefined) => Array.from(v!);

/** Per-head LoRA-guided importance of o at `store`, from the loss gradients of o's factors. */
function importance(d: ReselectDetail, layer: number): number[] {
  const f = openFeeder(d.prev.dataSpec, dir);
  if (!f.ok) throw new Error('data');
  const tokens = f.value.feed(1).tokens as Int32Array; // calibration_tokens(data, batches: 1)
  const o = `${attn(layer)}.o`;
  const leaves = leavesOf(d.prev.graph, 'param').filter((n) =>
    [`${o}.lora_a`, `${o}.lora_b`].includes(n.arg.name),
  );
  const g = grad(d.prev.graph.outputs.loss, leaves);
  const [ga, gb] = evaluateNodes(
    leaves.map((n) => g.get(n)!),
    {
      params: d.prevStore as Map<string, TypedArray>,
      inputs: inputs(tokens, undefined, 1),
    },
  ).map((v) => Float64Array.from(v as ArrayLike<number>));
  const [ai, bi] = leaves[0].arg.name.endsWith('lora_a') ? [0, 1] : [1, 0];
  const [GA, GB] = [ai === 0 ? ga : gb, bi === 1 ? gb : ga];
  const w = d.prevStore.get(`${o}.weight`)!;
  const a = d.prevStore.get(`${o}.lora_a`)!; // (R, D)
  const b = d.prevStore.get(`${o}.lora_b`)!; // (D, R)
  const score = new Array(H).fill(0);
  for (let r = 0; r < D; r++)
    for (let c = 0; c < D; c++) {
      let ba = 0;
      let g2 = 0;
      for (let k = 0; k < R; k++) {
        ba += b[r * R + k] * a[k * D + c];
        g2 += GB[r * R + k] * a[k * D + c] + b[r * R + k] * GA[k * D + c];
      }
      score[Math.floor(c / (D / H))] += Math.abs((w[r * D + c] + S * ba) * g2);
    }
  return score;
}

describe('LoRAPrune: progressive pruning with a moving-average score', () => {
  let details: ReselectDetail[];
  let losses: [number, number][];
  beforeAll(async () => {
    const out = await run('steps: 8, log_every: 1, reselect_every: 2');
    details = out.details;
    expect(details).toHaveLength(3); // every later check is over these boundaries
    losses = out.r.loop!.losses;
  });

  it('prunes 1 head per layer at compile time, 2 from step 2 on; pruned heads stay pruned', () => {
    expect(details.map((d) => d.next.trainSpec.reselectEvery)).toEqual([2, 2, 2]);
    const pruned = (m: ArrayLike<number>) => arr(m).flatMap((v, h) => (v === 0 ? [h] : []));
    for (const l of [0, 1]) {
      const masks = [details[0].prevStore, ...details.map((d) => d.start)].map((s) =>
        pruned(s.get(`${attn(l)}.head_mask`)!),
      );
      expect(masks.map((m) => m.length)).toEqual([1, 2, 2, 2]);
      masks.slice(1).forEach((m, i) => expect(m).toEqual(expect.arrayContaining(masks[i])));
      expect(arr(details[2].start.get(`${attn(l)}.prune_round`))).toEqual([4]);
    }
  });

  it('scores are the moving average of the LoRA-guided importance at each boundary', () => {
    for (const d of details)
      for (const l of [0, 1]) {
        const now = importance(d, l);
        const prev = arr(d.prevStore.get(`${attn(l)}.head_score`));
        const got = arr(d.start.get(`${attn(l)}.head_score`));
        got.forEach((v, h) => expect(v).toBeCloseTo(0.5 * prev[h] + 0.5 * now[h], 5));
        // The mask: the previously pruned heads plus the lowest-scoring live ones, 2 in all.
        const live = arr(d.prevStore.get(`${attn(l)}.head_mask`));
        const order = [...Array(H).keys()].sort(
          (x, y) => (live[x] ? got[x] : -Infinity) - (live[y] ? got[y] : -Infinity) || x - y,
        );
        const want = Array.from({ length: H }, (_, h) => (order.indexOf(h) < 2 ? 0 : 1));
        expect(arr(d.start.get(`${attn(l)}.head_mask`))).toEqual(want);
      }
  });

  it('LoRA factors and their Adam state carry across boundaries; only they train', () => {
    for (const d of details) {
      expect(d.next.params.filter((p) => p.trainable).every((p) => /\.lora_[ab]$/.test(p.name))).toBe(true);
      for (const p of d.next.params.filter((e) => e.trainable))
        for (const k of [p.name, `${p.name}:m`, `${p.name}:v`])
          expect(d.start.get(k), k).toEqual(d.prevStore.get(k));
    }
  });

  it('the training loss goes down', () => {
    const mean = (xs: [number, number][]) => xs.reduce((a, [, l]) => a + l, 0) / xs.length;
    expect(mean(losses.slice(-2))).toBeLessThan(mean(losses.slice(0, 2)) - 0.05);
  });

  it('resume from a checkpoint between boundaries is bit-exact', async () => {
    const train = (save: string) =>
      `steps: 6, log_every: 1, reselect_every: 2, save: "${save}", save_every: 3`;
    const full = await run(train(join(dir, 'full')));
    const half = await run(train(join(dir, 'half')), { steps: 3 });
    const rest = await run(train(join(dir, 'rest')), { resume: join(dir, 'half') });
    expect([half, rest].map((x) => x.r.reselections!.map((s) => s.step))).toEqual([[2], [4]]);
    expect([...half.r.loop!.losses, ...rest.r.loop!.losses]).toEqual(full.r.loop!.losses);
    for (const [k, v] of full.r.store!) expect(rest.r.store!.get(k), k).toEqual(v);
  }, 60_000);
});
