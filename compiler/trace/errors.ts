// User errors found while staging tensor expressions into IR (shape mismatches, bad axes,
// out-of-range slices, unknown names). The tensor layer throws `TraceError`; the tracer
// catches it at the statement that was being traced and turns it into a Diagnostic, so no
// exception crosses a phase boundary. IRError (from `mk`) stays a compiler bug.

import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { Span } from '../diagnostics/span.ts';

/** Stable codes used by trace/elaborate/train (FTL04xx: elaboration and tracing). */
export const TraceCodes = {
  shapeMismatch: 'FTL0203',
  badAxis: 'FTL0204',
  badIndex: 'FTL0205',
  badArgument: 'FTL0401',
  unknownName: 'FTL0402',
  patternNoMatch: 'FTL0403',
  notCallable: 'FTL0404',
  badInit: 'FTL0405',
  unsupported: 'FTL0406',
  noTrainable: 'FTL0407',
  methodCycle: 'FTL0408',
} as const;

export class TraceError extends Error {
  override name = 'TraceError';
  constructor(
    readonly code: string,
    message: string,
    readonly span?: Span,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * A TraceError as a Diagnostic. When the error points into another file than the user's
 * (a stdlib module), the diagnostic points at `userSpan` (the recipe statement that led
 * there) and keeps the library location as a note.
 */
export function toDiagnostic(e: TraceError, userSpan?: Span): Diagnostic {
  if (e.span && userSpan && e.span.file !== userSpan.file)
    return {
      code: e.code,
      severity: 'error',
      message: e.message,
      span: userSpan,
      hint: e.hint,
      notes: [{ message: `raised in ${e.span.file}:${e.span.line}:${e.span.col}`, span: e.span }],
    };
  return { code: e.code, severity: 'error', message: e.message, span: e.span ?? userSpan, hint: e.hint };
}

export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;
