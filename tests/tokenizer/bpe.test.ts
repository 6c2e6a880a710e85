// Byte-level BPE: the byte<->unicode map, pre-tokenizer splits (derived by hand from the regexes),
// merges applied by rank (checked against an independent oracle that applies the merge list in
// order), round trips over Unicode, emoji, whitespace runs and special tokens, and the trainer.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { BYTE_TO_CHAR, CHAR_TO_BYTE, toByteChars } from '../../runtime/tokenizer/byte-unicode.ts';
import {
  GPT2_PATTERN,
  LLAMA3_PATTERN,
  toJsRegex,
  splitIsolated,
} from '../../runtime/tokenizer/pretokenize.ts';
import { parseHfTokenizer, loadHfTokenizer } from '../../runtime/tokenizer/hf-json.ts';
import { trainBpe } from '../../runtime/tokenizer/train-bpe.ts';
import { unwrap } from '../../runtime/data/result.ts';
import { FIXTURE_FILE, FIXTURE_MERGES, FIXTURE_SPECIALS, FIXTURE_TEXT } from './fixture.ts';

if (process.env.UPDATE_FIXTURES) {
  const json = trainBpe(FIXTURE_TEXT, { merges: FIXTURE_MERGES, specials: FIXTURE_SPECIALS });
  fs.writeFileSync(FIXTURE_FILE, JSON.stringify(json, null, 2) + '\n');
}
const fixtureJson = JSON.parse(fs.readFileSync(FIXTURE_FILE, 'utf8'));
const tok = unwrap(loadHfTokenizer(FIXTURE_FILE));

/** Independent oracle: apply each merge, in rank order, to every adjacent occurrence in the word.
 *  For trained merge lists this equals lowest-rank-first merging: a merge's result only takes
 *  part in later-ranked merges. */
function oracleEncode(word: string, merges: string[], vocab: Record<string, number>): number[] {
  let syms = Array.from(toByteChars(word));
  for (const m of merges) {
    const [a, b] = m.split(' ');
    const out: string[] = [];
    for (let i = 0; i < syms.length; i++) {
      if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) (out.push(a + b), i++);
      else out.push(syms[i]!);
    }
    syms = out;
  }
  return syms.map((s) => vocab[s]!);
}

describe('byte <-> unicode map', () => {
  it('is a bijection with the documented GPT-2 assignments', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x20]).toBe('\u0120'); // 'Ġ'
    expect(BYTE_TO_CHAR[0x0a]).toBe('\u010a'); // 'Ċ'
    expect(BYTE_TO_CHAR[0x00]).toBe('\u0100');
    expect(BYTE_TO_CHAR[0x41]).toBe('A');
    expect(BYTE_TO_CHAR[0xad]).toBe('\u0143'); // soft hyphen is the last non-printable: 0x100 + 67
    for (let b = 0; b < 256; b++) expect(CHAR_TO_BYTE.get(BYTE_TO_CHAR[b]!)).toBe(b);
  });
});

describe('pre-tokenizer regexes', () => {
  it('GPT-2 split', () => {
    const re = toJsRegex(GPT2_PATTERN);
    // "\n\nok": \s+(?!\S) backs off to the first "\n"; the second one is left for \s+.
    expect(splitIsolated("Hello world's  end\n\nok 42x", re)).toEqual([
      'Hello',
      ' world',
      "'s",
      ' ',
      ' end',
      '\n',
      '\n',
      'ok',
      ' 42',
      'x',
    ]);
    expect(splitIsolated('a   \tb  ', re)).toEqual(['a', '   ', '\t', 'b', '  ']);
  });
  it('Llama-3 split with its case-insensitive contraction group', () => {
    const re = toJsRegex(LLAMA3_PATTERN);
    expect(re.source).toContain("(?:'[sS]|'[tT]|'[rR][eE]");
    expect(splitIsolated("I'M here 12345 ok!\r\n\nx", re)).toEqual([
      'I',
      "'M",
      ' here',
      ' ',
      '123',
      '45',
      ' ok',
      '!\r\n\n',
      'x',
    ]);
  });
});

