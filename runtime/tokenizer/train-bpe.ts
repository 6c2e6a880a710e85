// A small byte-level BPE trainer: enough to give tiny models trained from scratch (and
// `ftl init-model`, and the tests) a real tokenizer.json that the Hugging Face loader reads.
// Algorithm (the classic one): split the corpus with GPT-2's pre-tokenizer regex, spell each
// distinct word in byte-unicode characters, then repeatedly merge the most frequent adjacent
// pair (ties broken by the smaller pair in code-unit order, so training is deterministic) until
// `merges` merges are learned or no pair occurs `minFrequency` times.
// Vocabulary: ids 0..255 are the 256 byte characters in byte order, then one id per merge in
// merge order, then the special tokens.

import { BYTE_TO_CHAR, toByteChars } from './byte-unicode.ts';
import { GPT2_PATTERN, toJsRegex, splitIsolated } from './pretokenize.ts';

export interface TrainBpeOptions {
  /** Number of merges to learn (vocabulary = 256 + merges + specials). */
  readonly merges: number;
  readonly specials?: readonly string[];
  /** A pair must occur at least this often to be merged (default 2). */
  readonly minFrequency?: number;
}

/** The subset of the tokenizer.json schema this trainer writes (and hf-json.ts reads). */
export interface TokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: {
    id: number;
    content: string;
    single_word: boolean;
    lstrip: boolean;
    rstrip: boolean;
    normalized: boolean;
    special: boolean;
  }[];
  normalizer: null;
  pre_tokenizer: { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };
  post_processor: { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };
  decoder: { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: false;
    byte_fallback: false;
    ignore_merges: false;
    vocab: Record<string, number>;
    merges: string[];
  };
}

export function trainBpe(corpus: string, opts: TrainBpeOptions): TokenizerJson {
  const minFreq = opts.minFrequency ?? 2;
  // Distinct words with their counts; each word is a list of symbols that merging shortens.
  const counts = new Map<string, number>();
  for (const w of splitIsolated(corpus, toJsRegex(GPT2_PATTERN))) {
    const k = toByteChars(w);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const words = [...counts].map(([w, n]) => ({ syms: Array.from(w), n }));

  // A Map, not an object: words such as "constructor" must not hit Object.prototype.
  const vocab = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));
  const merges: string[] = [];
  while (merges.length < opts.merges) {
    const pairs = new Map<string, { a: string; b: string; n: number }>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]!.length}:${syms[i]}${syms[i + 1]}`;
        const p = pairs.get(key);
        if (p) p.n += n;
        else pairs.set(key, { a: syms[i]!, b: syms[i + 1]!, n });
      }
    }
    let best: { a: string; b: string; n: number } | undefined;
    for (const p of pairs.values()) {
      if (!best || p.n > best.n || (p.n === best.n && (p.a < best.a || (p.a === best.a && p.b < best.b))))
        best = p;
    }
    if (!best || best.n < minFreq) break;
    const { a, b } = best;
    const ab = a + b;
    if (!vocab.has(ab)) vocab.set(ab, vocab.size);
    merges.push(`${a} ${b}`);
    for (const w of words) {
      const s = w.syms;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) (out.push(ab), i++);
        else out.push(s[i]!);
      }
      w.syms = out;
    }
  }

  const next = vocab.size;
  const added_tokens = (opts.specials ?? []).map((content, i) => ({
    id: next + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = {
    type: 'ByteLevel' as const,
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}
