// Readers: text pieces reassemble the file byte-for-byte (across 64 KiB block refills and
// multi-byte characters), document modes, JSONL shapes, and malformed records reported with
// file and line number.
import { describe, it, expect, beforeEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { text, jsonl, type DataRecord, type Cursor } from '../../runtime/data/index.ts';
import { catchDiagnostics } from '../../runtime/data/result.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftl-data-'));
});
const put = (name: string, content: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
};
const drain = (c: Cursor<DataRecord>) => {
  const out: DataRecord[] = [];
  for (let r = c.next(); r !== undefined; r = c.next()) out.push(r);
  return out;
};

describe('text()', () => {
  it('file mode: pieces concatenate to the exact file, one document start and end', () => {
    // ~300 KB with 2-, 3- and 4-byte characters, CRLF and long lines, so block refills split characters.
    const para = (i: number) =>
      `Paragraph ${i}: naïve café 東京 🐈 ${'x'.repeat(i % 97)}\r\nsecond line ${i}\n`;
    let content = '';
    for (let i = 0; i < 3000; i++) content += para(i) + (i % 7 === 0 ? '\n\n' : '\n');
    content += 'tail without newline';
    const recs = drain(text(put('big.txt', content)).open());
    expect(recs.length).toBeGreaterThan(100);
    expect(recs.map((r) => (r.kind === 'text' ? r.text : '')).join('')).toBe(content);
    expect(recs.map((r) => r.kind === 'text' && r.start)).toEqual(recs.map((_, i) => i === 0));
    expect(recs.map((r) => r.kind === 'text' && r.end)).toEqual(recs.map((_, i) => i === recs.length - 1));
  });
  it('paragraph and line documents', () => {
    const f = put('p.txt', 'one\ntwo\n\n\nthree\r\n\nfour');
    expect(
      drain(text(f, { documents: 'paragraphs' }).open()).map((r) => r.kind === 'text' && r.text),
    ).toEqual(['one\ntwo', 'three', 'four']);
    expect(drain(text(f, { documents: 'lines' }).open()).map((r) => r.kind === 'text' && r.text)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
  });
  it('empty file has no documents', () => {
    expect(drain(text(put('e.txt', '')).open())).toEqual([]);
  });
  it('missing file is an FTL0740 problem before reading', () => {
    const p = text(path.join(dir, 'nope.txt')).problems();
    expect(p[0]!.code).toBe('FTL0740');
    expect(p[0]!.message).toContain('nope.txt');
  });
});

describe('jsonl()', () => {
  it('detects each record shape', () => {
    const f = put(
      'all.jsonl',
      [
        '{"text": "hello"}',
        '{"prompt": "2+2=", "completion": "4"}',
        '{"instruction": "Add", "input": "2, 2", "output": "4"}',
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}',
        '{"prompt": "Q", "chosen": "good", "rejected": "bad"}',
      ].join('\n'),
    );
    // one shape per file: split the lines into files
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    const kinds = lines.map((l, i) =>
      drain(jsonl(put(`s${i}.jsonl`, `\uFEFF${l}\r\n\n${l}\n`)).open()).map((r) => r.kind),
    );
    expect(kinds).toEqual([
      ['text', 'text'],
      ['prompt', 'prompt'],
      ['alpaca', 'alpaca'],
      ['chat', 'chat'],
      ['preference', 'preference'],
    ]);
    const alpaca = drain(jsonl(put('a.jsonl', '{"instruction": "Say hi", "output": "hi"}')).open())[0];
    expect(alpaca).toEqual({ kind: 'alpaca', instruction: 'Say hi', input: '', output: 'hi' });
  });
  it('reports a malformed record with file and line', () => {
    const rows = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `row ${i}` }));
    rows[16] = '{"txt": "typo"}';
    const f = put('x.jsonl', rows.join('\n') + '\n');
    const c = jsonl(f).open();
    const r = catchDiagnostics(() => drain(c));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]!.code).toBe('FTL0741');
    expect(r.diagnostics[0]!.message).toBe(
      `${f}:17: expected a JSON object with field \`text\`; \`text\` is missing`,
    );
    expect(r.diagnostics[0]!.span).toMatchObject({ file: f, line: 17 });
  });
  it('invalid JSON, wrong types and unknown shapes', () => {
    const bad = (content: string, shape?: 'text') => {
      const r = catchDiagnostics(() => drain(jsonl(put('b.jsonl', content), shape ? { shape } : {}).open()));
      return r.ok ? '' : r.diagnostics[0]!.message;
    };
    expect(bad('{"text": "a"}\n\n{"text": \n')).toMatch(/b\.jsonl:3: not valid JSON/);
    expect(bad('{"text": 5}')).toMatch(
      /b\.jsonl:1: expected a JSON object with field `text`; `text` is a number, not a string/,
    );
    expect(bad('[1, 2]')).toMatch(/b\.jsonl:1: expected a JSON object with one of/);
    expect(bad('{"prompt": "a", "completion": "b"}', 'text')).toMatch(
      /b\.jsonl:1: expected a JSON object with field `text`/,
    );
    expect(bad('{"messages": [{"role": "user"}]}')).toMatch(/message 0 needs string `role` and `content`/);
  });
  it('the shipped instruction set is 50 prompt/completion records whose arithmetic is right', () => {
    const recs = drain(
      jsonl(path.join(import.meta.dirname, '../../examples/data/instructions.jsonl')).open(),
    );
    expect(recs.length).toBe(50);
    let checked = 0;
    for (const r of recs) {
      expect(r.kind).toBe('prompt');
      if (r.kind !== 'prompt') continue;
      const m = /What is (\d+) (plus|minus|times) (\d+)\?/.exec(r.prompt);
      if (!m) continue;
      const [a, b] = [Number(m[1]), Number(m[3])];
      const want = m[2] === 'plus' ? a + b : m[2] === 'minus' ? a - b : a * b;
      expect(r.completion).toBe(` ${want}`);
      checked++;
    }
    expect(checked).toBe(24);
  });
});
