// A small synthetic retrieval task for Locret's budgeted generation (shared by the test and
// by the figures in docs/generate-and-export.md): a prompt of filler tokens (0..7) holds one
// value token (8..14) somewhere, then the query token 15; the answer is the value. A tiny
// GPT-2 learns it (the query attends to the value), Locret's retaining heads then learn
// which cached units later queries attend to, and generation under a KV budget far below
// the prompt length keeps or loses the value depending on the eviction policy.
//
//   taskRecipe(apply)                        recipe text (backbone: apply ""; heads: apply locret)
//   taskBatch(B, T, seed)                    tokens + loss mask (only the answer counts)
//   trainTask(steps, seed) -> values         backbone, then retaining heads, on the CPU executor
//   taskPrompt(T, seed) -> { prompt, answer }
import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { step } from '../../runtime/cpu/index.ts';

export const [VOCAB, QUERY, T_TRAIN] = [16, 15, 16];
export const FILE = 'examples/locret-task.ftl';

export const taskRecipe = (apply: string, lr = 1e-2) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.locret
recipe r {
  model = gpt2(vocab: ${VOCAB}, ctx: 64, d: 16, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: ${T_TRAIN}) |> batch(8)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: ${lr})
  train(steps: 10)
}`;

/** Deterministic LCG in [0, 1). */
export function lcg(seed: number): () => number {
  let s = (seed * 2654435761 + 12345) >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One sequence of length T: filler, one value at a random position, query, answer. */
export function taskPrompt(T: number, seed: number): { prompt: number[]; answer: number } {
  const r = lcg(seed);
  const prompt = Array.from({ length: T - 1 }, () => Math.floor(r() * 8));
  const answer = 8 + Math.floor(r() * 7);
  prompt[Math.floor(r() * (T - 3))] = answer;
  prompt[T - 2] = QUERY;
  return { prompt, answer };
}

export function taskBatch(B: number, T: number, seed: number): Map<string, Int32Array | Float32Array> {
  const tokens = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const { prompt, answer } = taskPrompt(T, seed * 1000 + b);
    tokens.set([...prompt, answer], b * T);
    mask[b * T + T - 1] = 1;
  }
  return new Map<string, Int32Array | Float32Array>([
    ['tokens', tokens],
    ['loss_mask', mask],
    ['step', Int32Array.of(seed)],
    ['seed', Int32Array.of(seed)],
  ]);
}

function build(text: string): TrainingBuild {
  const r = buildTrainingGraph({ file: FILE, program: parse(text, FILE).ast }, { parse });
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r as TrainingBuild;
}

/**
 * Train the backbone on the task (`steps`), then Locret's retaining heads on the frozen
 * backbone (`headSteps`); returns every parameter value (ftl leaf names) and the losses.
 */
export function trainTask(
  steps: number,
  headSteps: number,
  seed = 1,
): { values: Map<string, Float32Array>; backbone: number[]; heads: number[] } {
  const b = build(taskRecipe(''));
  const st = b.initialValues(seed) as Map<string, Float32Array | Int32Array>;
  const backbone = Array.from(
    { length: steps },
    (_, s) => step(b.graph, st, taskBatch(8, T_TRAIN, s + 1)).loss[0],
  );
  const h = build(taskRecipe('apply locret(hidden: 16)', 5e-3));
  const hs = h.initialValues(seed) as Map<string, Float32Array | Int32Array>;
  for (const [k, v] of st) if (!k.includes(':') && hs.has(k)) hs.set(k, v);
  const heads = Array.from(
    { length: headSteps },
    (_, s) => step(h.graph, hs, taskBatch(8, T_TRAIN, 5000 + s)).loss[0],
  );
  const values = new Map<string, Float32Array>();
  for (const [k, v] of hs) if (!k.includes(':') && v instanceof Float32Array) values.set(k, v);
  return { values, backbone, heads };
}
