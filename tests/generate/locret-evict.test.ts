// Locret in generation: chunked prefill with KV-cache eviction by trained retaining heads.
// On a tiny GPT-2 trained on a retrieval task (locret-task.ts) and Locret heads trained on
// its frozen backbone:
// - the cached scores are the retaining heads' outputs, recomputed here in TypeScript from
//   the weights;
// - every eviction keeps exactly the budget per head: the `local` newest positions, and among
//   the rest only units scoring at least as high as every evicted one;
// - without a budget the kv_retain caches change nothing: logits equal the backbone's;
// - with a budget of 4 entries for 15-token prompts, the kept cache answers like the full one
//   far more often than random eviction at the same budget (figures in
//   docs/generate-and-export.md); CPU and WebGPU agree;
// - `ftl generate --kv-budget --chunk` on a locret run folder, and the diagnostic without
//   retaining heads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initModel } from '../../runtime/export/init-model.ts';
import { decodeGraph, type ModelGraph } from '../../runtime/generate/decode-graph.ts';
import { Generator, type EvictEvent } from '../../runtime/generate/generate.ts';
import { generateText } from '../../runtime/generate/index.ts';
import { argmax } from '../../runtime/generate/sample.ts';
import { runRecipe } from '../../runtime/train/run.ts';
import { gpu } from '../webgpu/harness.ts';
import { FILE, T_TRAIN, taskPrompt, taskRecipe, trainTask } from './locret-task.ts';

const [C, BUDGET, LOCAL, D, H] = [4, 4, 1, 16, 2];
let values: Map<string, Float32Array>;

function graph(apply: string, rows: number, chunk: number): ModelGraph {
  const d = decodeGraph(taskRecipe(apply), FILE, rows, { chunk, slot: true });
  if (!d.ok) throw new Error(JSON.stringify(d.diagnostics));
  for (const [k, v] of values) if (d.value.values.has(k)) d.value.values.set(k, v);
  return d.value;
}
const locret = (rows: number, chunk: number) => graph('apply locret(hidden: 16)', rows, chunk);

/** Retaining-head scores of layer 0 at positions 0..n-1 of `ids`: [n][H]. */
function scoresTs(ids: number[], n: number): number[][] {
  const g = (k: string) => values.get(k)!;
  const lin = (x: number[], w: Float32Array, b: Float32Array | undefined, out: number) =>
    Array.from(
      { length: out },
      (_, o) => (b ? b[o] : 0) + x.reduce((a, xi, i) => a + xi * w[o * x.length + i], 0),
    );
  return Array.from({ length: n }, (_, t) => {
    const x = Array.from(
      { length: D },
      (_, i) => g('wte.weight')[ids[t] * D + i] + g('wpe.weight')[t * D + i],
    );
    const mu = x.reduce((a, c) => a + c, 0) / D;
    const va = x.reduce((a, c) => a + (c - mu) ** 2, 0) / D;
    const h = x.map(
      (c, i) => ((c - mu) / Math.sqrt(va + 1e-5)) * g('blocks.0.ln_1.weight')[i] + g('blocks.0.ln_1.bias')[i],
    );
    const a = 'blocks.0.attn.';
    const qkv = ['q', 'k', 'v'].flatMap((m) => lin(h, g(`${a}${m}.weight`), g(`${a}${m}.bias`), D));
    const hid = lin(qkv, g(`${a}retain_w1`), undefined, 16).map((z) => Math.max(z, 0));
    return lin(hid, g(`${a}retain_w2`), g(`${a}retain_b`), H);
  });
}

beforeAll(() => {
  values = trainTask(150, 80).values;
}, 60_000);

