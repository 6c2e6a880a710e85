// Byte-pair encoding of one pre-tokenized word, by merge rank: start from the word's characters
// (for byte-level BPE, one per UTF-8 byte via byte-unicode.ts), repeatedly merge every occurrence
// of the adjacent pair with the lowest rank, until no adjacent pair has a merge. Then look the
// symbols up in the vocabulary. Results are cached per word.

export type Merge = readonly [string, string];

export class BpeModel {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(
    readonly vocab: ReadonlyMap<string, number>,
    readonly merges: readonly Merge[],
    /** Llama-3's `ignore_merges`: a word that is itself a vocabulary entry is emitted whole. */
    private readonly ignoreMerges = false,
    private readonly unkId?: number,
  ) {
    merges.forEach(([a, b], r) => {
      const k = pairKey(a, b);
      if (!this.ranks.has(k)) this.ranks.set(k, r); // first occurrence wins, as in HF
    });
  }

  /** Symbols after merging (before the vocabulary lookup). */
  mergeWord(word: string): string[] {
    const syms = Array.from(word);
    for (;;) {
      let best = Infinity;
      let bi = -1;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.ranks.get(pairKey(syms[i]!, syms[i + 1]!));
        if (r !== undefined && r < best) ((best = r), (bi = i));
      }
      if (bi < 0) return syms;
      const a = syms[bi]!,
        b = syms[bi + 1]!;
      const out: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) (out.push(a + b), i++);
        else out.push(syms[i]!);
      }
      syms.splice(0, syms.length, ...out);
    }
  }

  /** Ids of one word. A symbol missing from the vocabulary becomes unkId, or throws (internal:
   *  loaders check that every base character is in the vocabulary). */
  encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
    const ids =
      whole !== undefined
        ? [whole]
        : this.mergeWord(word).map((s) => {
            const id = this.vocab.get(s) ?? this.unkId;
            if (id === undefined) throw new Error(`BPE: symbol ${JSON.stringify(s)} not in vocabulary`);
            return id;
          });
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }
}

/** Unambiguous key for a pair even when tokens contain spaces: length-prefixed. */
const pairKey = (a: string, b: string): string => `${a.length}:${a}${b}`;
