// Byte-pair encoding of one pre-tokenized word, by merge rank: start from the word's characters
// (for byte-level BPE, one per UTF-8 byte via byte-unicode.ts) and repeatedly merge the adjacent
// pair with the lowest rank, leftmost first, until no adjacent pair has a merge; then look the
// symbols up in the vocabulary. Same order as Hugging Face's `Word::merge_all`: a min-heap of
// candidate pairs keyed by (rank, position) over a linked list of symbols, so a long word (a
// whole SentencePiece-style text has no pre-split) costs O(n log n), not O(n^2).
// Results are cached per word.

export type Merge = readonly [string, string];

/** Binary min-heap of [rank, pos] candidates. */
class PairHeap {
  private readonly a: number[] = []; // interleaved rank, pos
  get size(): number {
    return this.a.length / 2;
  }
  private less(i: number, j: number): boolean {
    const a = this.a;
    return a[2 * i]! < a[2 * j]! || (a[2 * i] === a[2 * j] && a[2 * i + 1]! < a[2 * j + 1]!);
  }
  private swap(i: number, j: number): void {
    const a = this.a;
    [a[2 * i], a[2 * j]] = [a[2 * j]!, a[2 * i]!];
    [a[2 * i + 1], a[2 * j + 1]] = [a[2 * j + 1]!, a[2 * i + 1]!];
  }
  push(rank: number, pos: number): void {
    this.a.push(rank, pos);
    for (let i = this.size - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  /** Remove the minimum; returns [rank, pos]. */
  pop(): [number, number] {
    const top: [number, number] = [this.a[0]!, this.a[1]!];
    const n = this.size - 1;
    this.swap(0, n);
    this.a.length -= 2;
    for (let i = 0; ;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

export class BpeModel {
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(
    readonly vocab: ReadonlyMap<string, number>,
    readonly merges: readonly Merge[],
    /** Llama-3's `ignore_merges`: a word that is itself a vocabulary entry is emitted whole. */
    private readonly ignoreMerges = false,
    /** Symbols -> ids; the default looks each symbol up and throws on a miss (byte-level
     *  loaders check that every base character is in the vocabulary). */
    private readonly toIds: (symbols: string[]) => number[] = (syms) =>
      syms.map((s) => {
        const id = vocab.get(s);
        if (id === undefined) throw new Error(`BPE: symbol ${JSON.stringify(s)} not in vocabulary`);
        return id;
      }),
  ) {
    merges.forEach(([a, b], r) => {
      const k = pairKey(a, b);
      if (!this.ranks.has(k)) this.ranks.set(k, r); // first occurrence wins, as in HF
    });
  }

  /** Symbols after merging (before the vocabulary lookup). */
  mergeWord(word: string): string[] {
    const sym = Array.from(word);
    const n = sym.length;
    // Doubly linked list over positions; a merged-away position has alive[i] = false.
    const next = Array.from({ length: n }, (_, i) => i + 1);
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const alive = new Array<boolean>(n).fill(true);
    const heap = new PairHeap();
    const rankAt = (i: number) =>
      next[i]! < n ? this.ranks.get(pairKey(sym[i]!, sym[next[i]!]!)) : undefined;
    const offer = (i: number) => {
      const r = i >= 0 ? rankAt(i) : undefined;
      if (r !== undefined) heap.push(r, i);
    };
    for (let i = 0; i + 1 < n; i++) offer(i);
    while (heap.size > 0) {
      const [rank, i] = heap.pop();
      // Stale entry: the left symbol died, or the pair at i changed since it was offered.
      if (!alive[i] || rankAt(i) !== rank) continue;
      const j = next[i]!;
      sym[i] = sym[i]! + sym[j]!;
      alive[j] = false;
      next[i] = next[j]!;
      if (next[j]! < n) prev[next[j]!] = i;
      offer(prev[i]!);
      offer(i);
    }
    return sym.filter((_, i) => alive[i]);
  }

  /** Ids of one word. */
  encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
    const ids = whole !== undefined ? [whole] : this.toIds(this.mergeWord(word));
    if (word.length < 256) {
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }
}

/** Unambiguous key for a pair even when tokens contain spaces: length-prefixed. */
const pairKey = (a: string, b: string): string => `${a.length}:${a}${b}`;
