// `formatFtl(text, file)`: the one entry `ftl fmt`, tests and tools use. Never loses user
// text:
//   - a file with syntax errors is not formatted; its diagnostics come back instead;
//   - the formatted text is parsed again and must give the same AST (spans aside) and the
//     same multiset of comments; otherwise the result is an internal error (a formatter
//     bug), reported with where the trees differ, and the caller keeps the original.

import * as prettier from 'prettier';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.ts';
import { parse } from '../index.ts';
import { astDifference, commentMultiset } from './ast-equal.ts';
import plugin, { ftlFormatOptions, withParsed } from './plugin.ts';

export type FormatResult =
  | { readonly ok: true; readonly formatted: string; readonly changed: boolean }
  | { readonly ok: false; readonly diagnostics: Diagnostic[]; readonly internalError?: undefined }
  | { readonly ok: false; readonly diagnostics: []; readonly internalError: string };

/** The canonical layout of `text` (the contents of `file`), or why it cannot be given. */
export async function formatFtl(text: string, file = '<input>'): Promise<FormatResult> {
  const before = parse(text, file);
  if (hasErrors(before.diagnostics)) return { ok: false, diagnostics: before.diagnostics };
  // taken before Prettier attaches the comments to the tree (it empties `Program.comments`)
  const commentsBefore = commentMultiset(before.ast.comments).join('\n\0');
  let formatted: string;
  try {
    const options = { ...ftlFormatOptions, filepath: file, plugins: [plugin] };
    formatted = await withParsed(text, before.ast, () => prettier.format(text, options));
  } catch (err) {
    return { ok: false, diagnostics: [], internalError: `the formatter failed: ${(err as Error).message}` };
  }
  const after = parse(formatted, file);
  if (hasErrors(after.diagnostics)) {
    const d = after.diagnostics.find((x) => x.severity === 'error')!;
    return {
      ok: false,
      diagnostics: [],
      internalError: `the formatted text does not parse (${d.code} at ${d.span?.line}:${d.span?.col}: ${d.message})`,
    };
  }
  const diff = astDifference(before.ast, after.ast);
  if (diff)
    return { ok: false, diagnostics: [], internalError: `formatting would change the program at ${diff}` };
  const commentsAfter = commentMultiset(after.ast.comments).join('\n\0');
  if (commentsBefore !== commentsAfter)
    return { ok: false, diagnostics: [], internalError: 'formatting would lose or alter a comment' };
  return { ok: true, formatted, changed: formatted !== text };
}
