// One diagnostic type for every phase. Phases collect these and never throw on user error.
// Codes are stable (`FTL0203`) and listed with their names in the catalogue.

import type { Span } from './span.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Note {
  readonly message: string;
  readonly span?: Span;
}

export interface Diagnostic {
  /** Stable code from the catalogue, e.g. `FTL0203`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: Span;
  /** One actionable sentence: "did you mean `blocks.*.attn.q`?" */
  readonly hint?: string;
  readonly notes?: readonly Note[];
}

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error');
