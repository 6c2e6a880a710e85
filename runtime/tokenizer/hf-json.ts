// Hugging Face `tokenizer.json` loader for BPE tokenizers, in both flavours:
//   byte-level (GPT-2, Llama-3, Qwen2, SmolLM): words are spelled in byte-unicode characters
//     (byte-unicode.ts) so every byte sequence has a spelling;
//   SentencePiece-style (Llama-2, Mistral, TinyLlama): words are spelled in characters with "▁"
//     for spaces, with `<0xXX>` byte tokens as the fallback (sentencepiece.ts).
// Encoding: cut out added tokens (longest match) -> per remaining piece: normalizer ->
// pre-tokenizer (hf-components.ts) -> BPE by merge rank (bpe.ts) -> ids. Decoding: tokens ->
// bytes -> UTF-8. Other models (WordPiece, Unigram) or unknown components are diagnostics.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Result, ok, fail } from '../data/result.ts';
import {
  type Tokenizer,
  type SpecialToken,
  type EncodeOptions,
  splitSpecials,
  findSpecial,
} from './tokenizer.ts';
import { BpeModel, type Merge } from './bpe.ts';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, toByteChars } from './byte-unicode.ts';
import { normalizer, preTokenizer, bosTemplate, mentions } from './hf-components.ts';
import { symbolIds, tokenBytes, hasByteTokens, SPACE_MARK } from './sentencepiece.ts';
import { configChatTemplate } from './chat-template.ts';

export interface SpecialNames {
  readonly eos?: string;
  readonly bos?: string;
  readonly pad?: string;
}

type Json = Record<string, unknown>;
const UNSUPPORTED = 'FTL0721';
const utf8 = new TextEncoder();

/** Build a tokenizer from a parsed tokenizer.json object. `file` is only used in messages. */
export function parseHfTokenizer(json: unknown, file: string, names: SpecialNames = {}): Result<Tokenizer> {
  const j = (json ?? {}) as Json;
  const model = (j.model ?? {}) as Json;
  if (model.type !== undefined && model.type !== 'BPE')
    return fail(
      UNSUPPORTED,
      file,
      `tokenizer model \`${String(model.type)}\` is not supported`,
      'ftl reads BPE tokenizers (GPT-2, Llama, Qwen2, SmolLM, Mistral)',
    );
  if (typeof model.vocab !== 'object' || model.vocab === null || !Array.isArray(model.merges))
    return fail(UNSUPPORTED, file, '`model` needs a `vocab` object and a `merges` list');

  const vocab = new Map<string, number>(Object.entries(model.vocab as Record<string, number>));
  const merges: Merge[] = [];
  for (const m of model.merges as unknown[]) {
    const pair =
      typeof m === 'string'
        ? splitMerge(m)
        : Array.isArray(m) && m.length === 2
          ? (m as [string, string])
          : undefined;
    if (!pair) return fail(UNSUPPORTED, file, `bad merge entry ${JSON.stringify(m)}`);
    merges.push(pair);
  }
  const unk = typeof model.unk_token === 'string' ? vocab.get(model.unk_token) : undefined;
  const byteFallback = model.byte_fallback === true;

  // Which flavour: ByteLevel anywhere in the pipeline means byte-level; Metaspace/▁ or byte fallback means SentencePiece.
  const sentencePiece =
    !mentions(j.pre_tokenizer, 'ByteLevel') &&
    !mentions(j.decoder, 'ByteLevel') &&
    (byteFallback ||
      mentions(j.pre_tokenizer, 'Metaspace') ||
      mentions(j.decoder, 'Metaspace') ||
      JSON.stringify(j.normalizer ?? null).includes(SPACE_MARK));
  if (sentencePiece) {
    if (byteFallback && !hasByteTokens(vocab))
      return fail(
        UNSUPPORTED,
        file,
        'byte_fallback is set but the vocabulary lacks the <0x00>..<0xFF> tokens',
      );
  } else {
    const missing = BYTE_TO_CHAR.findIndex((c) => !vocab.has(c));
    if (missing >= 0 && unk === undefined)
      return fail(
        UNSUPPORTED,
        file,
        `not a byte-level BPE vocabulary: no entry for byte 0x${missing.toString(16).padStart(2, '0')}`,
        'ftl reads byte-level and SentencePiece-style BPE tokenizers',
      );
  }

  const norm = normalizer(j.normalizer);
  if (typeof norm === 'string') return fail(UNSUPPORTED, file, norm);
  const split = preTokenizer(j.pre_tokenizer);
  if (typeof split === 'string') return fail(UNSUPPORTED, file, split);

  const specials: SpecialToken[] = [];
  const specialFlag = new Map<number, boolean>();
  for (const t of (j.added_tokens ?? []) as Json[]) {
    if (typeof t.content !== 'string' || typeof t.id !== 'number')
      return fail(UNSUPPORTED, file, 'added_tokens entries need `id` and `content`');
    specials.push({ content: t.content, id: t.id });
    specialFlag.set(t.id, t.special !== false);
  }
  const bpe = sentencePiece
    ? new BpeModel(vocab, merges, model.ignore_merges === true, (syms) =>
        symbolIds(syms, vocab, byteFallback, unk, model.fuse_unk === true),
      )
    : new BpeModel(vocab, merges, model.ignore_merges === true, (syms) =>
        syms.map((s) => vocab.get(s) ?? unk!),
      );
  const spell = sentencePiece ? (w: string) => w : toByteChars;
  const bytesOf = sentencePiece
    ? tokenBytes
    : (tok: string) =>
        [...tok].flatMap((ch) => (CHAR_TO_BYTE.has(ch) ? [CHAR_TO_BYTE.get(ch)!] : [...utf8.encode(ch)]));
  // SentencePiece decoders drop the space that encoding prepended to the input.
  const stripFirstSpace = sentencePiece && (mentions(j.decoder, 'Strip') || mentions(j.decoder, 'Metaspace'));

  const cache = new Map<string, number[]>();
  const idToToken = new Map<number, string>();
  for (const [s, id] of vocab) idToToken.set(id, s);
  const addedById = new Map(specials.map((s) => [s.id, s.content]));
  const maxId = Math.max(-1, ...vocab.values(), ...specials.map((s) => s.id));
  const eosId = findSpecial(
    specials,
    names.eos ? [names.eos] : ['<|endoftext|>', '<|end_of_text|>', '</s>', '<|im_end|>', '<eos>'],
  );
  const template = bosTemplate(j.post_processor, specials);
  const bosId =
    findSpecial(
      specials,
      names.bos ? [names.bos] : ['<|begin_of_text|>', '<s>', '<bos>', '<|startoftext|>'],
    ) ?? template;
  const padId =
    findSpecial(specials, names.pad ? [names.pad] : ['<pad>', '<|pad|>', '<|finetune_right_pad_id|>']) ??
    eosId;

  return ok({
    vocabSize: maxId + 1,
    specials,
    eosId,
    bosId,
    padId,
    addBos: template !== undefined,
    encode(text: string, o?: EncodeOptions): number[] {
      const ids: number[] = [];
      splitSpecials(text, o?.specials === false ? [] : specials).forEach((p, i) => {
        if ('special' in p) ids.push(p.special.id);
        else
          for (const w of split([norm(p.text)], i === 0)) {
            // Cache by the word as written: skips spelling it in byte characters on a hit.
            let wordIds = cache.get(w);
            if (!wordIds) {
              wordIds = bpe.encodeWord(spell(w));
              if (w.length < 256) {
                if (cache.size > 100_000) cache.clear();
                cache.set(w, wordIds);
              }
            }
            for (const id of wordIds) ids.push(id);
          }
      });
      return ids;
    },
    decode(ids: readonly number[], o?: { skipSpecials?: boolean }): string {
      let out = '';
      const bytes: number[] = [];
      let first = true;
      const flush = () => {
        out += new TextDecoder().decode(new Uint8Array(bytes));
        bytes.length = 0;
      };
      for (const id of ids) {
        const added = addedById.get(id);
        const tok = added === undefined ? idToToken.get(id) : undefined;
        if (tok === undefined) {
          if (added !== undefined && o?.skipSpecials && specialFlag.get(id)) continue; // as if absent
          flush();
          out += added ?? '\uFFFD';
          first = false;
          continue;
        }
        const b = bytesOf(tok);
        bytes.push(...(first && stripFirstSpace && tok.startsWith(SPACE_MARK) ? b.slice(1) : b));
        first = false;
      }
      flush();
      return out;
    },
    describe: () =>
      `${sentencePiece ? 'SentencePiece-style' : 'byte-level'} BPE from ${path.basename(file)}, ${maxId + 1} tokens`,
  });
}

