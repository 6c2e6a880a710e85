// `drop NAME [merged]` (a stage removes a method an earlier stage applied): the parser's AST,
// `drop` and `merged` still usable as ordinary names, `ftl fmt` canonical and idempotent on
// the new statement, and the TextMate grammar's scopes for it.
import { describe, expect, it } from 'vitest';
import type * as A from '../../grammar/ast.ts';
import { formatFtl } from '../../grammar/format/format.ts';
import { parse } from '../../grammar/index.ts';
import { scopesOf, tokenize } from '../textmate/tokenize.ts';

const src = `recipe r {
  stage a { apply lofit_scale(l1: 1e-3) }
  stage b { drop lofit_scale;  apply lofit_bias(k: 2) }
  stage c {   drop  std.spdf_sparse   merged ; train(steps: 1) }
}
`;
const canonical = `recipe r {
  stage a {
    apply lofit_scale(l1: 1e-3)
  }
  stage b {
    drop lofit_scale
    apply lofit_bias(k: 2)
  }
  stage c {
    drop std.spdf_sparse merged
    train(steps: 1)
  }
}
`;

const stagesOf = (text: string): A.StageDecl[] => {
  const r = parse(text, 'd.ftl');
  expect(r.diagnostics).toEqual([]);
  return (r.ast.decls[0] as A.RecipeDecl).body.stmts as A.StageDecl[];
};
const first = (st: A.StageDecl) => st.body.stmts[0] as A.DropStmt;

async function fmt(text: string): Promise<string> {
  const r = await formatFtl(text, 'd.ftl');
  if (!r.ok) throw new Error(r.internalError ?? r.diagnostics.map((d) => d.message).join('; '));
  return r.formatted;
}

describe('drop statement', () => {
  it('parses `drop NAME` and `drop ns.NAME merged` with spans', () => {
    const [, b, c] = stagesOf(src);
    const d1 = first(b);
    expect(d1.kind).toBe('DropStmt');
    expect(d1.merged).toBe(false);
    expect(d1.method).toMatchObject({ kind: 'Name', name: 'lofit_scale' });
    expect(src.slice(d1.span.start, d1.span.end)).toBe('drop lofit_scale');
    const d2 = first(c);
    expect(d2.merged).toBe(true);
    expect(d2.method).toMatchObject({ kind: 'Member', name: { name: 'spdf_sparse' } });
    expect(src.slice(d2.span.start, d2.span.end)).toBe('drop  std.spdf_sparse   merged');
  });

  it('`merged` on the next line is a statement of its own, not the drop flag', () => {
    const [st] = stagesOf('recipe r {\n  stage s {\n    drop m\n    merged = 1\n  }\n}\n');
    expect(st.body.stmts.map((s) => s.kind)).toEqual(['DropStmt', 'Field']);
    expect((st.body.stmts[0] as A.DropStmt).merged).toBe(false);
  });

  it('`drop` stays an ordinary name elsewhere', () => {
    const text = `fn f(drop: float) -> float = drop * 2
fn g(x: float) -> float {
  let drop = x + 1
  drop = drop * 3
  return f(drop: drop)
}
`;
    const r = parse(text, 'n.ftl');
    expect(r.diagnostics).toEqual([]);
    const body = ((r.ast.decls[1] as A.FnDecl).body as A.Block).stmts;
    expect(body.map((s) => s.kind)).toEqual(['LetStmt', 'AssignStmt', 'ReturnStmt']);
  });

  it('formats to the canonical form, idempotently, with the same AST', async () => {
    const once = await fmt(src);
    expect(once).toBe(canonical);
    expect(await fmt(once)).toBe(once);
    const strip = (t: string) =>
      JSON.stringify(parse(t, 'd.ftl').ast, (k, v) => (k === 'span' || k === 'comments' ? undefined : v));
    expect(strip(once)).toBe(strip(src));
  });

  it('TextMate: `drop` and `merged` are keywords in the statement, `drop` a name elsewhere', async () => {
    const { tokens } = await tokenize(
      canonical + 'fn f(x: float) -> float {\n  let drop = x\n  return drop\n}\n',
    );
    expect(scopesOf(tokens, 'drop').at(-1)).toBe('keyword.other.drop.ftl');
    expect(scopesOf(tokens, 'lofit_scale', 1).at(-1)).toBe('entity.name.function.ftl');
    expect(scopesOf(tokens, 'merged').at(-1)).toBe('keyword.other.merged.ftl');
    const later = tokens.filter((t) => t.text.trim() === 'drop' || t.text.includes('drop'));
    expect(later.length).toBeGreaterThanOrEqual(4);
    for (const t of later.slice(2))
      expect(t.scopes.some((s) => s.includes('keyword.other.drop'))).toBe(false);
  });
});
