// Stages and the loader: masks computed independently from the byte tokenizer (ids = UTF-8
// bytes), packing equals the concatenated stream, padding, batch layout, shuffles are seeded
// permutations, and resume from a saved position continues exactly (across epochs).
import { describe, it, expect, beforeAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  text,
  jsonl,
  fromRecords,
  tokenize,
  chunks,
  pad,
  shuffle,
  batch,
  pipeline,
  alpacaPrompt,
  type DataRecord,
  type Batch,
  type DataLoader,
  type Stage,
  type Source,
} from '../../runtime/data/index.ts';
import { byteTokenizer } from '../../runtime/tokenizer/byte-level.ts';
import { unwrap } from '../../runtime/data/result.ts';

const tok = byteTokenizer({ specials: ['<|endoftext|>', '<|pad|>'] });
const EOS = 256,
  PAD = 257;
const bytes = (s: string) => Array.from(Buffer.from(s, 'utf8'));

let dir: string;
let corpus: string;
let sft: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-pipe-'));
  corpus = path.join(dir, 'corpus.txt');
  fs.writeFileSync(
    corpus,
    Array.from({ length: 60 }, (_, i) => `Paragraph ${i} says ${'ab'.repeat(i % 5)} hello.\n\n`).join(''),
  );
  sft = path.join(dir, 'sft.jsonl');
  fs.writeFileSync(
    sft,
    Array.from({ length: 23 }, (_, i) =>
      JSON.stringify({ prompt: `Q${i}: ${i}+1=`, completion: ` ${i + 1}` }),
    ).join('\n'),
  );
});

const rows = (b: Batch) =>
  Array.from({ length: b.shape[0] }, (_, r) =>
    Array.from(b.tokens.subarray(r * b.shape[1], (r + 1) * b.shape[1])),
  );
const take = (l: DataLoader, n: number) => Array.from({ length: n }, () => unwrap(l.next()));
const asPlain = (b: Batch) => ({ t: Array.from(b.tokens), m: Array.from(b.loss_mask), s: b.shape });

describe('tokenize', () => {
  const one = (r: DataRecord) => {
    const l = unwrap(pipeline(fromRecords([r]), tokenize(tok), pad({ seq: 64, padId: PAD }), batch(1)));
    const b = unwrap(l.next());
    const n = b.loss_mask.length - [...b.tokens].reverse().findIndex((t) => t !== PAD);
    return { tokens: Array.from(b.tokens.subarray(0, n)), mask: Array.from(b.loss_mask.subarray(0, n)) };
  };
  it('masks the prompt and trains on the completion and EOS', () => {
    const e = one({ kind: 'prompt', prompt: 'Q: 2+2=', completion: ' 4' });
    expect(e.tokens).toEqual([...bytes('Q: 2+2='), ...bytes(' 4'), EOS]);
    expect(e.mask).toEqual([...bytes('Q: 2+2=').map(() => 0), 1, 1, 1]);
  });
  it('alpaca and chat records', () => {
    const a = one({ kind: 'alpaca', instruction: 'Add', input: '1, 2', output: '3' });
    const p = alpacaPrompt('Add', '1, 2');
    expect(p).toBe('### Instruction:\nAdd\n\n### Input:\n1, 2\n\n### Response:\n');
    expect(a.tokens).toEqual([...bytes(p), ...bytes('3'), EOS]);
    expect(a.mask).toEqual([...bytes(p).map(() => 0), 1, 1]);
    const c = one({
      kind: 'chat',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
      ],
    });
    expect(c.tokens).toEqual([
      ...bytes('user: '),
      ...bytes('hi\n'),
      ...bytes('assistant: '),
      ...bytes('yo\n'),
      EOS,
    ]);
    expect(c.mask).toEqual([...bytes('user: hi\nassistant: ').map(() => 0), 1, 1, 1, 1]);
  });
  it('text gets EOS only at the end of its document', () => {
    const e = one({ kind: 'text', text: 'abc', start: true, end: false });
    expect(e).toEqual({ tokens: bytes('abc'), mask: [1, 1, 1] });
    expect(one({ kind: 'text', text: 'abc', start: false, end: true }).tokens).toEqual([
      ...bytes('abc'),
      EOS,
    ]);
  });
  it('data text is not matched as special tokens by default', () => {
    expect(one({ kind: 'text', text: '<|pad|>', start: true, end: false }).tokens).toEqual(bytes('<|pad|>'));
  });
});

