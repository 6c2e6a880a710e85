// Hugging Face `tokenizer.json` loader for byte-level BPE (GPT-2, Llama-3, Qwen2, SmolLM).
// Encoding: normalize (none / NFC / NFKC ...) -> cut out added tokens -> pre-tokenizer splits
// (ByteLevel's GPT-2 regex, or a Split regex followed by ByteLevel) -> map each UTF-8 byte to its
// byte-unicode character -> BPE by merge rank -> vocabulary ids. Decoding maps token characters
// back to bytes and decodes UTF-8. Anything else in the file (WordPiece, Unigram, SentencePiece
// byte_fallback, unknown normalizers or pre-tokenizers) is a diagnostic, not a silent mismatch.

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
import { GPT2_PATTERN, toJsRegex, splitIsolated } from './pretokenize.ts';

export interface SpecialNames {
  readonly eos?: string;
  readonly bos?: string;
  readonly pad?: string;
}

type Json = Record<string, unknown>;
type Step = (pieces: string[]) => string[];
const UNSUPPORTED = 'FTL0721';

/** Build a tokenizer from a parsed tokenizer.json object. `file` is only used in messages. */
export function parseHfTokenizer(json: unknown, file: string, names: SpecialNames = {}): Result<Tokenizer> {
  const j = (json ?? {}) as Json;
  const model = (j.model ?? {}) as Json;
  if (model.type !== undefined && model.type !== 'BPE')
    return fail(
      UNSUPPORTED,
      file,
      `tokenizer model \`${String(model.type)}\` is not supported`,
      'ftl reads byte-level BPE tokenizers (GPT-2, Llama-3, Qwen2, SmolLM)',
    );
  if (model.byte_fallback === true)
    return fail(
      UNSUPPORTED,
      file,
      'SentencePiece-style BPE (byte_fallback) is not supported yet',
      'use a byte-level BPE tokenizer',
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
  const missing = BYTE_TO_CHAR.findIndex((c) => !vocab.has(c));
  if (missing >= 0 && unk === undefined)
    return fail(
      UNSUPPORTED,
      file,
      `not a byte-level BPE vocabulary: no entry for byte 0x${missing.toString(16).padStart(2, '0')}`,
      'ftl reads byte-level BPE tokenizers',
    );

  const norm = normalizer(j.normalizer);
  if (typeof norm === 'string') return fail(UNSUPPORTED, file, norm);
  const steps = preTokenizer(j.pre_tokenizer);
  if (typeof steps === 'string') return fail(UNSUPPORTED, file, steps);

  const specials: SpecialToken[] = [];
  const specialFlag = new Map<number, boolean>();
  for (const t of (j.added_tokens ?? []) as Json[]) {
    if (typeof t.content !== 'string' || typeof t.id !== 'number')
      return fail(UNSUPPORTED, file, 'added_tokens entries need `id` and `content`');
    specials.push({ content: t.content, id: t.id });
    specialFlag.set(t.id, t.special !== false);
  }
  const bpe = new BpeModel(vocab, merges, model.ignore_merges === true, unk);
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
      for (const p of splitSpecials(norm(text), o?.specials === false ? [] : specials)) {
        if ('special' in p) ids.push(p.special.id);
        else for (const w of steps([p.text])) ids.push(...bpe.encodeWord(toByteChars(w)));
      }
      return ids;
    },
    decode(ids: readonly number[], o?: { skipSpecials?: boolean }): string {
      let out = '';
      const bytes: number[] = [];
      const flush = () => {
        out += new TextDecoder().decode(new Uint8Array(bytes));
        bytes.length = 0;
      };
      for (const id of ids) {
        const added = addedById.get(id);
        if (added !== undefined) {
          flush();
          if (!(o?.skipSpecials && specialFlag.get(id))) out += added;
          continue;
        }
        const tok = idToToken.get(id);
        if (tok === undefined) {
          flush();
          out += '\uFFFD';
          continue;
        }
        for (const ch of tok) {
          const b = CHAR_TO_BYTE.get(ch);
          if (b !== undefined) bytes.push(b);
          else bytes.push(...new TextEncoder().encode(ch));
        }
      }
      flush();
      return out;
    },
    describe: () => `byte-level BPE from ${path.basename(file)}, ${maxId + 1} tokens`,
  });
}