describe('BPE encoding', () => {
  const mini = (merges: string[]) => {
    const vocab: Record<string, number> = {};
    BYTE_TO_CHAR.forEach((c, i) => (vocab[c] = i));
    for (const m of merges) vocab[m.replace(' ', '')] ??= Object.keys(vocab).length;
    return unwrap(
      parseHfTokenizer(
        { model: { type: 'BPE', vocab, merges }, pre_tokenizer: { type: 'ByteLevel', use_regex: true } },
        'mini.json',
      ),
    );
  };
  it('follows merge ranks: the lower-ranked pair wins', () => {
    const bcFirst = mini(['b c', 'a b']);
    const abFirst = mini(['a b', 'b c']);
    expect(bcFirst.encode('abc')).toEqual([97, 256]); // a + bc
    expect(abFirst.encode('abc')).toEqual([256, 99]); // ab + c
    expect(mini(['a b', 'ab c']).encode('abc')).toEqual([257]);
    // all occurrences of the chosen pair merge, left to right, non-overlapping
    expect(mini(['a a']).encode('aaaaa')).toEqual([256, 256, 97]);
  });
  it('matches the merge-list oracle on every word of a text', () => {
    const text = FIXTURE_TEXT + '\nThe cat sat; the rats that ran. Théâtre 🐈 cats!';
    const words = splitIsolated(text, toJsRegex(GPT2_PATTERN));
    const ours = words.flatMap((w) => tok.encode(w));
    const oracle = words.flatMap((w) => oracleEncode(w, fixtureJson.model.merges, fixtureJson.model.vocab));
    expect(ours).toEqual(oracle);
    expect(tok.encode(text)).toEqual(oracle);
    expect(ours.length).toBeLessThan(new TextEncoder().encode(text).length / 2); // merges actually compress
  });
  it('merges a very long word in rank order, fast (heap, not quadratic)', () => {
    const word = 'thecatsatthematandtheratranat'.repeat(400); // one \p{L}+ piece of 11600 letters
    const t0 = performance.now();
    const ids = tok.encode(word);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(ids).toEqual(oracleEncode(word, fixtureJson.model.merges, fixtureJson.model.vocab));
  });
  it('round-trips Unicode, emoji, whitespace runs and control characters', () => {
    const samples = [
      '',
      'plain ascii',
      'naïve café — “quotes” ½ ∑ 東京 한국어 العربية',
      'e\u0301 (combining) and \u00e9 (precomposed)',
      '👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 🐈 cat, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      '   leading, \t\ttabs,  \r\n\r\n  trailing   ',
      '\u0000\u0001\u007f\u00ad nulls and controls',
    ];
    for (const s of samples) expect(tok.decode(tok.encode(s))).toBe(s);
  });
  it('matches special tokens before splitting, and only when asked', () => {
    const eos = tok.eosId!;
    expect(tok.specials.map((s) => s.content)).toEqual(FIXTURE_SPECIALS);
    expect(eos).toBe(256 + fixtureJson.model.merges.length);
    const ids = tok.encode('the cat<|endoftext|>the<|pad|>');
    expect(ids).toEqual([...tok.encode('the cat'), eos, ...tok.encode('the'), eos + 1]);
    expect(tok.decode(ids)).toBe('the cat<|endoftext|>the<|pad|>');
    expect(tok.decode(ids, { skipSpecials: true })).toBe('the catthe');
    const literal = tok.encode('<|endoftext|>', { specials: false });
    expect(literal).not.toContain(eos);
    expect(tok.decode(literal)).toBe('<|endoftext|>');
    expect(tok.padId).toBe(eos + 1);
    expect(tok.vocabSize).toBe(eos + 2);
  });
  it('decodes unknown ids and split UTF-8 to U+FFFD without throwing', () => {
    expect(tok.decode([99999])).toBe('\uFFFD');
    const snowman = tok.encode('☃'); // 3 bytes, no merges: 3 byte tokens
    expect(snowman.length).toBe(3);
    expect(tok.decode(snowman.slice(0, 2))).toBe('\uFFFD');
  });
  it('reads Llama-3 style files: Split + ByteLevel(use_regex false), merges as pairs, BOS template, ignore_merges', () => {
    const j = structuredClone(fixtureJson);
    j.pre_tokenizer = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    };
    j.model.merges = j.model.merges.map((m: string) => m.split(' '));
    j.added_tokens.push({ id: 400, content: '<|begin_of_text|>', special: true });
    j.post_processor = {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
      ],
    };
    const llama = unwrap(parseHfTokenizer(j, 'llama.json'));
    expect(llama.addBos).toBe(true);
    expect(llama.bosId).toBe(400);
    expect(llama.vocabSize).toBe(401);
    // digits split in threes under the Llama-3 regex, unlike GPT-2's runs of digits
    const digits = llama.encode('12345');
    expect(llama.decode(digits)).toBe('12345');
    expect(digits).toEqual([...tok.encode('123'), ...tok.encode('45')]);
    // ignore_merges: a word that is a vocabulary entry is emitted whole even if ranks would split it
    j.model.ignore_merges = true;
    j.model.vocab['Ġcatsat'] = 401;
    expect(unwrap(parseHfTokenizer(j, 'llama.json')).encode(' catsat')).toEqual([401]);
  });
  it('reports unsupported tokenizers as diagnostics', () => {
    const wp = parseHfTokenizer({ model: { type: 'WordPiece', vocab: {} } }, 'bert.json');
    expect(!wp.ok && wp.diagnostics[0]!.code).toBe('FTL0721');
    const sp = parseHfTokenizer(
      { model: { type: 'BPE', vocab: {}, merges: [], byte_fallback: true } },
      'sp.json',
    );
    expect(!sp.ok && sp.diagnostics[0]!.message).toContain('byte_fallback');
    const nb = parseHfTokenizer({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] } }, 'nb.json');
    expect(!nb.ok && nb.diagnostics[0]!.message).toContain('not a byte-level BPE vocabulary');
    const missing = loadHfTokenizer('/nonexistent/tokenizer.json');
    expect(!missing.ok && missing.diagnostics[0]!.code).toBe('FTL0720');
  });
});

