// Independent oracle: GPT-2's real BPE. A tokenizer.json rebuilt from gpt-tokenizer's bundled
// ranks (gpt2-json.ts) and loaded by our parseHfTokenizer must encode exactly as gpt-tokenizer
// does (its own rank-based BPE and split regex) and decode back to the text, on a corpus with
// Unicode, emoji, whitespace runs, numbers, contractions, code and <|endoftext|>, plus the
// shipped example corpus and seeded random strings.
import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode as oracleEncode, decode as oracleDecode } from 'gpt-tokenizer/encoding/r50k_base';
import { parseHfTokenizer } from '../../runtime/tokenizer/hf-json.ts';
import type { Tokenizer } from '../../runtime/tokenizer/tokenizer.ts';
import { unwrap } from '../../runtime/data/result.ts';
import { Prng } from '../../runtime/data/prng.ts';
import { gpt2TokenizerJson } from './gpt2-json.ts';

const ENDOFTEXT = '<|endoftext|>';
// gpt-tokenizer 4.0.0 finds an allowed special token only at the start of the text or right
// after another one (its special-token regex is sticky), so the oracle cuts the text at
// "<|endoftext|>" itself and BPE-encodes the pieces between with gpt-tokenizer.
const oracle = (s: string) =>
  s.split(ENDOFTEXT).flatMap((piece, i) => [...(i > 0 ? [50256] : []), ...oracleEncode(piece)]);

const CORPUS = [
  'Hello, world! The quick brown fox jumps over the lazy dog.',
  "I'm sure they're here; we've seen it, you'll see, he'd say it's John's. DON'T SHOUT, I'M HERE",
  'naïve café résumé Ångström Straße façade — “quotes” ‘single’ … ¿qué? ¡sí!',
  '東京は日本の首都です。北京欢迎你。서울특별시. Привет, мир! Γειά σου Κόσμε. مرحبا بالعالم. שלום',
  'emoji: 🐈 🐈‍⬛ 👩‍👩‍👧‍👦 🇫🇷 👍🏽 ❤️ 🤖🚀✨ and a lone surrogate-free 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛',
  'spaces:    four, then\ttab\t\ttabs,\n\nnewlines\r\n\r\nCRLF,   \n   mixed  \t \n trailing   ',
  '          ten leading spaces',
  'numbers: 0 7 42 123 1234 12345 1234567890 3.14159 -2.5e-10 1,000,000 0x1F 2024-11-22 10:30am',
  'code:\n```python\ndef f(x: int) -> int:\n    return x ** 2  # square\n\nif __name__ == "__main__":\n    print(f(12))\n```',
  'const a = [1, 2, 3].map((v) => v * 2); // => [2,4,6]\n\tif (a != null && a.length >= 3) { return a?.[0] ?? -1; }',
  `first document.${ENDOFTEXT}second document${ENDOFTEXT}${ENDOFTEXT}\n${ENDOFTEXT} spaced ${ENDOFTEXT}`,
  '<|endoftext| not quite special |endoftext|> <|endoftext|><|endoftext|',
  'URLs https://example.com/path?q=1&r=two#frag and emails someone@example.org',
  'ALLCAPS WORDS and camelCaseIdentifiers and snake_case_names and kebab-case-names',
  '',
  ' ',
  '\n',
  "'s 're 've 'll 'd 'm 't '",
];

let ours: Tokenizer;
beforeAll(() => {
  ours = unwrap(parseHfTokenizer(gpt2TokenizerJson(), 'gpt2-tokenizer.json'));
});

/** Seeded random strings over a pool that mixes scripts, digits, punctuation, spaces and emoji. */
function randomStrings(n: number): string[] {
  const pool = [
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    ...'      \t\n\r.,;:!?\'"-_()[]{}<>/\\|@#$%^&*+=~`',
    ...'éüñçßøåæœ東京日本語中文한국어Ωπλ',
    '🐈',
    '👍🏽',
    '🇫🇷',
    '\u200d',
    "'s",
    "'ll",
    ENDOFTEXT,
  ];
  const rng = new Prng(20241122);
  return Array.from({ length: n }, () =>
    Array.from({ length: 1 + rng.below(60) }, () => pool[rng.below(pool.length)]).join(''),
  );
}

describe('GPT-2 BPE against gpt-tokenizer', () => {
  it('has GPT-2’s vocabulary', () => {
    expect(ours.vocabSize).toBe(50257);
    expect(ours.eosId).toBe(50256);
  });

  it('encodes the test corpus exactly as gpt-tokenizer and decodes it back', () => {
    for (const s of CORPUS) {
      const ids = ours.encode(s);
      expect(ids, JSON.stringify(s)).toEqual(oracle(s));
      expect(ours.decode(ids)).toBe(s);
      expect(oracleDecode(ids)).toBe(s);
    }
    expect(ours.encode(CORPUS.join('\n'))).toEqual(oracle(CORPUS.join('\n')));
  });

  it('agrees on the shipped example corpus and on seeded random strings', () => {
    const corpus = fs.readFileSync(path.join(import.meta.dirname, '../../examples/data/corpus.txt'), 'utf8');
    expect(ours.encode(corpus)).toEqual(oracle(corpus));
    for (const s of randomStrings(400)) expect(ours.encode(s), JSON.stringify(s)).toEqual(oracle(s));
  });

  it('special tokens off: "<|endoftext|>" is spelled as text, as gpt-tokenizer does with it disallowed-free', () => {
    const s = `a${ENDOFTEXT}b`;
    expect(ours.encode(s, { specials: false })).toEqual(oracleEncode(s, { disallowedSpecial: new Set() }));
    expect(ours.encode(s, { specials: false })).not.toContain(50256);
  });
});
