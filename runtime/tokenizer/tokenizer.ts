// The Tokenizer contract the data pipeline, generation and the CLI program against, plus the
// special-token splitting every implementation shares: added/special tokens are cut out of
// the text first (longest match wins), and only the pieces between them are encoded normally.

export interface SpecialToken {
  readonly content: string;
  readonly id: number;
}

export interface EncodeOptions {
  /** Recognize special-token text (e.g. "<|endoftext|>") in the input as the special id.
   *  Default true, as Hugging Face does; turn off for untrusted data. */
  readonly specials?: boolean;
}

export interface Tokenizer {
  /** One more than the largest id (embedding rows a model needs). */
  readonly vocabSize: number;
  readonly specials: readonly SpecialToken[];
  readonly eosId?: number;
  readonly bosId?: number;
  /** Falls back to eosId when the tokenizer has no pad token (padding is masked out anyway). */
  readonly padId?: number;
  /** Whether sequences should start with bosId (Llama-style post-processor); encode() itself never adds it. */
  readonly addBos: boolean;
  encode(text: string, opts?: EncodeOptions): number[];
  /** Ids outside the vocabulary decode to U+FFFD; invalid UTF-8 byte runs too. */
  decode(ids: readonly number[], opts?: { skipSpecials?: boolean }): string;
  /** The model's chat template (Jinja source from tokenizer_config.json), when it has one;
   *  chat-template.ts compiles it. */
  readonly chatTemplate?: string;
  /** A short description for error messages: "byte-level BPE, 1256 tokens". */
  describe(): string;
}

export type Piece = { readonly text: string } | { readonly special: SpecialToken };

/** Split `text` around occurrences of the special tokens (longest first at each position). */
export function splitSpecials(text: string, specials: readonly SpecialToken[]): Piece[] {
  if (specials.length === 0 || text.length === 0) return text ? [{ text }] : [];
  const re = specialsRegex(specials);
  const byContent = new Map(specials.map((s) => [s.content, s]));
  const out: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push({ text: text.slice(last, m.index) });
    out.push({ special: byContent.get(m[0])! });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

const cache = new WeakMap<readonly SpecialToken[], RegExp>();
function specialsRegex(specials: readonly SpecialToken[]): RegExp {
  let re = cache.get(specials);
  if (!re) {
    const alts = [...specials]
      .map((s) => s.content)
      .filter((c) => c.length > 0)
      .sort((a, b) => b.length - a.length);
    re = new RegExp(alts.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu');
    cache.set(specials, re);
  }
  return re;
}

/** Pick an id by the first candidate name present (used to find eos/bos/pad). */
export function findSpecial(specials: readonly SpecialToken[], names: readonly string[]): number | undefined {
  for (const n of names) {
    const s = specials.find((t) => t.content === n);
    if (s) return s.id;
  }
  return undefined;
}
