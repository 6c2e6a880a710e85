// `drop NAME [merged]` in a stage: NAME must be a method that an earlier stage (or the
// recipe itself) applies and no earlier stage already dropped. Unknown names are reported
// by the name checks (with "did you mean"); `drop` outside a stage by the placement checks.
// Methods are matched by declaration, so `drop lofit_scale` and `drop std_lofit.lofit_scale`
// name the same method. Applies and drops inside `for`/`if` in a body count as the body's.

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';
import { flatStmts } from './flat-stmts.ts';

/** The method declaration a callee names (`m` or `ns.m`), or why not (a string). */
function methodOf(e: A.Expr, ctx: CheckContext): A.MethodDecl | string | undefined {
  let sym = e.kind === 'Name' ? ctx.binding.refs.get(e)?.sym : undefined;
  if (e.kind === 'Member' && e.object.kind === 'Name')
    sym = ctx.binding.refs.get(e.object)?.sym?.members?.get(e.name.name);
  if (!sym) return undefined; // unknown: already reported, or not a plain name
  if (sym.kind === 'decl' && sym.decl?.kind === 'MethodDecl') return sym.decl;
  return sym.kind === 'decl' && sym.decl ? sym.decl.kind.replace('Decl', '').toLowerCase() : sym.kind;
}

function checkRecipe(r: A.RecipeDecl, ctx: CheckContext): void {
  const top = flatStmts(r.body.stmts);
  // Recipe-level applies hold in every stage.
  const active = new Set<A.MethodDecl>();
  for (const s of top)
    if (s.kind === 'ApplyStmt') {
      const m = methodOf(s.callee, ctx);
      if (typeof m === 'object') active.add(m);
    }
  const dropped = new Map<A.MethodDecl, string>(); // method -> stage that dropped it
  for (const st of top) {
    if (st.kind !== 'StageDecl') continue;
    const body = flatStmts(st.body.stmts);
    const here = new Set<A.MethodDecl>();
    for (const s of body)
      if (s.kind === 'ApplyStmt') {
        const m = methodOf(s.callee, ctx);
        if (typeof m === 'object') here.add(m);
      }
    for (const s of body) {
      if (s.kind !== 'DropStmt') continue;
      const m = methodOf(s.method, ctx);
      if (m === undefined) continue;
      if (typeof m === 'string') {
        ctx.report(diag('type-mismatch', `\`drop\` takes a method, but this is a ${m}`, s.method.span));
        continue;
      }
      const name = m.name.name;
      if (active.has(m)) {
        active.delete(m);
        dropped.set(m, st.name.name);
        continue;
      }
      const why = dropped.has(m)
        ? `stage \`${dropped.get(m)}\` already dropped it`
        : here.has(m)
          ? 'it is applied in this stage, not an earlier one'
          : 'no earlier stage applies it';
      ctx.report(
        diag('invalid-form', `cannot drop \`${name}\`: ${why}`, s.method.span, {
          hint: '`drop` removes a method an earlier stage applied: `stage a { apply m } stage b { drop m }`',
        }),
      );
    }
    for (const m of here) active.add(m);
  }
}

export function registerDropChecks(r: CheckRegistry): void {
  r.register('RecipeDecl', checkRecipe);
}