describe('Locret eviction in generation', () => {
  it('keeps the budget per head: the newest, then only the highest-scored units', async () => {
    const gen = await Generator.open(locret(BUDGET + C, 1), undefined, locret(BUDGET + C, C));
    expect(gen.maxT).toBe(BUDGET + C); // the cache's rows: the budget and one chunk
    const events: EvictEvent[] = [];
    try {
      const { prompt } = taskPrompt(T_TRAIN, 7);
      await gen.generate(prompt, {
        maxTokens: 6,
        kv: { budget: BUDGET, local: LOCAL },
        onEvict: (e) => events.push(e),
      });
    } finally {
      gen.destroy();
    }
    // 15 prompt tokens in chunks of 4: evictions after chunks 2, 3, 4; decoding 5 more tokens
    // into 8 rows (4 kept + 4 free) fills them once more.
    expect(events.length).toBe(4);
    for (const e of events)
      for (let h = 0; h < H; h++) {
        const kept = [...e.kept[h]];
        expect(kept.length).toBe(BUDGET);
        const pos = [...e.before[h]];
        const newest = Math.max(...pos);
        expect(kept).toContain(newest);
        const score = (p: number) => e.scores[pos.indexOf(p) * e.scoreHeads + h];
        const rest = kept.filter((p) => p !== newest).map(score);
        const evicted = pos.filter((p) => !kept.includes(p)).map(score);
        expect(Math.min(...rest)).toBeGreaterThanOrEqual(Math.max(...evicted));
        // and the set is the top-(B - local) by score among the older positions
        const older = pos.filter((p) => p !== newest).sort((a, b) => score(b) - score(a) || a - b);
        expect(kept.sort((a, b) => a - b)).toEqual(
          [newest, ...older.slice(0, BUDGET - LOCAL)].sort((a, b) => a - b),
        );
      }
    // The first eviction saw positions 0..7 unevicted: their scores are the heads' outputs.
    const first = events[0];
    expect([...first.before[0]]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const want = scoresTs(taskPrompt(T_TRAIN, 7).prompt, 8);
    want.forEach((row, t) =>
      row.forEach((w, h) => expect(Math.abs(first.scores[t * H + h] - w)).toBeLessThan(1e-4)),
    );
  });

  it('without a budget the retention caches change nothing', async () => {
    const a = await Generator.open(locret(24, 1), undefined, locret(24, C));
    const b = await Generator.open(graph('', 24, 1));
    try {
      const { prompt } = taskPrompt(T_TRAIN, 3);
      const x = await a.generate(prompt, { maxTokens: 4, keepLogits: true });
      const y = await b.generate(prompt, { maxTokens: 4, keepLogits: true });
      x.logits!.forEach((l, i) =>
        l.forEach((v, j) => expect(Math.abs(v - y.logits![i][j])).toBeLessThan(1e-5)),
      );
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('under a budget, retaining heads keep the answer; random eviction loses it', async () => {
    const full = await Generator.open(locret(T_TRAIN + C, 1), undefined, locret(T_TRAIN + C, C));
    const bud = await Generator.open(locret(BUDGET + C, 1), undefined, locret(BUDGET + C, C));
    const N = 30;
    const agree = { locret: 0, random: 0 };
    let answered = 0;
    try {
      for (let i = 0; i < N; i++) {
        const { prompt, answer } = taskPrompt(T_TRAIN, 900000 + i);
        const f = argmax((await full.generate(prompt, { maxTokens: 1, keepLogits: true })).logits![0]);
        answered += +(f === answer);
        for (const policy of ['scores', 'random'] as const) {
          const kv = { budget: BUDGET, local: LOCAL, policy };
          const g = await bud.generate(prompt, { maxTokens: 1, keepLogits: true, kv, seed: i });
          agree[policy === 'scores' ? 'locret' : 'random'] += +(argmax(g.logits![0]) === f);
        }
      }
    } finally {
      full.destroy();
      bud.destroy();
    }
    // Seeds 1-4 of trainTask gave full 30/30, locret 30/30, random 11-13/30.
    expect(answered).toBeGreaterThanOrEqual(27);
    expect(agree.locret).toBeGreaterThanOrEqual(26);
    expect(agree.locret - agree.random).toBeGreaterThanOrEqual(8);
  });

  it('WebGPU evicts the same units and gives the CPU logits', async () => {
    const h = await gpu();
    const events: EvictEvent[][] = [[], []];
    const logits: Float32Array[][] = [];
    try {
      for (const [i, handle] of [undefined, h].entries()) {
        const gen = await Generator.open(locret(BUDGET + C, 1), handle, locret(BUDGET + C, C));
        try {
          const r = await gen.generate(taskPrompt(T_TRAIN, 11).prompt, {
            maxTokens: 3,
            keepLogits: true,
            kv: { budget: BUDGET, local: LOCAL },
            onEvict: (e) => events[i].push(e),
          });
          logits.push(r.logits!);
        } finally {
          gen.destroy();
        }
      }
    } finally {
      h.destroy();
    }
    expect(events[1].map((e) => e.kept.map((k) => [...k]))).toEqual(
      events[0].map((e) => e.kept.map((k) => [...k])),
    );
    logits[0].forEach((l, i) =>
      l.forEach((v, j) => expect(Math.abs(v - logits[1][i][j])).toBeLessThan(1e-4)),
    );
  }, 120_000);
});

describe('ftl generate --kv-budget', () => {
  it('runs on a locret run folder; a model without retaining heads is a diagnostic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-locret-'));
    const base = join(dir, 'base');
    expect(initModel({ arch: 'gpt2', layers: 1, d: 16, heads: 2, ctx: 64, out: base, seed: 1 }).ok).toBe(
      true,
    );
    const recipe = join(dir, 'locret.ftl');
    const corpus = join(process.cwd(), 'examples/data/corpus.txt');
    writeFileSync(
      recipe,
      `import std.models.gpt2\nimport std.methods.locret\nimport std.losses.causal_lm\nimport std.optim.adamw\n` +
        `recipe tune {\n  model = gpt2.load("base")\n  data = text("${corpus}") |> tokenize(model.tokenizer) |> chunks(seq: 16) |> batch(2)\n` +
        `  apply locret(hidden: 4)\n  loss = causal_lm\n  optim = adamw(lr: 1e-2)\n  train(steps: 2, save: "out")\n}\n`,
    );
    const run = await runRecipe(recipe, { device: 'cpu' });
    expect(run.ok, JSON.stringify(run.diagnostics)).toBe(true);
    const out = join(dir, 'out');
    const prompt = 'the quick brown fox jumps over';
    const o = { model: out, prompt, maxTokens: 5, device: 'cpu' as const };
    // A budget above prompt + generation never evicts: token by token == chunked.
    const plain = await generateText({ ...o, kvBudget: 100 });
    const chunked = await generateText({ ...o, chunk: 4, kvBudget: 100 });
    const budget = await generateText({ ...o, chunk: 4, kvBudget: 6, local: 2 });
    expect(plain.ok && chunked.ok && budget.ok, JSON.stringify(!budget.ok && budget.diagnostics)).toBe(true);
    if (!plain.ok || !chunked.ok || !budget.ok) return;
    expect(chunked.value.tokens).toEqual(plain.value.tokens);
    expect(plain.value.evictions).toBe(0);
    expect(budget.value.evictions).toBeGreaterThan(0);
    const args = ['--model', out, '--prompt', prompt, '--max-tokens', '5', '--device', 'cpu'];
    const cli = spawnSync(
      process.execPath,
      ['cli/ftl.js', 'generate', ...args, '--chunk', '4', '--kv-budget', '6', '--local', '2'],
      {
        encoding: 'utf8',
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(budget.value.text + '\n');
    expect(cli.stderr).toMatch(/KV budget 6: \d+ evictions/);
    const bad = await generateText({ ...o, model: base, kvBudget: 6 });
    expect(!bad.ok && bad.diagnostics[0].message).toMatch(/retention scores/);
  }, 60_000);
});
