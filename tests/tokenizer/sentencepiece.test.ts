// SentencePiece-style BPE tokenizer.json (Llama-2 / Mistral layout), with a vocabulary written
// by hand so every expected id below is derived on paper: "▁" for spaces, merges by rank,
// <0xXX> byte fallback for characters outside the vocabulary, and the decoder stripping the
// prepended space. Both the legacy normalizer form and the Metaspace pre-tokenizer form.
import { describe, it, expect } from 'vitest';
import { parseHfTokenizer } from '../../runtime/tokenizer/hf-json.ts';
import { unwrap } from '../../runtime/data/result.ts';

const hex = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
for (let b = 0; b < 256; b++) vocab[hex(b)] = 3 + b; // ids 3..258
const pieces = ['▁', 't', 'h', 'e', 'c', 'a', '▁t', 'he', '▁the', 'ca'];
pieces.forEach((p, i) => (vocab[p] = 259 + i)); // ▁=259 t=260 h=261 e=262 c=263 a=264 ▁t=265 he=266 ▁the=267 ca=268
const merges = ['▁ t', 'h e', '▁t he', 'c a'];
const added = [
  { id: 0, content: '<unk>', special: true },
  { id: 1, content: '<s>', special: true },
  { id: 2, content: '</s>', special: true },
];
const template = {
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
};
const model = { type: 'BPE', unk_token: '<unk>', fuse_unk: true, byte_fallback: true, vocab, merges };

const legacy = unwrap(
  parseHfTokenizer(
    {
      added_tokens: added,
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '▁' },
          { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
        ],
      },
      pre_tokenizer: null,
      post_processor: template,
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model,
    },
    'llama2.json',
  ),
);
const metaspace = unwrap(
  parseHfTokenizer(
    {
      added_tokens: added,
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      post_processor: template,
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      model,
    },
    'mistral.json',
  ),
);

describe('SentencePiece-style BPE', () => {
  it('merges by rank over ▁-spelled text', () => {
    // "▁the▁cat": ▁t (rank 0), he (1), ▁the (2), ca (3) -> ▁the ▁ ca t
    for (const t of [legacy, metaspace]) expect(t.encode('the cat')).toEqual([267, 259, 268, 260]);
    expect(legacy.describe()).toContain('SentencePiece-style');
    expect([legacy.bosId, legacy.eosId, legacy.addBos]).toEqual([1, 2, true]);
  });
  it('falls back to UTF-8 byte tokens for unknown characters', () => {
    // "é" = C3 A9; "🐈" = F0 9F 90 88
    expect(legacy.encode('é')).toEqual([259, 3 + 0xc3, 3 + 0xa9]);
    expect(legacy.encode('🐈')).toEqual([259, 3 + 0xf0, 3 + 0x9f, 3 + 0x90, 3 + 0x88]);
  });
  it('decodes back to the text, dropping the prepended space', () => {
    for (const t of [legacy, metaspace]) {
      for (const s of ['the cat', 'é 🐈 the', 'tea  cat ']) expect(t.decode(t.encode(s))).toBe(s);
    }
  });
  it('special tokens: legacy Prepend applies to every piece, Metaspace "first" only at the start', () => {
    // after "<s>" the piece "the" is not at the start of the input
    expect(legacy.encode('<s>the')).toEqual([1, 267]); // ▁the
    expect(metaspace.encode('<s>the')).toEqual([1, 260, 266]); // t he
    expect(metaspace.encode('the</s>')).toEqual([267, 2]);
    // decoding: a kept special token is text, so the space after it stays; a skipped one is absent
    expect(legacy.decode([1, 267])).toBe('<s> the');
    expect(legacy.decode([1, 267, 2], { skipSpecials: true })).toBe('the');
  });
});