describe('chunks, pad, batch', () => {
  it('chunks pack the whole token stream into consecutive windows', () => {
    const l = unwrap(pipeline(text(corpus), tokenize(tok), chunks({ seq: 32 }), batch(4)));
    const stream = [...bytes(fs.readFileSync(corpus, 'utf8')), EOS];
    const nBatches = Math.floor(Math.floor(stream.length / 32) / 4);
    const got = take(l, nBatches).flatMap(rows).flat();
    expect(got).toEqual(stream.slice(0, nBatches * 4 * 32));
    expect(unwrap(l.batchesPerEpoch())).toBe(nBatches);
    // the next batch starts epoch 1 from the beginning of the stream again
    expect(rows(unwrap(l.next()))[0]).toEqual(stream.slice(0, 32));
    expect(l.epoch).toBe(1);
  });
  it('pad right-pads with mask 0 and truncates long examples', () => {
    const recs: DataRecord[] = [
      { kind: 'prompt', prompt: 'ab', completion: 'c' },
      { kind: 'prompt', prompt: 'abcdefgh', completion: 'ijkl' },
    ];
    const b = unwrap(
      unwrap(pipeline(fromRecords(recs), tokenize(tok), pad({ seq: 6, padId: PAD }), batch(2))).next(),
    );
    expect(b.shape).toEqual([2, 6]);
    expect(Array.from(b.tokens)).toEqual([...bytes('abc'), EOS, PAD, PAD, ...bytes('abcdef')]);
    expect(Array.from(b.loss_mask)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const dropped = unwrap(
      pipeline(fromRecords([...recs, recs[0]!]), tokenize(tok), pad({ seq: 6, truncate: 'drop' }), batch(2)),
    );
    expect(rows(unwrap(dropped.next()))).toEqual([
      [...bytes('abc'), EOS, 0, 0],
      [...bytes('abc'), EOS, 0, 0],
    ]);
  });
  it('preference pairs: chosen rows first, then rejected', () => {
    const recs: DataRecord[] = [
      { kind: 'preference', prompt: 'P', chosen: 'a', rejected: 'b' },
      { kind: 'preference', prompt: 'Q', chosen: 'c', rejected: 'd' },
    ];
    const b = unwrap(
      unwrap(pipeline(fromRecords(recs), tokenize(tok), pad({ seq: 4, padId: PAD }), batch(2))).next(),
    );
    expect(b.shape).toEqual([4, 4]);
    expect(rows(b)).toEqual([
      bytes('Pa').concat([EOS, PAD]),
      bytes('Qc').concat([EOS, PAD]),
      bytes('Pb').concat([EOS, PAD]),
      bytes('Qd').concat([EOS, PAD]),
    ]);
    expect(Array.from(b.loss_mask.subarray(0, 4))).toEqual([0, 1, 1, 0]);
  });
  it('configuration and ordering mistakes are diagnostics', () => {
    const bad = pipeline(text(corpus), tokenize(tok), chunks({ seq: 0 }), batch(2.5));
    expect(!bad.ok && bad.diagnostics.map((d) => d.code)).toEqual(['FTL0742', 'FTL0742']);
    const noBatch = pipeline(text(corpus), tokenize(tok));
    expect(!noBatch.ok && noBatch.diagnostics[0]!.message).toContain('must end with batch(n)');
    const twoLengths: DataRecord[] = [
      { kind: 'prompt', prompt: 'a', completion: 'b' },
      { kind: 'prompt', prompt: 'abc', completion: 'b' },
    ];
    const ragged = unwrap(pipeline(fromRecords(twoLengths), tokenize(tok), batch(2))).next();
    expect(!ragged.ok && ragged.diagnostics[0]!.message).toMatch(
      /batch\(2\): sequences have different lengths/,
    );
    expect(!ragged.ok && ragged.diagnostics[0]!.hint).toContain('pad(seq');
    const raw = unwrap(pipeline(jsonl(sft), chunks({ seq: 8 }), batch(2))).next();
    expect(!raw.ok && raw.diagnostics[0]!.message).toContain('add tokenize(...) first');
    const tiny = unwrap(pipeline(jsonl(sft), tokenize(tok), chunks({ seq: 4096 }), batch(2))).next();
    expect(!tiny.ok && tiny.diagnostics[0]!.code).toBe('FTL0743');
    const missing = pipeline(jsonl(path.join(dir, 'missing.jsonl')), tokenize(tok), batch(1));
    expect(!missing.ok && missing.diagnostics[0]!.code).toBe('FTL0740');
  });
});

describe('shuffle', () => {
  const ids = (n: number): Source<DataRecord> =>
    fromRecords(
      Array.from({ length: n }, (_, i) => ({
        kind: 'text',
        text: String.fromCharCode(65 + (i % 26)) + String.fromCharCode(65 + Math.floor(i / 26)),
        start: false,
        end: false,
      })),
    );
  const epochOrder = (s: Stage<unknown, unknown>, n: number, epochs: number) => {
    const l = unwrap(pipeline(ids(n), tokenize(tok), pad({ seq: 2 }), s, batch(1)));
    return Array.from({ length: epochs }, () => take(l, n).map((b) => String.fromCharCode(...b.tokens)));
  };
  it('global shuffle: a permutation per epoch, different across epochs, same for the same seed', () => {
    const [e0, e1] = epochOrder(shuffle({ seed: 3 }), 40, 2);
    const sorted = [...e0!].sort();
    expect([...e1!].sort()).toEqual(sorted);
    expect(new Set(e0).size).toBe(40);
    expect(e0).not.toEqual(e1);
    expect(epochOrder(shuffle({ seed: 3 }), 40, 2)).toEqual([e0, e1]);
    expect(epochOrder(shuffle({ seed: 4 }), 40, 1)[0]).not.toEqual(e0);
  });
  it('buffered shuffle: every item once per epoch, locally reordered', () => {
    const [e0, e1] = epochOrder(shuffle({ seed: 1, buffer: 8 }), 40, 2);
    expect(new Set(e0).size).toBe(40);
    expect([...e1!].sort()).toEqual([...e0!].sort());
    expect(e0).not.toEqual(e1);
    // with a buffer of 8 the item at output position p came from input position < p + 8
    const inOrder = epochOrder(shuffle({ seed: 1, buffer: 1 }), 40, 1)[0]!;
    e0!.forEach((x, p) => expect(inOrder.indexOf(x)).toBeLessThan(p + 8));
  });
});

describe('resume', () => {
  const cases: [string, () => DataLoader][] = [
    [
      'text + chunks + global shuffle',
      () =>
        unwrap(pipeline(text(corpus), tokenize(tok), chunks({ seq: 16 }), shuffle({ seed: 0 }), batch(3))),
    ],
    [
      'text + chunks + buffered shuffle',
      () =>
        unwrap(
          pipeline(
            text(corpus),
            tokenize(tok),
            chunks({ seq: 16 }),
            shuffle({ seed: 5, buffer: 7 }),
            batch(3),
          ),
        ),
    ],
    [
      'jsonl + buffered shuffle of records + pad',
      () =>
        unwrap(
          pipeline(
            jsonl(sft),
            shuffle({ seed: 2, buffer: 5 }),
            tokenize(tok),
            pad({ seq: 12, padId: PAD }),
            batch(4),
          ),
        ),
    ],
    [
      'paragraph documents, no shuffle',
      () =>
        unwrap(
          pipeline(text(corpus, { documents: 'paragraphs' }), tokenize(tok), chunks({ seq: 24 }), batch(2)),
        ),
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: restoring any saved position replays the same batches, across epochs`, () => {
      const ref = make();
      const positions: string[] = [];
      const batches: ReturnType<typeof asPlain>[] = [];
      for (let i = 0; i < 60; i++) {
        positions.push(JSON.stringify(ref.position())); // JSON round trip, as in a checkpoint
        batches.push(asPlain(unwrap(ref.next())));
      }
      expect(ref.epoch).toBeGreaterThan(0); // the run crossed at least one epoch boundary
      for (const k of [0, 1, 7, 23, 41, 55]) {
        const resumed = make();
        unwrap(resumed.restore(JSON.parse(positions[k]!)));
        const replay = take(resumed, 60 - k).map(asPlain);
        expect(replay).toEqual(batches.slice(k));
      }
    });
  }
  it('refuses a position from a different pipeline', () => {
    const a = unwrap(pipeline(text(corpus), tokenize(tok), chunks({ seq: 16 }), batch(3)));
    const b = unwrap(pipeline(text(corpus), tokenize(tok), chunks({ seq: 32 }), batch(3)));
    const r = b.restore(a.position() as never);
    expect(!r.ok && r.diagnostics[0]!.message).toContain('chunks(seq: 16)');
    // the same pipeline over a moved folder (same file name) still resumes
    const moved = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-moved-'));
    fs.copyFileSync(corpus, path.join(moved, 'corpus.txt'));
    const c = unwrap(
      pipeline(text(path.join(moved, 'corpus.txt')), tokenize(tok), chunks({ seq: 16 }), batch(3)),
    );
    unwrap(a.next());
    expect(c.restore(a.position() as never).ok).toBe(true);
    expect(Array.from(unwrap(c.next()).tokens)).toEqual(Array.from(unwrap(a.next()).tokens));
  });
});
