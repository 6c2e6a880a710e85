// The module tree of a model declaration, as paths, without running anything: what a
// recipe's patterns (`apply lora(targets: "blocks.*.attn.{q,v}")`) are matched against.
//
// Paths follow the tree: submodule names, `name[n] = ...` copies as `name.0` (one stands
// for all), parameters as `<module path>.<param>`. Submodule declarations are followed
// across files through each file's own scope. Conditional params (`if bias`) are included.

import type * as A from '../../grammar/ast.ts';
import type { Scope } from './scope.ts';

export interface TreePaths {
  readonly modules: readonly string[];
  readonly params: readonly string[];
}

type ModuleLike = A.ModuleDecl | A.ModelDecl;

/** The module declaration an initialiser `linear(d, 4 * d)` or `nn.linear(...)` instantiates. */
function moduleOf(e: A.Expr, scope: Scope | undefined): { decl: ModuleLike; file?: string } | undefined {
  const callee = e.kind === 'Call' ? e.callee : e;
  let sym;
  if (callee.kind === 'Name') sym = scope?.lookup(callee.name);
  else if (callee.kind === 'Member' && callee.object.kind === 'Name') {
    sym = scope?.lookup(callee.object.name)?.members?.get(callee.name.name);
  }
  const d = sym?.decl;
  return d && (d.kind === 'ModuleDecl' || d.kind === 'ModelDecl')
    ? { decl: d, ...(sym?.file ? { file: sym.file } : {}) }
    : undefined;
}

export function modelPaths(
  model: ModuleLike,
  file: string,
  scopeOf: (file: string) => Scope | undefined,
): TreePaths {
  const modules: string[] = [];
  const params: string[] = [];
  const visit = (m: ModuleLike, mfile: string, prefix: string, depth: number): void => {
    if (depth > 16) return; // a module containing itself
    const stmts = (ss: readonly A.Stmt[]): void => {
      for (const s of ss) {
        if (s.kind === 'ParamDecl' && !s.owner) params.push(prefix + s.name.name);
        else if (s.kind === 'SubmoduleDecl' && !s.owner) {
          const path = prefix + s.name.name + (s.count ? '.0' : '');
          modules.push(path);
          const sub = moduleOf(s.value, scopeOf(mfile));
          if (sub) visit(sub.decl, sub.file ?? mfile, path + '.', depth + 1);
        } else if (s.kind === 'IfStmt') {
          stmts(s.then.stmts);
          if (s.else?.kind === 'Block') stmts(s.else.stmts);
        } else if (s.kind === 'ForStmt') stmts(s.body.stmts);
      }
    };
    stmts(m.body.stmts);
  };
  visit(model, file, '', 0);
  return { modules, params };
}
