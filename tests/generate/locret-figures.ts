// The quality figures of Locret's budgeted generation (docs/generate-and-export.md), not a
// test: `npx tsx tests/generate/locret-figures.ts [steps] [headSteps] [budget] [prompts] [seed]`
// trains the retrieval task of locret-task.ts and reports, over `prompts` held-out prompts,
// the answer accuracy of the full cache and of a `budget`-entry cache (chunks of 4) evicting
// by retaining-head scores, at random, or keeping the newest only, and the mean KL of each
// budgeted next-token distribution from the full cache's.
import { decodeGraph } from '../../runtime/generate/decode-graph.ts';
import { Generator } from '../../runtime/generate/generate.ts';
import { argmax } from '../../runtime/generate/sample.ts';
import { FILE, T_TRAIN, taskPrompt, taskRecipe, trainTask } from './locret-task.ts';

const [steps, headSteps] = [Number(process.argv[2] ?? 300), Number(process.argv[3] ?? 200)];
let t0 = Date.now();
const tr = trainTask(steps, headSteps, Number(process.argv[6] ?? 1));
console.log(
  'train s',
  (Date.now() - t0) / 1000,
  'backbone',
  tr.backbone
    .filter((_, i) => i % 50 === 0 || i === steps - 1)
    .map((x) => x.toFixed(3))
    .join(' '),
);
console.log(
  'heads',
  tr.heads
    .filter((_, i) => i % 50 === 0 || i === headSteps - 1)
    .map((x) => x.toExponential(2))
    .join(' '),
);
const src = taskRecipe('apply locret(hidden: 16)');
const [C, B] = [4, Number(process.argv[4] ?? 6)];
const mk = (maxT: number, chunk: number) => {
  const d = decodeGraph(src, FILE, maxT, { chunk, slot: true });
  if (!d.ok) throw new Error(JSON.stringify(d.diagnostics));
  for (const [k, v] of tr.values) if (d.value.values.has(k)) d.value.values.set(k, v);
  return d.value;
};
const full = await Generator.open(mk(T_TRAIN + 4, 1), undefined, mk(T_TRAIN + 4, C));
const bud = await Generator.open(mk(B + C, 1), undefined, mk(B + C, C));
const acc = { full: 0, locret: 0, random: 0, recent: 0 };
const kl = { locret: 0, random: 0, recent: 0 };
const N = Number(process.argv[5] ?? 40);
const klOf = (p: Float32Array, q: Float32Array) => {
  const sm = (l: Float32Array) => {
    const m = Math.max(...l);
    const e = Array.from(l, (x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b);
    return e.map((x) => x / s);
  };
  const a = sm(p),
    b = sm(q);
  return a.reduce((s, x, i) => s + x * Math.log(x / b[i]), 0);
};
t0 = Date.now();
for (let i = 0; i < N; i++) {
  const { prompt, answer } = taskPrompt(T_TRAIN, 900000 + i);
  const f = await full.generate(prompt, { maxTokens: 1, keepLogits: true });
  acc.full += +(argmax(f.logits![0]) === answer);
  for (const [name, kv] of [
    ['locret', { budget: B, local: 1 }],
    ['random', { budget: B, local: 1, policy: 'random' as const }],
    ['recent', { budget: B, local: B }],
  ] as const) {
    const g = await bud.generate(prompt, { maxTokens: 1, keepLogits: true, kv, seed: i });
    acc[name] += +(argmax(g.logits![0]) === answer);
    kl[name] += klOf(f.logits![0], g.logits![0]) / N;
  }
}
console.log('eval s', (Date.now() - t0) / 1000, 'acc /', N, acc, 'KL', kl);
