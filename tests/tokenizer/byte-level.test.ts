// The byte tokenizer: ids are exactly the UTF-8 bytes (checked against Node's Buffer encoder),
// specials follow at 256+, and everything round-trips.
import { describe, it, expect } from 'vitest';
import { byteTokenizer } from '../../runtime/tokenizer/byte-level.ts';

describe('byte tokenizer', () => {
  const tok = byteTokenizer({ specials: ['<|endoftext|>', '<|pad|>'] });
  it('encodes UTF-8 bytes and specials', () => {
    const s = 'héllo 🐈\n\t';
    expect(tok.encode(s)).toEqual(Array.from(Buffer.from(s, 'utf8')));
    expect(tok.encode('a<|endoftext|>b<|pad|>')).toEqual([97, 256, 98, 257]);
    expect(tok.encode('a<|endoftext|>', { specials: false })).toEqual(
      Array.from(Buffer.from('a<|endoftext|>')),
    );
    expect([tok.vocabSize, tok.eosId, tok.padId, tok.bosId]).toEqual([258, 256, 257, undefined]);
  });
  it('round-trips and degrades unknown ids to U+FFFD', () => {
    for (const s of ['', 'plain', '東京 👩‍👩‍👧', '  \r\n  ', 'x<|endoftext|>y'])
      expect(tok.decode(tok.encode(s))).toBe(s);
    expect(tok.decode([104, 105, 999])).toBe('hi\uFFFD');
    expect(tok.decode([256, 104], { skipSpecials: true })).toBe('h');
  });
  it('pad falls back to eos when there is no pad token', () => {
    const t = byteTokenizer({ specials: ['<|endoftext|>'] });
    expect(t.padId).toBe(256);
    expect(byteTokenizer().eosId).toBeUndefined();
  });
});