/** Legacy merges are "a b"; byte-level tokens never contain a raw space, so split on the one space. */
function splitMerge(m: string): Merge | undefined {
  const parts = m.split(' ');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : undefined;
}

function normalizer(n: unknown): ((s: string) => string) | string {
  if (n === null || n === undefined) return (s) => s;
  const t = (n as Json).type;
  if (t === 'NFC' || t === 'NFKC' || t === 'NFD' || t === 'NFKD') return (s) => s.normalize(t);
  if (t === 'Sequence') {
    const fs = ((n as Json).normalizers as unknown[]).map(normalizer);
    const bad = fs.find((f) => typeof f === 'string');
    if (bad) return bad as string;
    return (s) => (fs as ((s: string) => string)[]).reduce((acc, f) => f(acc), s);
  }
  return `normalizer \`${String(t)}\` is not supported`;
}

function preTokenizer(p: unknown): Step | string {
  if (p === null || p === undefined) return (xs) => xs;
  const j = p as Json;
  switch (j.type) {
    case 'ByteLevel': {
      const re = j.use_regex === false ? undefined : toJsRegex(GPT2_PATTERN);
      const prefix = j.add_prefix_space === true;
      return (xs) =>
        xs.flatMap((x) => {
          const s = prefix && !/^\s/u.test(x) ? ' ' + x : x;
          return re ? splitIsolated(s, re) : [s];
        });
    }
    case 'Split': {
      const pat = j.pattern as Json;
      if (j.behavior !== 'Isolated' || j.invert === true)
        return `Split pre-tokenizer with behavior \`${String(j.behavior)}\`${j.invert ? ' (inverted)' : ''} is not supported`;
      let re: RegExp;
      try {
        re =
          typeof pat.Regex === 'string'
            ? toJsRegex(pat.Regex)
            : new RegExp(String(pat.String).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
      } catch (e) {
        return `Split pattern cannot be compiled for JavaScript: ${(e as Error).message}`;
      }
      return (xs) => xs.flatMap((x) => splitIsolated(x, re));
    }
    case 'Digits': {
      // SmolLM: digits become their own pieces, one per digit or one per run.
      const re = j.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu;
      return (xs) => xs.flatMap((x) => splitIsolated(x, re));
    }
    case 'Sequence': {
      const steps = ((j.pretokenizers ?? []) as unknown[]).map(preTokenizer);
      const bad = steps.find((s) => typeof s === 'string');
      if (bad) return bad as string;
      return (xs) => (steps as Step[]).reduce((acc, f) => f(acc), xs);
    }
    default:
      return `pre-tokenizer \`${String(j.type)}\` is not supported`;
  }
}

/** A TemplateProcessing post-processor whose `single` template starts with a special token
 *  (Llama-3's `<|begin_of_text|> $A`) means sequences start with BOS; returns its id. */
function bosTemplate(p: unknown, specials: readonly SpecialToken[]): number | undefined {
  const j = p as Json | null;
  if (!j) return undefined;
  if (j.type === 'Sequence') {
    for (const q of (j.processors ?? []) as unknown[]) {
      const id = bosTemplate(q, specials);
      if (id !== undefined) return id;
    }
    return undefined;
  }
  if (j.type !== 'TemplateProcessing' || !Array.isArray(j.single)) return undefined;
  const first = (j.single[0] ?? {}) as { SpecialToken?: { id?: string } };
  return first.SpecialToken?.id !== undefined ? findSpecial(specials, [first.SpecialToken.id]) : undefined;
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

/** Load a model folder's tokenizer.json, taking eos/bos/pad names from tokenizer_config.json when present. */
export function loadTokenizerFolder(dir: string): Result<Tokenizer> {
  const names: { eos?: string; bos?: string; pad?: string } = {};
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
    } catch (e) {
      return fail('FTL0720', cfgFile, `not valid JSON: ${(e as Error).message}`);
    }
  }
  return loadHfTokenizer(path.join(dir, 'tokenizer.json'), names);
}
