// GPT-2's tokenizer.json, rebuilt at test time from gpt-tokenizer's bundled r50k_base ranks
// (data/r50k_base.tiktoken: one "base64(token bytes) rank" per line; <|endoftext|> is 50256).
// Only byte-pair ranks ship, so the Hugging Face form is reconstructed:
//   vocab   each token's bytes spelled with GPT-2's byte -> unicode map (written here from the
//           GPT-2 recipe, independently of runtime/tokenizer/byte-unicode.ts) -> its rank;
//   merges  for a multi-byte token of rank r, run BPE on its bytes with only the ranks below r:
//           it stops at exactly two parts, the pair whose merge made the token; merges are
//           ordered by r (that is how rank-based and merge-list BPE agree).
// Nothing is cached on disk.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';

/** GPT-2's bytes_to_unicode: printable bytes keep their code point, the rest take 256, 257, ... */
export function gpt2ByteChars(): string[] {
  const keep: number[] = [];
  for (let b = '!'.charCodeAt(0); b <= '~'.charCodeAt(0); b++) keep.push(b);
  for (let b = '¡'.charCodeAt(0); b <= '¬'.charCodeAt(0); b++) keep.push(b);
  for (let b = '®'.charCodeAt(0); b <= 'ÿ'.charCodeAt(0); b++) keep.push(b);
  const chars: string[] = new Array(256);
  for (const b of keep) chars[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!keep.includes(b)) chars[b] = String.fromCodePoint(256 + n++);
  return chars;
}

/** The ranks file as [token spelled in byte characters, rank][], in rank order. */
export function readRanks(): [string, number][] {
  const require = createRequire(import.meta.url);
  const file = require.resolve('gpt-tokenizer/data/r50k_base.tiktoken');
  const codes = gpt2ByteChars().map((c) => c.charCodeAt(0));
  const out: [string, number][] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const sp = line.indexOf(' ');
    const bytes = Buffer.from(line.slice(0, sp), 'base64');
    out.push([String.fromCharCode(...Array.from(bytes, (b) => codes[b]!)), Number(line.slice(sp + 1))]);
  }
  return out.sort((a, b) => a[1] - b[1]);
}

/** The pair of tokens BPE merged last to make `token` (BPE restricted to ranks below `rank`).
 *  Pair ranks are kept per position and only the merged pair's neighbours are re-looked-up. */
function lastMerge(token: string, rank: number, ranks: Map<string, number>): [string, string] {
  // The answer is a split into two tokens of lower rank; when only one split qualifies, done.
  const splits: number[] = [];
  for (let k = 1; k < token.length; k++)
    if ((ranks.get(token.slice(0, k)) ?? Infinity) < rank && (ranks.get(token.slice(k)) ?? Infinity) < rank)
      splits.push(k);
  if (splits.length === 1) return [token.slice(0, splits[0]), token.slice(splits[0])];
  const parts = [...token];
  const pairRank = (i: number) => {
    const r = ranks.get(parts[i]! + parts[i + 1]!);
    return r !== undefined && r < rank ? r : Infinity;
  };
  const pr = parts.slice(0, -1).map((_, i) => pairRank(i));
  while (parts.length > 2) {
    let best = 0;
    for (let i = 1; i < pr.length; i++) if (pr[i]! < pr[best]!) best = i;
    if (pr[best] === Infinity) break;
    parts.splice(best, 2, parts[best]! + parts[best + 1]!);
    pr.splice(best, 1);
    if (best > 0) pr[best - 1] = pairRank(best - 1);
    if (best < pr.length) pr[best] = pairRank(best);
  }
  if (parts.length !== 2) throw new Error(`token ${JSON.stringify(token)} does not split into one merge`);
  return [parts[0]!, parts[1]!];
}

export function gpt2TokenizerJson(): object {
  const ranked = readRanks();
  const ranks = new Map(ranked);
  const merges: string[] = [];
  for (const [token, rank] of ranked)
    if ([...token].length > 1) merges.push(lastMerge(token, rank, ranks).join(' '));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: 50256,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(ranked),
      merges,
    },
  };
}
