// `ftl fmt` on every .ftl file in the repository (globbed at test time, so new stdlib modules,
// examples and samples are covered as they land), checked against independent properties:
//   - idempotence: fmt(fmt(x)) == fmt(x);
//   - the formatted text parses to an AST equal to the input's (spans aside);
//   - the multiset of comment texts is unchanged (every line, block and doc comment kept);
//   - a file with syntax errors is refused with its diagnostics, never formatted.

import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.ts';
import { formatFtl } from '../../grammar/format/format.ts';
import { astDifference, commentMultiset } from '../../grammar/format/ast-equal.ts';
import { ftlFiles } from './ftl-files.ts';

const files = ftlFiles();

describe('ftl fmt on every .ftl file in the repository', () => {
  it('finds the stdlib, examples and samples', () => {
    expect(files.some((f) => f.name.startsWith('stdlib/'))).toBe(true);
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [f.name, f] as const))('%s', async (name, f) => {
    const before = parse(f.text, name);
    const r = await formatFtl(f.text, name);
    if (hasErrors(before.diagnostics)) {
      // refused, with the parser's own diagnostics: nothing to write
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toEqual(before.diagnostics.map((d) => d.code));
      return;
    }
    if (!r.ok) throw new Error(r.internalError ?? 'refused a file without syntax errors');
    const after = parse(r.formatted, name);
    expect(after.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(astDifference(before.ast, after.ast)).toBeUndefined();
    expect(commentMultiset(after.ast.comments)).toEqual(commentMultiset(before.ast.comments));
    const again = await formatFtl(r.formatted, name);
    expect(again.ok && again.formatted).toBe(r.formatted);
    // one final newline
    if (before.ast.decls.length > 0)
      expect(r.formatted.endsWith('\n') && !r.formatted.endsWith('\n\n')).toBe(true);
  });
});
