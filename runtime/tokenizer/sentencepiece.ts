// The SentencePiece-style half of BPE tokenizer.json files (Llama-2, Mistral, TinyLlama): words
// are spelled in characters with "▁" for spaces; a merged symbol missing from the vocabulary
// falls back to one `<0xXX>` token per UTF-8 byte (byte_fallback), else to the unknown token.
// Decoding turns `<0xXX>` tokens back into bytes and "▁" into spaces.

const utf8 = new TextEncoder();
export const SPACE_MARK = '\u2581';
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** Ids for the merged symbols of one word. */
export function symbolIds(
  symbols: readonly string[],
  vocab: ReadonlyMap<string, number>,
  byteFallback: boolean,
  unkId: number | undefined,
  fuseUnk: boolean,
): number[] {
  const ids: number[] = [];
  for (const s of symbols) {
    const id = vocab.get(s);
    if (id !== undefined) {
      ids.push(id);
      continue;
    }
    const bytes = byteFallback
      ? [...utf8.encode(s)].map((b) => vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`))
      : [];
    if (bytes.length && bytes.every((b) => b !== undefined)) ids.push(...(bytes as number[]));
    else if (unkId === undefined)
      throw new Error(`BPE: symbol ${JSON.stringify(s)} not in vocabulary and no unk token`);
    else if (!(fuseUnk && ids[ids.length - 1] === unkId)) ids.push(unkId);
  }
  return ids;
}

/** The bytes one SentencePiece token stands for. */
export function tokenBytes(token: string): number[] {
  const m = BYTE_TOKEN.exec(token);
  if (m) return [parseInt(m[1]!, 16)];
  return [...utf8.encode(token.replaceAll(SPACE_MARK, ' '))];
}

/** Whether the vocabulary has all 256 `<0xXX>` byte tokens. */
export const hasByteTokens = (vocab: ReadonlyMap<string, number>): boolean =>
  Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).every((t) =>
    vocab.has(t),
  );
