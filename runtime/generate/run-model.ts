// A run folder (run.json + model.safetensors under ftl names) as something to generate from
// directly, without exporting it first: the run's own recipe (methods applied, so modules
// that do not merge into the weights, e.g. Locret's retaining heads, are kept), its saved
// weights over the recipe's initial values (a run saves only the weights its training graph
// used; the rest are the frozen initial ones), the tokenizer its data used, and its context.
//
//   runModel(runDir) -> { source, file, values, tokenizer, ctx } | diagnostics
// Tokenizer: the folder its model was loaded from (`gpt2.load(dir)`), else the recipe's
// `tokenize(...)` stage (a tokenizer.json path, or the byte tokenizer, as `ftl export`).

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { allParams } from '../../compiler/elaborate/tree.ts';
import { buildForwardGraph } from '../../compiler/train/build.ts';
import { parse } from '../../grammar/index.ts';
import { readSafetensors } from '../checkpoint/safetensors.ts';
import { EOS } from '../export/init-model.ts';
import { readModel } from '../export/model-source.ts';
import { loadTokenizerFolder, parseHfTokenizer } from '../tokenizer/hf-json.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import { trainBpe } from '../tokenizer/train-bpe.ts';
import { readRunInfo } from '../train/resume.ts';

export interface RunModel {
  readonly source: string;
  readonly file: string;
  /** Saved values by ftl leaf name (model parameters, and optimizer state to be ignored). */
  readonly values: Map<string, Float32Array>;
  readonly tokenizer: Tokenizer;
  /** Longest sequence the model's positions allow. */
  readonly ctx: number;
}

type R<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

/** n_positions / max_position_embeddings of a model folder's config.json (2048 if none). */
export function contextOf(dir: string): number {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const n = c.n_positions ?? c.n_ctx ?? c.max_position_embeddings;
  return typeof n === 'number' ? n : 2048;
}

export function runModel(dir: string): R<RunModel> {
  const info = readRunInfo(dir);
  if (!info.ok) return info;
  const w = readSafetensors(join(dir, 'model.safetensors'));
  if (!w.ok) return w;
  const values = new Map(Object.entries(w.value.tensors).map(([k, t]) => [k, Float32Array.from(t.data)]));
  const file = info.value.recipe;
  const source = readFileSync(file, 'utf8');
  const m = readModel(source, file, { recipe: info.value.name ?? undefined });
  if (!m.ok) return m;
  const root = m.value.tree.root;
  const init = allParams(root).find((p) => p.init.kind === 'data')?.init;
  if (init?.kind === 'data') {
    const base = init.source.slice(0, init.source.lastIndexOf(':'));
    const tok = loadTokenizerFolder(base);
    if (!tok.ok) return tok;
    return { ok: true, value: { source, file, values, tokenizer: tok.value, ctx: contextOf(base) } };
  }
  // A model trained from scratch: the tokenizer its data stage used.
  const built = buildForwardGraph(
    { file, program: parse(source, file).ast },
    { parse, recipe: info.value.name ?? undefined },
  );
  if (!('dataSpec' in built)) return { ok: false, diagnostics: built.diagnostics };
  const stages = built.dataSpec.stages as unknown as readonly { op: string; args: Record<string, unknown> }[];
  const spec = stages.find((s) => s.op === 'tokenize')?.args.tokenizer;
  const vocab = Number(root.config.get('vocab'));
  const tok =
    typeof spec === 'string' && spec !== 'bytes'
      ? loadTokenizerFolder(dirname(resolve(dirname(file), spec)))
      : vocab > 256
        ? parseHfTokenizer(trainBpe('', { merges: 0, specials: [EOS] }), '<bytes>', { eos: EOS })
        : parseHfTokenizer(trainBpe('', { merges: 0, specials: [] }), '<bytes>');
  if (!tok.ok) return tok;
  const c = root.config.get('ctx');
  return {
    ok: true,
    value: { source, file, values, tokenizer: tok.value, ctx: typeof c === 'number' ? c : 2048 },
  };
}
