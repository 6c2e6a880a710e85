// Tokenizer folders: writeTokenizerFolder + loadTokenizerFolder round-trip, with the special
// token names taken from tokenizer_config.json.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainBpe } from '../../runtime/tokenizer/train-bpe.ts';
import { writeTokenizerFolder } from '../../runtime/tokenizer/write.ts';
import { loadTokenizerFolder, parseHfTokenizer } from '../../runtime/tokenizer/hf-json.ts';
import { byteTokenizer } from '../../runtime/tokenizer/byte-level.ts';
import { unwrap } from '../../runtime/data/result.ts';

describe('tokenizer folders', () => {
  it('round-trip with special names from tokenizer_config.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-tok-'));
    const json = trainBpe('hello hello world world', { merges: 10, specials: ['<s>', '</s>', '<pad>'] });
    expect(writeTokenizerFolder(dir, json, { bos: '<s>', eos: '</s>', pad: '<pad>' }).ok).toBe(true);
    const r = loadTokenizerFolder(dir);
    if (!r.ok) throw new Error(r.diagnostics[0]!.message);
    const t = r.value;
    const base = 256 + json.model.merges.length;
    expect([t.bosId, t.eosId, t.padId]).toEqual([base, base + 1, base + 2]);
    expect(t.decode(t.encode('hello world</s>'))).toBe('hello world</s>');
  });
  it('a zero-merge trained tokenizer.json encodes exactly like the byte tokenizer', () => {
    const specials = ['<|endoftext|>', '<|pad|>'];
    const t = unwrap(parseHfTokenizer(trainBpe('', { merges: 0, specials }), 'bytes.json'));
    const b = byteTokenizer({ specials });
    const s = 'Héllo  wörld 🐈\n\tend<|endoftext|>x<|pad|>';
    expect(t.encode(s)).toEqual(b.encode(s));
    expect([t.vocabSize, t.eosId, t.padId]).toEqual([b.vocabSize, b.eosId, b.padId]);
  });
  it('a broken tokenizer_config.json is a diagnostic', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-tok-'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{oops');
    const r = loadTokenizerFolder(dir);
    expect(!r.ok && r.diagnostics[0]!.code).toBe('FTL0720');
  });
});
