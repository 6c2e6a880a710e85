// The catalogue of stable diagnostic codes, kept as data.
//
// A code never changes meaning once published; new problems get new codes. Ranges:
//   FTL01xx  syntax (lexer, parser, forms the AST builder rejects)
//   FTL02xx  names, imports, types, shapes, patterns, recipe structure
//   FTL03xx  call arguments
// Phases make diagnostics through `diag(name, ...)`, so a code is spelled once, here.
// Later phases (elaborate, trace, runtime) add their own ranges (FTL04xx+) to this table.

import type { Diagnostic, Note, Severity } from './diagnostic.ts';
import type { Span } from './span.ts';
import { runtimeCatalogue } from '../../runtime/data/codes.ts';

export interface CatalogueEntry {
  readonly code: string;
  readonly name: string;
  readonly severity: Severity;
  /** What the problem is, in one line (docs and `ftl explain`). */
  readonly summary: string;
  /** Used when the reporting site gives no hint of its own. */
  readonly hint?: string;
}

const entries: readonly CatalogueEntry[] = [
  // ─── FTL01xx syntax ───
  {
    code: 'FTL0100',
    name: 'internal-error',
    severity: 'error',
    summary: 'a bug in the compiler (please report it with the input)',
  },
  {
    code: 'FTL0101',
    name: 'syntax-error',
    severity: 'error',
    summary: 'the parser met a token it did not expect',
  },
  {
    code: 'FTL0102',
    name: 'unclosed-delimiter',
    severity: 'error',
    summary: 'a `(`, `[` or `{` is never closed',
    hint: 'add the missing closing bracket',
  },
  {
    code: 'FTL0103',
    name: 'invalid-character',
    severity: 'error',
    summary: 'a character that starts no token',
  },
  {
    code: 'FTL0104',
    name: 'unterminated-string',
    severity: 'error',
    summary: 'a string literal without its closing `"`',
    hint: 'close the string with `"` on the same line',
  },
  {
    code: 'FTL0105',
    name: 'unterminated-comment',
    severity: 'error',
    summary: 'a `/*` comment without `*/`',
    hint: 'close the comment with `*/`',
  },
  {
    code: 'FTL0106',
    name: 'invalid-form',
    severity: 'error',
    summary: 'a construct written in a shape the language does not allow',
  },
  {
    code: 'FTL0107',
    name: 'bad-selector',
    severity: 'error',
    summary: 'a freeze/unfreeze selector other than rows(...), cols(...) or mask(...)',
  },
  { code: 'FTL0108', name: 'bad-number', severity: 'error', summary: 'a numeric literal that is not finite' },
  { code: 'FTL0109', name: 'unreadable-file', severity: 'error', summary: 'a file that cannot be read' },
  {
    code: 'FTL0110',
    name: 'nesting-too-deep',
    severity: 'error',
    summary: 'brackets or operators nested deeper than the compiler handles (about 100 levels of brackets)',
    hint: 'split the expression with `let`',
  },

  // ─── FTL02xx names, imports, types, shapes ───
  {
    code: 'FTL0201',
    name: 'unknown-name',
    severity: 'error',
    summary: 'a name that is not defined in scope',
  },
  {
    code: 'FTL0202',
    name: 'duplicate-definition',
    severity: 'error',
    summary: 'a name defined twice in the same scope',
    hint: 'rename or remove one of them',
  },
  {
    code: 'FTL0203',
    name: 'shape-mismatch',
    severity: 'error',
    summary: 'tensor shapes that cannot be combined',
  },
  {
    code: 'FTL0204',
    name: 'bad-axis',
    severity: 'error',
    summary: 'an axis out of range for a tensor (found while tracing)',
  },
  {
    code: 'FTL0205',
    name: 'bad-index',
    severity: 'error',
    summary: 'an index or slice out of range (found while tracing)',
  },
  { code: 'FTL0206', name: 'type-mismatch', severity: 'error', summary: 'a value of the wrong type' },
  {
    code: 'FTL0207',
    name: 'unknown-type',
    severity: 'error',
    summary: 'a type name or dtype that does not exist',
  },
  {
    code: 'FTL0208',
    name: 'bad-pattern',
    severity: 'error',
    summary: 'a malformed module/parameter pattern',
  },
  {
    code: 'FTL0209',
    name: 'unknown-recipe-key',
    severity: 'error',
    summary: 'a recipe or stage key the recipe does not know',
  },
  {
    code: 'FTL0210',
    name: 'misplaced-statement',
    severity: 'error',
    summary: 'a statement that is not allowed in this kind of body',
  },
  {
    code: 'FTL0211',
    name: 'missing-recipe-key',
    severity: 'error',
    summary: 'a recipe that cannot train without a key it lacks',
  },
  {
    code: 'FTL0212',
    name: 'import-outside-roots',
    severity: 'error',
    summary: 'an import that is neither `std.*` nor a file beside the recipe',
    hint: "import `std.<path>` or a `.ftl` file in the recipe's folder",
  },
  {
    code: 'FTL0213',
    name: 'unknown-member',
    severity: 'error',
    summary: 'a member that an imported file or record does not have',
  },
  { code: 'FTL0214', name: 'import-error', severity: 'error', summary: 'an imported file has errors' },
  {
    code: 'FTL0216',
    name: 'import-not-found',
    severity: 'error',
    summary: 'an import whose file does not exist',
  },
  {
    code: 'FTL0215',
    name: 'duplicate-key',
    severity: 'error',
    summary: 'a recipe key set twice in the same body',
    hint: 'remove one of them',
  },

  // ─── FTL03xx call arguments ───
  {
    code: 'FTL0301',
    name: 'too-many-arguments',
    severity: 'error',
    summary: 'more positional arguments than the callee declares',
  },
  {
    code: 'FTL0302',
    name: 'unknown-argument',
    severity: 'error',
    summary: 'a named argument the callee does not declare',
  },
  {
    code: 'FTL0303',
    name: 'missing-argument',
    severity: 'error',
    summary: 'a required argument that is not given',
  },
  { code: 'FTL0304', name: 'duplicate-argument', severity: 'error', summary: 'an argument given twice' },
  { code: 'FTL0305', name: 'argument-type', severity: 'error', summary: 'an argument of the wrong type' },
  {
    code: 'FTL0306',
    name: 'positional-after-named',
    severity: 'error',
    summary: 'a positional argument after a named one',
    hint: 'put positional arguments first',
  },
  {
    code: 'FTL0307',
    name: 'not-callable',
    severity: 'error',
    summary: 'a call of something that is not a function, module or method',
  },

  // ─── FTL04xx elaboration and tracing (codes used by compiler/trace/errors.ts) ───
  {
    code: 'FTL0401',
    name: 'bad-argument',
    severity: 'error',
    summary: 'an argument value the traced builtin cannot use',
  },
  {
    code: 'FTL0402',
    name: 'unresolved-name',
    severity: 'error',
    summary: 'a name with no value while tracing',
  },
  {
    code: 'FTL0403',
    name: 'pattern-no-match',
    severity: 'error',
    summary: 'a pattern that matches no module or parameter',
  },
  {
    code: 'FTL0404',
    name: 'not-callable-value',
    severity: 'error',
    summary: 'a call of a value that is not callable (while tracing)',
  },
  {
    code: 'FTL0405',
    name: 'bad-init',
    severity: 'error',
    summary: 'a parameter initialiser that cannot be used',
  },
  {
    code: 'FTL0406',
    name: 'unsupported',
    severity: 'error',
    summary: 'a construct the compiler does not support yet',
  },
  { code: 'FTL0407', name: 'no-trainable', severity: 'error', summary: 'nothing is left trainable' },
  {
    code: 'FTL0408',
    name: 'method-cycle',
    severity: 'error',
    summary: 'a method that applies itself, directly or through the methods it applies',
  },
];