describe('BPE trainer', () => {
  it('reproduces the committed fixture exactly', () => {
    expect(trainBpe(FIXTURE_TEXT, { merges: FIXTURE_MERGES, specials: FIXTURE_SPECIALS })).toEqual(
      fixtureJson,
    );
  });
  it('first merge is the most frequent adjacent pair, counted independently', () => {
    const counts = new Map<string, number>();
    for (const w of splitIsolated(FIXTURE_TEXT, toJsRegex(GPT2_PATTERN))) {
      const s = Array.from(toByteChars(w));
      for (let i = 0; i + 1 < s.length; i++)
        counts.set(`${s[i]} ${s[i + 1]}`, (counts.get(`${s[i]} ${s[i + 1]}`) ?? 0) + 1);
    }
    const max = Math.max(...counts.values());
    const best = [...counts]
      .filter(([, n]) => n === max)
      .map(([k]) => k)
      .sort()[0];
    expect(fixtureJson.model.merges[0]).toBe(best);
    expect(fixtureJson.model.vocab[best!.replace(' ', '')]).toBe(256);
  });
  it('stops when no pair is frequent enough, and never collides with Object.prototype names', () => {
    const j = trainBpe('constructor constructor __proto__ __proto__', { merges: 1000 });
    expect(j.model.merges.length).toBeLessThan(30);
    const t = unwrap(parseHfTokenizer(j, 'x.json'));
    expect(t.encode('constructor')).toHaveLength(1);
    // " constructor" occurs once, so no merge joins its leading space (byte 0x20 = id 32)
    expect(t.encode(' constructor')).toEqual([32, ...t.encode('constructor')]);
    expect(t.decode(t.encode('constructor __proto__'))).toBe('constructor __proto__');
  });
});
