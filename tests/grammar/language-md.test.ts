// Every ```ftl block of the design document LANGUAGE.md parses verbatim, with no diagnostics
// (the samples in tests/samples/lang-* are the same examples refined so that they also
// check; docs/language.md lists the refinements). Skipped where the design folder is absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';

const doc = join(import.meta.dirname, '../../../shared/design/LANGUAGE.md');

describe.skipIf(!existsSync(doc))('LANGUAGE.md examples', () => {
  it('all parse verbatim', () => {
    const blocks = [...readFileSync(doc, 'utf8').matchAll(/```ftl\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const [i, b] of blocks.entries()) {
      const { ast, diagnostics } = parse(b, `LANGUAGE.md#${i}`);
      expect(diagnostics, `block ${i}`).toEqual([]);
      expect(ast.decls.length).toBeGreaterThan(0);
    }
  });
});
