// Call signatures: what parameters a callee declares, when the checker can tell.
//
//   builtin `softmax(x, axis?)`          → its table entry
//   declaration `lora(r: int = 8, ...)`  → its formals (modules/models: constructor config)
//   submodule `wte` / loop var `m: linear` → the module's `forward` formals
//   `let lp = (m, s) => ...`             → the lambda's parameters
//   `ns.decl` (imported namespace)        → that declaration's formals
//   `gpt2.load(path)` (a model's member)  → builtins.ts `modelMembers`
// Anything else (formals of type fn, implicit names, results of calls) has no signature
// and its calls are not checked.

import type * as A from '../../grammar/ast.ts';
import type { Binding } from './bind.ts';
import { modelMembers, type SimpleType } from './builtins.ts';
import type { Sym } from './scope.ts';

export interface SigParam {
  readonly name: string;
  readonly type?: A.TypeExpr | SimpleType;
  readonly required: boolean;
  readonly variadic: boolean;
}

export interface Signature {
  /** How to name the callee in messages: `lora`, `softmax`, `gpt2.load`. */
  readonly name: string;
  readonly what: string;
  readonly params: readonly SigParam[];
  /** Where the callee is declared (for a note). */
  readonly declared?: A.Span;
}

const fromFormals = (fs: readonly A.Formal[]): SigParam[] =>
  fs.map((f) => ({
    name: f.name.name,
    ...(f.type ? { type: f.type } : {}),
    required: f.default === undefined,
    variadic: false,
  }));

export function forwardOf(m: A.ModuleDecl | A.ModelDecl): A.ForwardDecl | undefined {
  return m.body.stmts.find((s): s is A.ForwardDecl => s.kind === 'ForwardDecl');
}

const declWord = (d: A.Decl): string => d.kind.replace('Decl', '').toLowerCase();

export function sigOfSym(sym: Sym, name: string): Signature | undefined {
  if (sym.kind === 'builtin' && sym.builtin?.params) {
    const params = sym.builtin.params.map((p) => ({
      name: p.name,
      type: p.type,
      required: !p.optional,
      variadic: p.variadic,
    }));
    return { name, what: 'builtin', params };
  }
  if (sym.kind === 'decl' && sym.decl && sym.decl.kind !== 'ImportDecl' && sym.decl.kind !== 'RecipeDecl') {
    let params = fromFormals(sym.decl.params);
    // `loss = dpo(beta: 0.2)` configures a loss: the trainer supplies (model, batch)
    if (sym.decl.kind === 'LossDecl') params = params.map((p, i) => (i < 2 ? { ...p, required: false } : p));
    return { name, what: declWord(sym.decl), params, declared: sym.decl.name.span };
  }
  if ((sym.kind === 'submodule' || sym.kind === 'loop') && sym.module) {
    const fwd = forwardOf(sym.module);
    if (fwd)
      return {
        name,
        what: `module ${sym.module.name.name}`,
        params: fromFormals(fwd.params),
        declared: fwd.span,
      };
  }
  if (sym.kind === 'let' && sym.value?.kind === 'Lambda') {
    return {
      name,
      what: 'function',
      params: sym.value.params.map((p) => ({ name: p.name, required: true, variadic: false })),
      declared: sym.value.span,
    };
  }
  return undefined;
}

/** The signature of a callee expression, if known. */
export function sigOf(callee: A.Expr, b: Binding): Signature | undefined {
  if (callee.kind === 'Name') {
    const sym = b.refs.get(callee)?.sym;
    return sym ? sigOfSym(sym, callee.name) : undefined;
  }
  if (callee.kind === 'Member' && callee.object.kind === 'Name') {
    const sym = b.refs.get(callee.object)?.sym;
    const full = `${callee.object.name}.${callee.name.name}`;
    if (sym?.kind === 'namespace') {
      const m = sym.members?.get(callee.name.name);
      return m ? sigOfSym(m, full) : undefined;
    }
    if (sym?.kind === 'decl' && (sym.decl?.kind === 'ModelDecl' || sym.decl?.kind === 'ModuleDecl')) {
      const ps = modelMembers.get(callee.name.name);
      if (ps)
        return {
          name: full,
          what: 'model member',
          params: ps.map((p) => ({
            name: p.name,
            type: p.type,
            required: !p.optional,
            variadic: p.variadic,
          })),
        };
    }
  }
  return undefined;
}
