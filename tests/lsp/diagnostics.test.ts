// Our diagnostics → LSP's: severity numbers, UTF-16 ranges (an emoji before the span shifts
// the column by two), hint and span-less notes appended to the message, notes in other files
// as related locations with ranges computed against those files' texts.

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { toLspDiagnostics } from '../../cli/lsp/diagnostics.ts';
import { LineIndex } from '../../cli/lsp/positions.ts';

const span = (file: string, text: string, needle: string) => {
  const start = text.indexOf(needle);
  const before = text.slice(0, start);
  return {
    file,
    start,
    end: start + needle.length,
    line: before.split('\n').length,
    col: start - before.lastIndexOf('\n'),
  };
};

describe('toLspDiagnostics', () => {
  const main = '/w/main.ftl';
  const other = '/w/lib.ftl';
  const text = 'recipe r {\n  // 🚀🚀\n  seed = oops\n}\n';
  const lib = 'line one\n  fn target() = 1\n';

  it('maps severity, range, code, hint and notes', () => {
    const ds: Diagnostic[] = [
      {
        code: 'FTL0201',
        severity: 'error',
        message: 'unknown name `oops`',
        span: span(main, text, 'oops'),
        hint: 'did you mean `ops`?',
        notes: [{ message: 'declared here', span: span(other, lib, 'target') }, { message: 'a plain note' }],
      },
      { code: 'FTL0900', severity: 'warning', message: 'w', span: span(main, text, 'seed') },
      { code: 'FTL0901', severity: 'info', message: 'i' },
    ];
    const [e, w, i] = toLspDiagnostics(ds, main, 'file:///w/main.ftl', new LineIndex(text), (f) =>
      f === other ? lib : undefined,
    );
    expect(e!.severity).toBe(1);
    expect(w!.severity).toBe(2);
    expect(i!.severity).toBe(3);
    expect(e!.code).toBe('FTL0201');
    expect(e!.range).toEqual({ start: { line: 2, character: 9 }, end: { line: 2, character: 13 } });
    expect(e!.message).toBe('unknown name `oops`\nhint: did you mean `ops`?\nnote: a plain note');
    expect(e!.relatedInformation).toEqual([
      {
        location: {
          uri: 'file:///w/lib.ftl',
          range: { start: { line: 1, character: 5 }, end: { line: 1, character: 11 } },
        },
        message: 'declared here',
      },
    ]);
    // no span: the start of the file
    expect(i!.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  });

  it('counts an emoji as two UTF-16 units in the column', () => {
    const t = 'fn f() = 1 // 😀 x\n';
    const [d] = toLspDiagnostics(
      [{ code: 'X', severity: 'error', message: 'm', span: span(main, t, 'x') }],
      main,
      'file:///w/main.ftl',
      new LineIndex(t),
      () => undefined,
    );
    expect(d!.range.start.character).toBe([...t.slice(0, t.indexOf('x'))].length + 1);
  });
});
