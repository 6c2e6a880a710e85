// Golden AST dumps for every sample in tests/samples/<name>/input.ftl (the LANGUAGE.md
// examples in their refined spelling, and one sketch recipe per METHODS.md primitive).
// Each must parse and check with no diagnostics, and its AST must equal
// `_expected/ast.json`. Regenerate with `UPDATE_SNAPSHOTS=1 npx vitest run tests/grammar`.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../compiler/check/index.ts';
import { formatDiagnostics } from '../../compiler/diagnostics/codeframe.ts';
import { parse, type Program } from '../../grammar/index.ts';

const root = join(import.meta.dirname, '../samples');
const update = process.env.UPDATE_SNAPSHOTS === '1';
const samples = readdirSync(root).filter((d) => existsSync(join(root, d, 'input.ftl')));

/** The AST as stable JSON: spans as [start, end] (file and line/col follow from them). */
export function dumpAst(ast: Program): string {
  return JSON.stringify(
    ast,
    (key, value: unknown) => {
      if (key === 'span' && value && typeof value === 'object') {
        const s = value as { start: number; end: number };
        return [s.start, s.end];
      }
      return value;
    },
    1,
  );
}

describe('samples', () => {
  it('has the LANGUAGE.md examples and the primitive sketches', () => {
    expect(samples.filter((s) => s.startsWith('lang-')).length).toBe(6);
    expect(samples.filter((s) => s.startsWith('prim-')).length).toBeGreaterThanOrEqual(13);
  });

  for (const name of samples) {
    it(name, () => {
      const file = join(root, name, 'input.ftl');
      const text = readFileSync(file, 'utf8');
      const { ast, diagnostics } = checkSource(text, file);
      expect(diagnostics, formatDiagnostics(diagnostics, { sources: { [file]: text } })).toEqual([]);
      const dump = dumpAst(parse(text, `${name}/input.ftl`).ast);
      expect(ast.decls.length).toBeGreaterThan(0);
      const expectedFile = join(root, name, '_expected', 'ast.json');
      if (update) {
        mkdirSync(join(root, name, '_expected'), { recursive: true });
        writeFileSync(expectedFile, dump + '\n');
      }
      expect(dump + '\n').toBe(readFileSync(expectedFile, 'utf8'));
    });
  }
});
