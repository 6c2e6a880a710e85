// GPT-2's reversible byte <-> unicode-character map, used by every byte-level BPE vocabulary
// (GPT-2, Llama-3, Qwen2, SmolLM). Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to
// themselves; the other 68 bytes (controls, space, 0x7f-0xa0, 0xad) map, in byte order, to
// U+0100, U+0101, ... so that space is 'Ġ' (U+0120) and newline is 'Ċ' (U+010A). Vocabulary
// entries are strings over these 256 characters.

function build(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = new Array(256);
  let next = 0x100;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(printable(b) ? b : next++);
  return table;
}

/** byte (0..255) -> its character. */
export const BYTE_TO_CHAR: readonly string[] = build();
/** character -> byte. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`, each replaced by its map character. */
export function toByteChars(text: string): string {
  let s = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return toByteCharsUtf8(text); // ASCII is one byte per char; anything else goes through UTF-8
    s += BYTE_TO_CHAR[c];
  }
  return s;
}

function toByteCharsUtf8(text: string): string {
  let s = '';
  for (const b of utf8.encode(text)) s += BYTE_TO_CHAR[b];
  return s;
}
