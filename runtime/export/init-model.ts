// `ftl init-model`: a small randomly initialised GPT-2 or Llama written as a Hugging Face
// folder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json), for tests
// and demos. The weights come from the stdlib model's own init specs (the same draw a recipe
// with `gpt2(...)` gets for the seed), so `gpt2.load(dir)` reproduces that model exactly.
//
// Tokenizer: `bytes` (a byte-level BPE with no merges: ids 0..255 are the bytes, plus
// <|endoftext|> at 256), or `train:FILE` (byte-level BPE trained on FILE with the stdlib
// trainer, `vocab` - 257 merges). The vocabulary size follows the tokenizer unless --vocab says.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { allParams } from '../../compiler/elaborate/tree.ts';
import { initParams } from '../../compiler/elaborate/init.ts';
import { type Result, fail } from '../data/result.ts';
import { trainBpe } from '../tokenizer/train-bpe.ts';
import { readModel } from './model-source.ts';
import { writeHfFolder, type Arch, type NamedTensor } from './hf-folder.ts';

export interface InitModelOptions {
  arch: Arch;
  layers: number;
  d: number;
  heads: number;
  kvHeads?: number;
  /** Llama MLP width (default 4d rounded like Llama: 8d/3 to a multiple of 8). */
  hidden?: number;
  vocab?: number;
  /** 'bytes' or 'train:FILE'. */
  tokenizer?: string;
  ctx: number;
  out: string;
  seed: number;
}

export const EOS = '<|endoftext|>';

/** tokenizer.json for `bytes` (no merges) or trained on a file; vocab = 256 + merges + 1. */
export function makeTokenizerJson(spec: string, vocab?: number): Result<object> {
  if (spec === 'bytes') return { ok: true, value: trainBpe('', { merges: 0, specials: [EOS] }) };
  const m = /^train:(.+)$/.exec(spec);
  if (!m) return fail('FTL0720', spec, `--tokenizer takes \`bytes\` or \`train:FILE\`, got \`${spec}\``);
  let text: string;
  try {
    text = readFileSync(resolve(m[1]), 'utf8');
  } catch (e) {
    return fail('FTL0720', m[1], `cannot read the tokenizer corpus: ${(e as NodeJS.ErrnoException).code}`);
  }
  const merges = Math.max(0, (vocab ?? 512) - 257);
  return { ok: true, value: trainBpe(text, { merges, specials: [EOS] }) };
}

const vocabOf = (json: object): number => {
  const j = json as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
  return Math.max(...Object.values(j.model.vocab), ...j.added_tokens.map((t) => t.id)) + 1;
};

/** The recipe text that builds the requested model (so init goes through the stdlib model). */
function modelSource(o: InitModelOptions, vocab: number): string {
  if (o.arch === 'gpt2')
    return `import std.models.gpt2\nrecipe init { model = gpt2(vocab: ${vocab}, ctx: ${o.ctx}, d: ${o.d}, heads: ${o.heads}, layers: ${o.layers}) }\n`;
  const hidden = o.hidden ?? Math.ceil((8 * o.d) / 3 / 8) * 8;
  return `import std.models.llama\nrecipe init { model = llama(vocab: ${vocab}, d: ${o.d}, heads: ${o.heads}, kv_heads: ${o.kvHeads ?? o.heads}, n_layers: ${o.layers}, hidden: ${hidden}) }\n`;
}

export function initModel(o: InitModelOptions): Result<{ dir: string; files: string[]; vocab: number }> {
  const tok = makeTokenizerJson(o.tokenizer ?? 'bytes', o.vocab);
  if (!tok.ok) return tok;
  const vocab = o.vocab ?? vocabOf(tok.value);
  if (vocab < vocabOf(tok.value))
    return fail(
      'FTL0720',
      o.out,
      `--vocab ${vocab} is smaller than the tokenizer's ${vocabOf(tok.value)} tokens`,
    );
  const built = readModel(modelSource(o, vocab), resolve('init-model.ftl'));
  if (!built.ok) return { ok: false, diagnostics: built.diagnostics as Diagnostic[] };
  const root = built.value.tree.root;
  const values = initParams(root, o.seed);
  const params = new Map<string, NamedTensor>(
    allParams(root).map((p) => [p.name, { shape: p.shape, data: values.get(p.name)! }]),
  );
  const dir = resolve(o.out);
  const w = writeHfFolder(dir, {
    arch: o.arch,
    config: root.config,
    ctx: o.ctx,
    params,
    tokenizer: { json: tok.value, names: { eos: EOS } },
  });
  return w.ok ? { ok: true, value: { dir, files: w.value.files, vocab } } : w;
}
