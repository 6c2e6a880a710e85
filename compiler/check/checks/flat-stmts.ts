// The statements of a body, with those inside `for` and `if`/`else if`/`else` blocks, but not
// those inside nested stages: what the recipe checks (drops.ts, targets.ts) walk.

import type * as A from '../../../grammar/ast.ts';

export function flatStmts(stmts: readonly A.Stmt[], out: A.Stmt[] = []): A.Stmt[] {
  for (const s of stmts) {
    out.push(s);
    if (s.kind === 'ForStmt') flatStmts(s.body.stmts, out);
    else if (s.kind === 'IfStmt') {
      flatStmts(s.then.stmts, out);
      if (s.else?.kind === 'Block') flatStmts(s.else.stmts, out);
      else if (s.else) flatStmts([s.else], out);
    }
  }
  return out;
}
