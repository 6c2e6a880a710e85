// Our Diagnostic → LSP's: severity numbers, UTF-16 ranges, the hint appended to the
// message, notes with a span as relatedInformation (notes without one appended as text).
// Notes may point into other files (an imported declaration): their ranges are computed
// against that file's text.

import type { Diagnostic as FtlDiagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { LineIndex, type Range } from './positions.ts';
import { fileToUri } from './workspace.ts';

export interface LspDiagnostic {
  readonly range: Range;
  readonly severity: number;
  readonly code: string;
  readonly source: 'ftl';
  readonly message: string;
  readonly relatedInformation?: { location: { uri: string; range: Range }; message: string }[];
}

const SEVERITY = { error: 1, warning: 2, info: 3 } as const;

export function toLspDiagnostics(
  ds: readonly FtlDiagnostic[],
  file: string,
  uri: string,
  index: LineIndex,
  textOf: (file: string) => string | undefined,
): LspDiagnostic[] {
  const indexes = new Map<string, LineIndex>([[file, index]]);
  const indexOf = (f: string): LineIndex | undefined => {
    if (!indexes.has(f)) {
      const t = textOf(f);
      if (t !== undefined) indexes.set(f, new LineIndex(t));
    }
    return indexes.get(f);
  };
  return ds.map((d) => {
    const span = d.span && d.span.file === file ? d.span : undefined;
    const range = span ? index.range(span.start, span.end) : index.range(0, 0);
    const unplaced = (d.notes ?? []).filter((n) => !n.span || !indexOf(n.span.file));
    const related = (d.notes ?? []).flatMap((n) => {
      const ix = n.span ? indexOf(n.span.file) : undefined;
      if (!n.span || !ix) return [];
      const noteUri = n.span.file === file ? uri : fileToUri(n.span.file);
      return [{ location: { uri: noteUri, range: ix.range(n.span.start, n.span.end) }, message: n.message }];
    });
    const message = [
      d.message,
      ...(d.span && d.span.file !== file ? [`(in ${d.span.file}:${d.span.line}:${d.span.col})`] : []),
      ...(d.hint ? [`hint: ${d.hint}`] : []),
      ...unplaced.map((n) => `note: ${n.message}`),
    ].join('\n');
    return {
      range,
      severity: SEVERITY[d.severity],
      code: d.code,
      source: 'ftl' as const,
      message,
      ...(related.length ? { relatedInformation: related } : {}),
    };
  });
}
