// From a reference in the analysed file to what it denotes: the symbol of a `Name`, the
// target of a callee expression (`lora`, `std_ns.lora`), the formal a named argument sets.
// Shared by hover, completion and go-to-definition.

import type { Sym } from '../../compiler/check/scope.ts';
import type { Arg, Decl, Expr, Formal, Member, Node, Stmt } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';

type Named = Exclude<Decl, { kind: 'ImportDecl' }>;

/** The symbol a `Name` expression denotes (bound, else looked up in the file scope). */
export function symOfName(a: Analysis, n: Extract<Node, { kind: 'Name' }>): Sym | undefined {
  return a.binding.refs.get(n)?.sym ?? a.fileScope.lookup(n.name);
}

/** The symbol a callee expression denotes: a name, or a member of an imported namespace. */
export function symOfCallee(a: Analysis, callee: Expr): Sym | undefined {
  if (callee.kind === 'Name') return symOfName(a, callee);
  if (callee.kind === 'Member') {
    const obj = callee.object.kind === 'Name' ? symOfName(a, callee.object) : undefined;
    return obj?.members?.get(callee.name.name);
  }
  return undefined;
}

/** A type written by name (`for m: linear in ...`, `x: gpt2`): the declaration it names, if any. */
export const symOfTypeName = (a: Analysis, name: string): Sym | undefined => {
  const s = a.fileScope.lookup(name);
  return s?.kind === 'decl' ? s : undefined;
};

/** The declaration a symbol names directly, or through a submodule/loop variable's module. */
export const declOf = (s: Sym | undefined): Named | undefined =>
  (s?.decl && s.decl.kind !== 'ImportDecl' ? s.decl : undefined) ?? s?.module;

/** The formal of `decl` that a named argument sets. */
export function formalOf(decl: Named | undefined, arg: Arg): Formal | undefined {
  if (!decl || !arg.name || !('params' in decl)) return undefined;
  return decl.params.find((f) => f.name.name === arg.name!.name);
}

/**
 * `wte.weight`, `b.attn`: the `param` or submodule a member of a module instance names, in
 * the instance's module declaration (found through the submodule or typed loop variable).
 */
export function instanceMember(
  a: Analysis,
  m: Member,
): { stmt: Extract<Stmt, { kind: 'ParamDecl' | 'SubmoduleDecl' }>; file: string } | undefined {
  const obj = m.object.kind === 'Name' ? symOfName(a, m.object) : undefined;
  const mod = obj?.module;
  if (!mod) return undefined;
  const stmt = mod.body.stmts.find(
    (x): x is Extract<Stmt, { kind: 'ParamDecl' | 'SubmoduleDecl' }> =>
      (x.kind === 'ParamDecl' || x.kind === 'SubmoduleDecl') && !x.owner && x.name.name === m.name.name,
  );
  if (!stmt) return undefined;
  // the module's file: where the file scope found the declaration of that name
  const file = a.fileScope.lookup(mod.name.name)?.file ?? a.doc.file;
  return { stmt, file };
}
