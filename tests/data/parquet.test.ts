// parquet(): files written by the independent test writer (parquet-writer.ts) read back as the
// same records jsonl() makes from the same rows (every shape, chat as list<struct> and as JSON
// text, null cells, renamed columns); raw rows agree with hyparquet's own promise-based reader;
// save/restore at every position across row groups; malformed files and rows are diagnostics
// naming the file; loaderFromSpec's `parquet` op builds the same loader as the direct API, and a
// position taken mid-run stays a snapshot (a buffered shuffle once handed out its live buffer).
import { describe, it, expect, beforeEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
import {
  parquet,
  jsonl,
  tokenize,
  pad,
  shuffle,
  batch,
  pipeline,
  loaderFromSpec,
  type DataRecord,
  type Cursor,
  type Source,
  type StageSpec,
} from '../../runtime/data/index.ts';
import { ParquetFile } from '../../runtime/data/parquet-file.ts';
import { catchDiagnostics, ok, unwrap } from '../../runtime/data/result.ts';
import { byteTokenizer } from '../../runtime/tokenizer/byte-level.ts';
import { writeParquet, type Field } from './parquet-writer.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-parquet-'));
});
const drain = (c: Cursor<DataRecord>) => {
  const out: DataRecord[] = [];
  for (let r = c.next(); r !== undefined; r = c.next()) out.push(r);
  return out;
};
const str = (name: string, repetition: Field['repetition'] = 'REQUIRED'): Field => ({
  name,
  type: 'BYTE_ARRAY',
  repetition,
});
/** list<struct<role, content>> the way pyarrow writes it (all levels optional). */
const messagesField: Field = {
  name: 'messages',
  list: true,
  repetition: 'OPTIONAL',
  children: [
    {
      name: 'list',
      repetition: 'REPEATED',
      children: [
        {
          name: 'element',
          repetition: 'OPTIONAL',
          children: [str('content', 'OPTIONAL'), str('role', 'OPTIONAL')],
        },
      ],
    },
  ],
};
/** Write rows both as Parquet (in row groups of 3) and as JSONL, the reference reader. */
function both(name: string, schema: Field[], rows: Record<string, unknown>[]) {
  const pq = path.join(dir, `${name}.parquet`);
  writeParquet(pq, schema, rows, { rowGroupSize: 3 });
  const jl = path.join(dir, `${name}.jsonl`);
  fs.writeFileSync(jl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { pq, jl };
}
const words = ['naïve', 'café', '東京', '🐈‍⬛', 'tab\there', 'line\nbreak', '', '  spaces  '];
const w = (i: number) => `${words[i % words.length]} ${i}`;

describe('parquet() record shapes equal jsonl() on the same rows', () => {
  const cases: [string, Field[], (i: number) => Record<string, unknown>][] = [
    ['text', [str('text'), { name: 'id', type: 'INT32' }], (i) => ({ text: w(i), id: i })],
    ['prompt', [str('prompt'), str('completion')], (i) => ({ prompt: w(i), completion: w(i + 1) })],
    [
      'alpaca',
      [str('instruction'), str('input', 'OPTIONAL'), str('output')],
      (i) => ({ instruction: w(i), ...(i % 2 ? { input: w(i + 2) } : {}), output: w(i + 3) }),
    ],
    [
      'chat',
      [messagesField],
      (i) => ({
        messages: [
          ...(i % 3 === 0 ? [{ role: 'system', content: 'be brief' }] : []),
          { role: 'user', content: w(i) },
          { role: 'assistant', content: w(i + 1) },
        ],
      }),
    ],
    [
      'preference',
      [str('prompt'), str('chosen'), str('rejected')],
      (i) => ({ prompt: w(i), chosen: w(i + 1), rejected: w(i + 2) }),
    ],
  ];
  for (const [shape, schema, row] of cases)
    it(shape, () => {
      const rows = Array.from({ length: 8 }, (_, i) => row(i));
      // Nulls as Parquet writes them; the JSONL twin omits the key.
      const pqRows = shape === 'alpaca' ? rows.map((r) => ({ input: null, ...r })) : rows;
      const { jl } = both(shape, schema, rows);
      const pq = path.join(dir, `${shape}-nulls.parquet`);
      writeParquet(pq, schema, pqRows, { rowGroupSize: 3 });
      const got = drain(parquet(pq).open());
      expect(got.length).toBe(8);
      expect(got).toEqual(drain(jsonl(jl).open()));
      expect(got[0]!.kind).toBe(shape === 'preference' ? 'preference' : shape);
    });

  it('chat messages stored as JSON text', () => {
    const rows = [0, 1, 2, 3].map((i) => ({
      messages: [
        { role: 'user', content: w(i) },
        { role: 'assistant', content: w(i + 1) },
      ],
    }));
    const { jl } = both('chatjson', [messagesField], rows);
    const pq = path.join(dir, 'chat-as-text.parquet');
    writeParquet(
      pq,
      [str('messages')],
      rows.map((r) => ({ messages: JSON.stringify(r.messages) })),
    );
    expect(drain(parquet(pq).open())).toEqual(drain(jsonl(jl).open()));
  });

  it('renamed columns and an explicit shape', () => {
    const rows = [0, 1, 2, 3, 4].map((i) => ({ content: w(i), other: 'x' }));
    const pq = path.join(dir, 'renamed.parquet');
    writeParquet(pq, [str('content'), str('other')], rows, { rowGroupSize: 2 });
    const got = drain(parquet(pq, { shape: 'text', columns: { text: 'content' } }).open());
    expect(got.map((r) => r.kind === 'text' && r.text)).toEqual(rows.map((r) => r.content));
  });
});

describe('row groups', () => {
  const rows = Array.from({ length: 23 }, (_, i) => ({ text: w(i), n: i % 4 ? i : null }));
  const schema: Field[] = [str('text'), { name: 'n', type: 'INT32', repetition: 'OPTIONAL' }];

  it('raw rows agree with hyparquet’s own (async) reader', async () => {
    const f = path.join(dir, 'rg.parquet');
    writeParquet(f, schema, rows, { rowGroupSize: 5 });
    const pf = ParquetFile.open(f);
    expect(pf.rowGroups).toBe(5);
    const mine = Array.from({ length: pf.rowGroups }, (_, g) => pf.readRowGroup(g, ['text', 'n'])).flat();
    const theirs = await parquetReadObjects({ file: await asyncBufferFromFile(f) });
    expect(mine).toEqual(theirs);
    expect(mine.map((r) => r.text)).toEqual(rows.map((r) => r.text));
    expect(pf.readRowGroup(1, ['n'])).toEqual(rows.slice(5, 10).map((r) => ({ n: r.n })));
  });

  it('save/restore at every position continues with the same records, across epochs', () => {
    const f = path.join(dir, 'resume.parquet');
    writeParquet(f, schema, rows, { rowGroupSize: 4 });
    const all = drain(parquet(f).open());
    expect(all.length).toBe(23);
    for (let k = 0; k <= all.length; k++) {
      const c = parquet(f).open();
      for (let i = 0; i < k; i++) c.next();
      const saved = JSON.parse(JSON.stringify(c.save()));
      const d = parquet(f).open();
      d.rewind(0);
      d.restore(saved);
      expect(drain(d)).toEqual(all.slice(k));
    }
    const c = parquet(f).open();
    drain(c);
    c.rewind(1);
    expect(drain(c)).toEqual(all);
  });
});

describe('malformed files are diagnostics naming the file', () => {
  const firstError = (src: Source<DataRecord>) => {
    const r = catchDiagnostics(() => drain(src.open()));
    expect(r.ok).toBe(false);
    return r.ok ? undefined : r.diagnostics[0]!;
  };
  const good = () => {
    const f = path.join(dir, 'good.parquet');
    writeParquet(
      f,
      [str('text')],
      [0, 1, 2, 3, 4, 5].map((i) => ({ text: w(i) })),
      { rowGroupSize: 3 },
    );
    return f;
  };

  it('not Parquet, truncated, or a corrupt footer', () => {
    const bytes = fs.readFileSync(good());
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'garbage.parquet',
        new TextEncoder().encode('{"text": "this is JSON, not Parquet"}\n'),
        /not a Parquet file/,
      ],
      ['truncated.parquet', bytes.subarray(0, bytes.length - 20), /not a Parquet file/],
      ['tiny.parquet', bytes.subarray(0, 6), /too short/],
      [
        'badlength.parquet',
        (() => {
          const b = Uint8Array.from(bytes);
          new DataView(b.buffer).setUint32(b.length - 8, 1 << 30, true);
          return b;
        })(),
        /footer length/,
      ],
      [
        'badfooter.parquet',
        (() => {
          const b = Uint8Array.from(bytes);
          const len = new DataView(b.buffer).getUint32(b.length - 8, true);
          b.fill(0xff, b.length - 8 - len, b.length - 8);
          return b;
        })(),
        /malformed Parquet file/,
      ],
    ];
    for (const [name, content, re] of cases) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content);
      const d = firstError(parquet(f))!;
      expect(d.code).toBe('FTL0740');
      expect(d.message).toContain(name);
      expect(d.message).toMatch(re);
    }
  });

  it('corrupt column data is reported with its row group', () => {
    const bytes = Uint8Array.from(fs.readFileSync(good()));
    bytes.fill(0xff, 4, 40); // the first column chunk's page header and data
    const f = path.join(dir, 'corrupt.parquet');
    fs.writeFileSync(f, bytes);
    const d = firstError(parquet(f))!;
    expect(d.code).toBe('FTL0740');
    expect(d.message).toMatch(/corrupt\.parquet: malformed Parquet data in row group 0/);
  });

  it('streams: a corrupt second row group is met only after the first one’s rows', () => {
    const f = good();
    const pf = ParquetFile.open(f);
    const chunk = pf.metadata.row_groups[1]!.columns[0]!.meta_data!;
    const bytes = Uint8Array.from(fs.readFileSync(f));
    bytes.fill(0xff, Number(chunk.data_page_offset), Number(chunk.data_page_offset) + 12);
    fs.writeFileSync(f, bytes);
    const c = parquet(f).open();
    expect([c.next(), c.next(), c.next()].map((r) => r?.kind === 'text' && r.text)).toEqual([
      w(0),
      w(1),
      w(2),
    ]);
    const r = catchDiagnostics(() => c.next());
    expect(!r.ok && r.diagnostics[0]!.message).toMatch(
      /good\.parquet: malformed Parquet data in row group 1/,
    );
  });

  it('GZIP pages are read; ZSTD is refused up front', () => {
    const rows = [0, 1, 2, 3, 4].map((i) => ({ text: w(i).repeat(20) }));
    const gz = path.join(dir, 'gzip.parquet');
    writeParquet(gz, [str('text')], rows, { rowGroupSize: 2, codec: 'GZIP' });
    expect(drain(parquet(gz).open()).map((r) => r.kind === 'text' && r.text)).toEqual(
      rows.map((r) => r.text),
    );
    const zs = path.join(dir, 'zstd.parquet');
    writeParquet(zs, [str('text')], rows, { codec: 'ZSTD' });
    const d = firstError(parquet(zs))!;
    expect(d.message).toContain('zstd.parquet');
    expect(d.message).toContain('ZSTD-compressed');
  });

  it('a row of the wrong type, missing columns, no matching shape', () => {
    const f = path.join(dir, 'ints.parquet');
    writeParquet(f, [{ name: 'text', type: 'INT32' }], [{ text: 1 }]);
    expect(firstError(parquet(f))!.message).toBe(
      `${f}: row 1: expected a row with field \`text\`; \`text\` is a number, not a string`,
    );
    const g = path.join(dir, 'cols.parquet');
    writeParquet(g, [str('question'), str('answer')], [{ question: 'q', answer: 'a' }]);
    const d = firstError(parquet(g))!;
    expect(d.code).toBe('FTL0741');
    expect(d.message).toContain('the file has columns: question, answer');
    expect(firstError(parquet(g, { shape: 'prompt' }))!.message).toContain(
      'shape `prompt` needs columns `prompt`, `completion`',
    );
    // Renaming fixes it.
    const r = drain(parquet(g, { columns: { prompt: 'question', completion: 'answer' } }).open());
    expect(r).toEqual([{ kind: 'prompt', prompt: 'q', completion: 'a' }]);
  });

  it('a missing file is a problem before reading; the loader never throws', () => {
    expect(parquet(path.join(dir, 'nope.parquet')).problems()[0]!.code).toBe('FTL0740');
    const f = path.join(dir, 'junk.parquet');
    fs.writeFileSync(f, 'PAR1 but not really PAR1');
    const tok = byteTokenizer({ specials: ['<|endoftext|>'] });
    const loader = unwrap(pipeline(parquet(f), tokenize(tok), pad({ seq: 8 }), batch(2)));
    const r = loader.next();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.diagnostics[0]!.message).toContain('junk.parquet');
  });
});

