// Result type shared by the runtime's file-facing code (data readers, tokenizers, checkpoints).
// Bad user files never throw: they come back as `{ ok: false, diagnostics }` whose span names
// the file (and the line, when there is one). Internal invariant violations may still throw.
//
// Codes (FTL0701-0709 checkpoints, FTL0720-0721 tokenizers, FTL0740-0743 data) are listed with
// their names and summaries in codes.ts (runtimeCatalogue).

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { Span } from '../../compiler/diagnostics/span.ts';

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly diagnostics: Diagnostic[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** A span covering a whole file (line 1), or one line of it when `line` is given. */
export function fileSpan(file: string, line = 1): Span {
  return { file, start: 0, end: 0, line, col: 1 };
}

/** One error diagnostic about a file, as a failed Result. */
export function fail<T = never>(
  code: string,
  file: string,
  message: string,
  hint?: string,
  line?: number,
): Result<T> {
  return { ok: false, diagnostics: [fileError(code, file, message, hint, line)] };
}

export function fileError(
  code: string,
  file: string,
  message: string,
  hint?: string,
  line?: number,
): Diagnostic {
  const d: Diagnostic = {
    code,
    severity: 'error',
    message: `${file}${line ? `:${line}` : ''}: ${message}`,
    span: fileSpan(file, line),
  };
  return hint ? { ...d, hint } : d;
}

/** Carries a Diagnostic out of deep streaming code; caught and turned into a Result at the
 *  public boundary (DataLoader.next, load functions). Never escapes the runtime's API. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** Run `f`, turning a DiagnosticError into a failed Result. Other exceptions are bugs and propagate. */
export function catchDiagnostics<T>(f: () => T): Result<T> {
  try {
    return ok(f());
  } catch (e) {
    if (e instanceof DiagnosticError) return { ok: false, diagnostics: [e.diagnostic] };
    throw e;
  }
}

/** Unwrap a Result or throw with its messages (for tests and internal callers that already validated). */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