function missingSymbol(s: string): never {
  throw new Error(`BPE: merged symbol ${JSON.stringify(s)} is not in the vocabulary`); // a malformed file: merges without vocab entries
}

/** Legacy merges are "a b"; BPE tokens never contain a raw space, so split on the one space. */
function splitMerge(m: string): Merge | undefined {
  const parts = m.split(' ');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : undefined;
}

/** Load a tokenizer.json file. */
export function loadHfTokenizer(file: string, names: SpecialNames = {}): Result<Tokenizer> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail('FTL0720', file, code ? `cannot open: ${code}` : `not valid JSON: ${(e as Error).message}`);
  }
  return parseHfTokenizer(json, file, names);
}

/** Load a model folder's tokenizer.json, taking eos/bos/pad names and the chat template from
 *  tokenizer_config.json when present. */
export function loadTokenizerFolder(dir: string): Result<Tokenizer> {
  const names: { eos?: string; bos?: string; pad?: string } = {};
  let chatTemplate: string | undefined;
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  if (fs.existsSync(cfgFile)) {
    try {
      const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Json;
      const name = (v: unknown) =>
        typeof v === 'string'
          ? v
          : typeof (v as Json | null)?.content === 'string'
            ? ((v as Json).content as string)
            : undefined;
      names.eos = name(cfg.eos_token);
      names.bos = name(cfg.bos_token);
      names.pad = name(cfg.pad_token);
      chatTemplate = configChatTemplate(cfg);
    } catch (e) {
      return fail('FTL0720', cfgFile, `not valid JSON: ${(e as Error).message}`);
    }
  }
  const r = loadHfTokenizer(path.join(dir, 'tokenizer.json'), names);
  return r.ok && chatTemplate !== undefined ? ok({ ...r.value, chatTemplate }) : r;
}
