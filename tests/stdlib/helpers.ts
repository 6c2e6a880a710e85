// Compile inline recipes (imports resolve to stdlib/) and run them on the CPU executor.
import { parse } from '../../grammar/index.ts';
import {
  buildForwardGraph,
  buildTrainingGraph,
  type ForwardBuild,
  type TrainingBuild,
} from '../../compiler/train/build.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';

export type Store = Map<string, Float32Array | Int32Array | Float64Array | Uint8Array>;

const src = (text: string) => {
  const file = 'examples/inline.ftl';
  const r = parse(text, file);
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return { file, program: r.ast };
};

export function train(text: string): TrainingBuild {
  const r = buildTrainingGraph(src(text), { parse });
  if (r.diagnostics.length)
    throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message} ${d.hint ?? ''}`).join('\n'));
  return r as TrainingBuild;
}

export function trainDiagnostics(text: string): Diagnostic[] {
  return buildTrainingGraph(src(text), { parse }).diagnostics;
}

export function forward(text: string): ForwardBuild {
  const r = buildForwardGraph(src(text), { parse });
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r as ForwardBuild;
}

/** Deterministic tokens in [0, vocab) and a loss mask with some zeros. */
export function tokenBatch(
  B: number,
  T: number,
  vocab: number,
  salt = 0,
): { tokens: Int32Array; loss_mask: Float32Array } {
  const tokens = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + salt * 13 + ((i * i) % 5)) % vocab);
  const loss_mask = Float32Array.from({ length: B * T }, (_, i) => ((i + salt) % 5 === 4 ? 0 : 1));
  return { tokens, loss_mask };
}

export const gptRecipe = (apply: string, extra = '') => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.lora
import std.methods.sparse_update
import std.methods.bitfit
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 3)
  data = text("x.txt") |> chunks(seq: 8) |> batch(4)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  train(steps: 10${extra})
}`;
