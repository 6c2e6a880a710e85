// The code-frame printer: one diagnostic as
//
//   recipe.ftl:12:5: error[FTL0302 unknown-argument]: `lora` has no parameter `rank`
//      12 |   apply lora(rank: 8)
//         |              ^^^^
//      = hint: did you mean `r`?
//      = note: `lora` is declared here (stdlib/methods/lora.ftl:3:8)
//
// The caret run covers the span on its first line (at least one caret; a span running past
// the line's end is cut there). Sources are looked up by file name; a diagnostic whose file
// is not given is printed without the frame. `color` adds ANSI colours for terminals.

import type { Diagnostic } from './diagnostic.ts';
import { entryByCode } from './catalogue.ts';

export interface FrameOptions {
  /** Source text per file name. */
  readonly sources: ReadonlyMap<string, string> | Record<string, string>;
  readonly color?: boolean;
}

const ansi = (on: boolean, code: string, s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function lineOf(text: string, offset: number): { line: string; lineStart: number } {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  return { line: text.slice(lineStart, lineEnd).replace(/\r$/, ''), lineStart };
}

/** Tabs shift the caret: expand them the same way on the source and caret lines. */
const expandTabs = (s: string): string => s.replace(/\t/g, '    ');

export function formatDiagnostic(d: Diagnostic, opts: FrameOptions): string {
  const color = opts.color ?? false;
  const sources = opts.sources instanceof Map ? opts.sources : new Map(Object.entries(opts.sources));
  const name = entryByCode(d.code)?.name;
  const sevColor = d.severity === 'error' ? '31;1' : d.severity === 'warning' ? '33;1' : '36;1';
  const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : '';
  const head = `${where}${ansi(color, sevColor, `${d.severity}[${d.code}${name ? ' ' + name : ''}]`)}: ${ansi(color, '1', d.message)}`;
  const out = [head];
  const text = d.span ? sources.get(d.span.file) : undefined;
  if (d.span && text !== undefined) {
    const { line, lineStart } = lineOf(text, Math.min(d.span.start, text.length));
    const gutter = String(d.span.line).length + 1;
    const pad = ' '.repeat(gutter + 1);
    const before = expandTabs(line.slice(0, d.span.start - lineStart));
    const underlined = line.slice(
      d.span.start - lineStart,
      Math.max(d.span.start, Math.min(d.span.end, lineStart + line.length)) - lineStart,
    );
    const carets = '^'.repeat(Math.max(1, expandTabs(underlined).length));
    out.push(
      `${' '.repeat(gutter - String(d.span.line).length)}${ansi(color, '34', `${d.span.line} |`)} ${expandTabs(line)}`,
    );
    out.push(`${pad}${ansi(color, '34', '|')} ${' '.repeat(before.length)}${ansi(color, sevColor, carets)}`);
  }
  if (d.hint) out.push(`${' '.repeat(3)}= hint: ${d.hint}`);
  for (const n of d.notes ?? []) {
    const at = n.span ? ` (${n.span.file}:${n.span.line}:${n.span.col})` : '';
    out.push(`${' '.repeat(3)}= note: ${n.message}${at}`);
  }
  return out.join('\n');
}

/** All diagnostics, blank-line separated, followed by a one-line summary. */
export function formatDiagnostics(ds: readonly Diagnostic[], opts: FrameOptions): string {
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.filter((d) => d.severity === 'warning').length;
  const parts = ds.map((d) => formatDiagnostic(d, opts));
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  parts.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return parts.join('\n\n');
}

/** A diagnostic as plain JSON for tools (`ftl check --format json`), with its catalogue name. */
export function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  return { ...d, name: entryByCode(d.code)?.name ?? null };
}