describe('parquet in a pipeline', () => {
  it('loaderFromSpec `parquet` equals the direct API, and resumes from a position', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ question: w(i), answer: w(i * 7) }));
    writeParquet(path.join(dir, 'qa.parquet'), [str('question'), str('answer')], rows, { rowGroupSize: 7 });
    const tok = byteTokenizer({ specials: ['<|endoftext|>', '<|pad|>'] });
    const spec: StageSpec[] = [
      { op: 'parquet', args: { path: 'qa.parquet', columns: 'prompt=question, completion=answer' } },
      { op: 'tokenize', args: { tokenizer: 'model' } },
      { op: 'pad', args: { seq: 24 } },
      { op: 'shuffle', args: { seed: 3, buffer: 5 } },
      { op: 'batch', args: { size: 4 } },
    ];
    const ctx = { baseDir: dir, tokenizer: () => ok(tok) };
    const a = unwrap(loaderFromSpec(spec, ctx));
    const b = unwrap(
      pipeline(
        parquet(path.join(dir, 'qa.parquet'), { columns: { prompt: 'question', completion: 'answer' } }),
        tokenize(tok),
        pad({ seq: 24, padId: tok.padId! }),
        shuffle({ seed: 3, buffer: 5 }),
        batch(4),
      ),
    );
    const take = (l: typeof a, n: number) =>
      Array.from({ length: n }, () => {
        const x = unwrap(l.next());
        return [Array.from(x.tokens), Array.from(x.loss_mask)];
      });
    take(a, 5);
    const pos = a.position();
    expect(take(b, 5)).toEqual(take(unwrap(loaderFromSpec(spec, ctx)), 5));
    const expected = take(a, 12); // crosses an epoch (7 batches per epoch)
    const c = unwrap(loaderFromSpec(spec, ctx));
    unwrap(c.restore(JSON.parse(JSON.stringify(pos))));
    expect(take(c, 12)).toEqual(expected);

    const bad = loaderFromSpec(
      [{ ...spec[0]!, args: { path: 'qa.parquet', columns: 'prompt' } }, ...spec.slice(1)],
      ctx,
    );
    expect(!bad.ok && bad.diagnostics[0]!.message).toMatch(/`columns` entry `prompt` is not `field=column`/);
  });
});
