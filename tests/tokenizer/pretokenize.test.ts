// The GPT-2 split regex (as compiled for JavaScript) against a hand-written scanner that
// implements the same ordered alternatives with explicit backtracking, on random strings over
// letters, digits, punctuation, apostrophes, whitespace runs and astral characters. Also random
// round trips through the fixture tokenizer and SmolLM's Digits pre-tokenizer.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import { GPT2_PATTERN, toJsRegex, splitIsolated } from '../../runtime/tokenizer/pretokenize.ts';
import { parseHfTokenizer, loadHfTokenizer } from '../../runtime/tokenizer/hf-json.ts';
import { unwrap } from '../../runtime/data/result.ts';
import { Prng } from '../../runtime/data/prng.ts';
import { FIXTURE_FILE } from './fixture.ts';

const isL = (c: string) => /^\p{L}$/u.test(c);
const isN = (c: string) => /^\p{N}$/u.test(c);
const isS = (c: string) => /^\s$/u.test(c);

/** GPT-2's alternatives, tried in order at each position (code points, like the `u` regex). */
function scan(text: string): string[] {
  const cs = Array.from(text);
  const out: string[] = [];
  let i = 0;
  const run = (j: number, pred: (c: string) => boolean) => {
    while (j < cs.length && pred(cs[j]!)) j++;
    return j;
  };
  while (i < cs.length) {
    let end = -1;
    for (const suf of ['s', 't', 're', 've', 'm', 'll', 'd']) {
      if (cs[i] === "'" && cs.slice(i + 1, i + 1 + suf.length).join('') === suf) {
        end = i + 1 + suf.length;
        break;
      }
    }
    const classes = [isL, isN, (c: string) => !isS(c) && !isL(c) && !isN(c)];
    for (const cls of end < 0 ? classes : []) {
      const start = cs[i] === ' ' && i + 1 < cs.length && cls(cs[i + 1]!) ? i + 1 : i; // ' ?' then one or more
      if (start < cs.length && cls(cs[start]!)) {
        end = run(start, cls);
        break;
      }
    }
    if (end < 0) {
      const ws = run(i, isS); // i is whitespace here: all other alternatives failed
      if (ws === cs.length)
        end = ws; // \s+(?!\S) at end of text
      else if (ws - i >= 2)
        end = ws - 1; // back off one so the lookahead sees whitespace
      else end = ws; // \s+
    }
    out.push(cs.slice(i, end).join(''));
    i = end;
  }
  return out;
}

const ALPHABET = [
  'a',
  'b',
  'Z',
  'é',
  'ß',
  '東',
  'ا',
  '𝔘',
  '1',
  '9',
  '٣',
  '½',
  "'",
  's',
  't',
  'l',
  'd',
  '.',
  ',',
  '!',
  '-',
  '🐈',
  '😀',
  ' ',
  ' ',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u00a0',
];

describe('GPT-2 pre-tokenizer', () => {
  it('agrees with a hand-written scanner on 3000 random strings', () => {
    const re = toJsRegex(GPT2_PATTERN);
    const rng = new Prng(11);
    const bad: string[] = [];
    for (let k = 0; k < 3000; k++) {
      const n = rng.below(24);
      const s = Array.from({ length: n }, () => ALPHABET[rng.below(ALPHABET.length)]).join('');
      const a = splitIsolated(s, re),
        b = scan(s);
      if (JSON.stringify(a) !== JSON.stringify(b)) bad.push(JSON.stringify(s));
      if (a.join('') !== s) bad.push(`lost text: ${JSON.stringify(s)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('random round trips', () => {
  it('decode(encode(s)) == s for random well-formed strings', () => {
    const tok = unwrap(loadHfTokenizer(FIXTURE_FILE));
    const rng = new Prng(4);
    const bad: string[] = [];
    for (let k = 0; k < 500; k++) {
      let s = '';
      for (let n = rng.below(40); n > 0; n--) {
        // mostly the alphabet, sometimes any code point outside the surrogate range
        const cp = rng.below(4) === 0 ? rng.below(0x10ffff - 0x800) : -1;
        s +=
          cp < 0 ? ALPHABET[rng.below(ALPHABET.length)] : String.fromCodePoint(cp < 0xd800 ? cp : cp + 0x800);
      }
      if (tok.decode(tok.encode(s)) !== s) bad.push(JSON.stringify(s));
    }
    expect(bad).toEqual([]);
  });
});

describe('Digits pre-tokenizer (SmolLM)', () => {
  it('splits digits before byte-level BPE', () => {
    const j = JSON.parse(fs.readFileSync(FIXTURE_FILE, 'utf8'));
    j.pre_tokenizer = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Digits', individual_digits: true },
        { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
      ],
    };
    const t = unwrap(parseHfTokenizer(j, 'smol.json'));
    const ids = t.encode('x 123');
    expect(ids.slice(-3)).toEqual([0x31, 0x32, 0x33]); // '1','2','3' one byte token each, though "1 2" is a merge
    expect(t.decode(ids)).toBe('x 123');
  });
});
