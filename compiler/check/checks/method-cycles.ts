// Method composition cycles: a method whose body `apply`s itself, directly or through the
// methods it applies (`method a() { apply b() }`, `method b() { apply a }`), would never
// finish elaborating. Reported once per method of this file that lies on a cycle, at the
// `apply` that starts the cycle, with the whole cycle named (FTL0408 method-cycle, the code
// elaboration also uses when it meets one: compiler/elaborate/methods.ts).
//
// Callees are followed across files: `apply name` resolves in the file scope of the file
// that declares the applying method, `apply ns.name` through an imported namespace.

import { walk, type ApplyStmt, type MethodDecl } from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';
import type { Scope, Sym } from '../scope.ts';

interface Edge {
  readonly stmt: ApplyStmt;
  readonly target: MethodDecl;
  readonly file: string;
}

/** The methods that `decl` (declared in `file`) applies, in source order. */
function appliedBy(decl: MethodDecl, file: string, ctx: CheckContext): Edge[] {
  const scope: Scope | undefined = file === ctx.file ? ctx.fileScope : ctx.scopeOf(file);
  if (!scope) return [];
  const out: Edge[] = [];
  walk(decl.body, (n) => {
    if (n.kind !== 'ApplyStmt') return;
    const c = n.callee;
    let sym: Sym | undefined;
    if (c.kind === 'Name') sym = scope.lookup(c.name);
    else if (c.kind === 'Member' && c.object.kind === 'Name')
      sym = scope.lookup(c.object.name)?.members?.get(c.name.name);
    if (sym?.kind === 'decl' && sym.decl?.kind === 'MethodDecl')
      out.push({ stmt: n, target: sym.decl, file: sym.file ?? file });
  });
  return out;
}

function checkMethod(m: MethodDecl, ctx: CheckContext): void {
  const seen = new Set<MethodDecl>();
  // depth-first from m; `path` holds the methods from m to the current one
  const visit = (d: MethodDecl, file: string, path: string[]): string[] | undefined => {
    for (const e of appliedBy(d, file, ctx)) {
      if (e.target === m) return [...path, m.name.name];
      if (seen.has(e.target)) continue;
      seen.add(e.target);
      const found = visit(e.target, e.file, [...path, e.target.name.name]);
      if (found) return found;
    }
    return undefined;
  };
  for (const first of appliedBy(m, ctx.file, ctx)) {
    let cycle: string[] | undefined;
    if (first.target === m) cycle = [m.name.name, m.name.name];
    else if (!seen.has(first.target)) {
      seen.add(first.target);
      cycle = visit(first.target, first.file, [m.name.name, first.target.name.name]);
    }
    if (!cycle) continue;
    ctx.report(
      diag(
        'method-cycle',
        `method \`${m.name.name}\` applies itself: ${cycle.join(' -> ')}`,
        first.stmt.span,
        {
          hint: 'a method may apply other methods, but not itself (directly or through others)',
        },
      ),
    );
    return;
  }
}

export function registerMethodCycleChecks(r: CheckRegistry): void {
  r.register('MethodDecl', checkMethod);
}