export const catalogue: readonly CatalogueEntry[] = entries;

const byName = new Map(entries.map((e) => [e.name, e]));
// The runtime's file-facing codes (FTL07xx: checkpoints, tokenizers, data) are listed in
// runtime/data/codes.ts; they are found by code too (`ftl explain FTL0741`).
const byCode = new Map([...entries, ...runtimeCatalogue].map((e) => [e.code, e]));

export type DiagnosticName = (typeof entries)[number]['name'];

export const entryByName = (name: string): CatalogueEntry | undefined => byName.get(name);
export const entryByCode = (code: string): CatalogueEntry | undefined => byCode.get(code);

/** Make a diagnostic from a catalogue name. Unknown names are a compiler bug: throws. */
export function diag(
  name: string,
  message: string,
  span: Span | undefined,
  extra: { hint?: string; notes?: readonly Note[]; severity?: Severity } = {},
): Diagnostic {
  const e = byName.get(name);
  if (!e) throw new Error(`diagnostic name not in catalogue: ${name}`);
  const hint = extra.hint ?? e.hint;
  return {
    code: e.code,
    severity: extra.severity ?? e.severity,
    message,
    ...(span ? { span } : {}),
    ...(hint ? { hint } : {}),
    ...(extra.notes && extra.notes.length > 0 ? { notes: extra.notes } : {}),
  };
}
