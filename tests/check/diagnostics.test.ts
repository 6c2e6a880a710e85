// The diagnostic catalogue, the code-frame printer and the did-you-mean helper.
import { describe, expect, it } from 'vitest';
import { catalogue, diag, entryByCode } from '../../compiler/diagnostics/catalogue.ts';
import {
  diagnosticToJson,
  formatDiagnostic,
  formatDiagnostics,
} from '../../compiler/diagnostics/codeframe.ts';
import { closest, didYouMean, editDistance } from '../../compiler/diagnostics/suggest.ts';
import type { Span } from '../../compiler/diagnostics/span.ts';

const spanOf = (text: string, needle: string, file = 'r.ftl'): Span => {
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

describe('catalogue', () => {
  it('has unique codes and names in the documented ranges', () => {
    const codes = catalogue.map((e) => e.code);
    const names = catalogue.map((e) => e.name);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(names).size).toBe(names.length);
    for (const e of catalogue) expect(e.code).toMatch(/^FTL0[1-4]\d\d$/);
    expect(entryByCode('FTL0203')?.name).toBe('shape-mismatch');
  });

  it('makes diagnostics by name, with the default hint unless one is given', () => {
    const d = diag('unclosed-delimiter', '`{` is never closed', undefined);
    expect(d).toEqual({
      code: 'FTL0102',
      severity: 'error',
      message: '`{` is never closed',
      hint: 'add the missing closing bracket',
    });
    expect(diag('unclosed-delimiter', 'm', undefined, { hint: 'add `}`' }).hint).toBe('add `}`');
    expect(() => diag('no-such-diagnostic', 'm', undefined)).toThrow();
  });
});

describe('code frame', () => {
  const text = 'recipe r {\n  apply lora(rank: 8)\n}\n';
  const d = diag('unknown-argument', '`lora` has no parameter `rank`', spanOf(text, 'rank'), {
    hint: 'did you mean `r`?',
    notes: [
      { message: '`lora` is declared here', span: { file: 'lora.ftl', start: 0, end: 4, line: 3, col: 8 } },
    ],
  });

  it('prints location, code and name, the line, carets under the span, hint and notes', () => {
    expect(formatDiagnostic(d, { sources: { 'r.ftl': text } }).split('\n')).toEqual([
      'r.ftl:2:14: error[FTL0302 unknown-argument]: `lora` has no parameter `rank`',
      ' 2 |   apply lora(rank: 8)',
      '   |              ^^^^',
      '   = hint: did you mean `r`?',
      '   = note: `lora` is declared here (lora.ftl:3:8)',
    ]);
  });

  it('puts one caret under an empty span and cuts multi-line spans at the line end', () => {
    const empty = { ...spanOf(text, '}'), end: spanOf(text, '}').start };
    const f1 = formatDiagnostic(diag('syntax-error', 'x', empty), { sources: { 'r.ftl': text } }).split('\n');
    expect(f1[2]).toBe('   | ^');
    const multi = { ...spanOf(text, 'recipe'), end: text.length };
    const f2 = formatDiagnostic(diag('syntax-error', 'x', multi), { sources: { 'r.ftl': text } }).split('\n');
    expect(f2[2]).toBe('   | ' + '^'.repeat('recipe r {'.length));
  });

  it('aligns the gutter for multi-digit line numbers and expands tabs', () => {
    const long = '\n'.repeat(11) + '\tx = y\n';
    const f = formatDiagnostic(diag('unknown-name', 'unknown name `y`', spanOf(long, 'y')), {
      sources: { 'r.ftl': long },
    }).split('\n');
    expect(f[1]).toBe(' 12 |     x = y');
    expect(f[2]).toBe('    |         ^');
  });

  it('prints without a frame when the source is unknown, and summarises counts', () => {
    expect(formatDiagnostic(d, { sources: {} }).split('\n')[1]).toBe('   = hint: did you mean `r`?');
    const all = formatDiagnostics([d, { ...d, severity: 'warning' }], { sources: {} });
    expect(all.endsWith('1 error, 1 warning')).toBe(true);
    expect(diagnosticToJson(d)).toMatchObject({ code: 'FTL0302', name: 'unknown-argument' });
  });
});

describe('did you mean', () => {
  it('computes edit distance with adjacent swaps', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('trian', 'train')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests close candidates only', () => {
    expect(closest('sofmax', ['softmax', 'log_softmax', 'max'])).toBe('softmax');
    expect(didYouMean('lerning_rate', ['learning_rate', 'lr'])).toBe('did you mean `learning_rate`?');
    expect(didYouMean('xyz', ['model', 'data'])).toBeUndefined();
    expect(didYouMean('Model', ['model'])).toBe('did you mean `model`?');
  });
});
