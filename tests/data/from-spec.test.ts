// loaderFromSpec: the compiler's `{op, args}` stage list builds the same loader as the direct
// API (batches compared one by one), relative paths resolve against the recipe folder, take(n)
// limits each epoch, and unknown ops / bad arguments / tokenizer failures are diagnostics.
import { describe, it, expect } from 'vitest';
import * as path from 'node:path';
import {
  loaderFromSpec,
  pipeline,
  text,
  jsonl,
  tokenize,
  chunks,
  shuffle,
  take,
  pad,
  batch,
  type StageSpec,
  type DataLoader,
} from '../../runtime/data/index.ts';
import { byteTokenizer } from '../../runtime/tokenizer/byte-level.ts';
import { ok, fail, unwrap } from '../../runtime/data/result.ts';

const root = path.join(import.meta.dirname, '../..');
const tok = byteTokenizer({ specials: ['<|endoftext|>', '<|pad|>'] });
const ctx = {
  baseDir: root,
  tokenizer: (a: unknown) => (a === 'model' ? ok(tok) : fail('FTL0720', String(a), 'no such tokenizer')),
};
const plain = (l: DataLoader, n: number) =>
  Array.from({ length: n }, () => Array.from(unwrap(l.next()).tokens));

describe('loaderFromSpec', () => {
  it('builds the same loader as the direct API', () => {
    const spec: StageSpec[] = [
      { op: 'text', args: { path: 'examples/data/corpus.txt' } },
      { op: 'tokenize', args: { tokenizer: 'model' } },
      { op: 'chunks', args: { seq: 32 } },
      { op: 'shuffle', args: { seed: 0 } },
      { op: 'batch', args: { size: 4 } },
    ];
    const a = unwrap(loaderFromSpec(spec, ctx));
    const b = unwrap(
      pipeline(
        text(path.join(root, 'examples/data/corpus.txt')),
        tokenize(tok),
        chunks({ seq: 32 }),
        shuffle({ seed: 0 }),
        batch(4),
      ),
    );
    expect(plain(a, 70)).toEqual(plain(b, 70));
  });
  it('pad takes the tokenizer pad id; take(n) limits each epoch', () => {
    const spec: StageSpec[] = [
      { op: 'jsonl', args: { path: 'examples/data/instructions.jsonl' } },
      { op: 'take', args: { n: 6 } },
      { op: 'tokenize', args: { tokenizer: 'model' } },
      { op: 'pad', args: { seq: 64 } },
      { op: 'batch', args: { size: 2 } },
    ];
    const l = unwrap(loaderFromSpec(spec, ctx));
    expect(unwrap(l.batchesPerEpoch())).toBe(3);
    const direct = unwrap(
      pipeline(
        jsonl(path.join(root, 'examples/data/instructions.jsonl')),
        take(6),
        tokenize(tok),
        pad({ seq: 64, padId: tok.padId! }),
        batch(2),
      ),
    );
    expect(plain(l, 7)).toEqual(plain(direct, 7));
    expect(l.epoch).toBe(2);
    const first = plain(direct, 1)[0]!;
    expect(first.filter((t) => t === 257).length).toBeGreaterThan(0); // padded with <|pad|> = 257
  });
  it('reports unknown ops, bad arguments, bad tokenizers and missing files', () => {
    const r = loaderFromSpec(
      [
        { op: 'synthetic_classification', args: {} },
        { op: 'tokenize', args: { tokenizer: 'nope' } },
        { op: 'chunks', args: { seq: 'long' } },
        { op: 'sort', args: {} },
        { op: 'batch', args: { size: 2 } },
      ],
      ctx,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const msgs = r.diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(msgs).toEqual([
      'FTL0742 `synthetic_classification` is not a text data source',
      'FTL0720 nope: no such tokenizer',
      'FTL0742 chunks: `seq` must be a number, got "long"',
      'FTL0742 unknown data stage `sort`',
    ]);
    const missing = loaderFromSpec(
      [
        { op: 'text', args: { path: 'data/none.txt' } },
        { op: 'batch', args: { size: 1 } },
      ],
      ctx,
    );
    expect(!missing.ok && missing.diagnostics[0]!.code).toBe('FTL0740');
  });
});
