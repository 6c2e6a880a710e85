// Runner for error samples: each `*.ftl` file marks the diagnostics it must produce, and
// the test asserts that exactly those are produced (code, line, column and length).
//
// Markers are comments:
//   `//    ^^^^ FTL0302`           the span under the carets, on the nearest line above
//                                  that is not a marker (columns as in the marker line)
//   `//! FTL0101 eof`              a zero-width span at the end of the text
//   `//! FTL0105 line 2 col 1 len 2`

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';
import { formatDiagnostics } from '../../compiler/diagnostics/codeframe.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';

const caret = /^(\s*\/\/\s*)(\^+)\s+(FTL\d{4})\s*$/;
const bang = /^\s*\/\/!\s+(FTL\d{4})\s+(eof|line (\d+) col (\d+) len (\d+))\s*$/;

export function expectedMarks(text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  let target = 0;
  lines.forEach((line, i) => {
    const m = caret.exec(line);
    const b = bang.exec(line);
    if (m) out.push(`${m[3]}@${target + 1}:${m[1]!.length + 1}+${m[2]!.length}`);
    else if (b) out.push(b[2] === 'eof' ? `${b[1]}@eof` : `${b[1]}@${b[3]}:${b[4]}+${b[5]}`);
    else target = i;
  });
  return out.sort();
}

export function actualMarks(text: string, ds: readonly Diagnostic[]): string[] {
  return ds
    .map((d) => {
      const s = d.span;
      if (!s) return `${d.code}@nospan`;
      if (s.start === text.length && s.end === s.start) return `${d.code}@eof`;
      const lineEnd = text.indexOf('\n', s.start);
      const end = lineEnd >= 0 ? Math.min(s.end, lineEnd) : s.end;
      return `${d.code}@${s.line}:${s.col}+${Math.max(1, end - s.start)}`;
    })
    .sort();
}

export function errorSampleTests(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ftl'));
  for (const f of files) {
    it(f.replace(/\.ftl$/, ''), () => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      const { diagnostics } = checkSource(text, file);
      const expected = expectedMarks(text);
      expect(expected.length, 'sample has no markers').toBeGreaterThan(0);
      expect(
        actualMarks(text, diagnostics),
        formatDiagnostics(diagnostics, { sources: { [file]: text } }),
      ).toEqual(expected);
      for (const d of diagnostics) {
        expect(d.span!.start).toBeGreaterThanOrEqual(0);
        expect(d.span!.end).toBeLessThanOrEqual(text.length);
      }
    });
  }
  return files;
}
