// Symbols and lexical scopes for the checker.
//
// A `Sym` records what a name denotes, as far as the checker can know without running
// anything: a declaration (with its signature), a builtin, an imported file's namespace,
// a formal parameter or `let` (with its declared type or initialiser, for shape and type
// inference), a submodule (with the module declaration it instantiates), a symbolic
// dimension bound by a tensor type (`B` in `i32[B, T]`), or an implicit name (`step`).

import type * as A from '../../grammar/ast.ts';
import type { Builtin, BuiltinParam } from './builtins.ts';

export type SymKind =
  | 'builtin'
  | 'decl'
  | 'namespace'
  | 'formal'
  | 'let'
  | 'loop'
  | 'implicit'
  | 'submodule'
  | 'param'
  | 'state'
  | 'stage'
  | 'field'
  | 'dim'
  | 'lambda';

export interface Sym {
  readonly name: string;
  readonly kind: SymKind;
  readonly span?: A.Span;
  readonly decl?: A.Decl;
  readonly builtin?: Builtin;
  readonly members?: ReadonlyMap<string, Sym>;
  /** Declared type (formals, params, typed lets, state). */
  readonly type?: A.TypeExpr;
  /** Initialiser (lets, fields, submodules): the value the name stands for. */
  readonly value?: A.Expr;
  /** A submodule's module/model declaration, when known. */
  readonly module?: A.ModuleDecl | A.ModelDecl;
  /** Call signature for lambdas and builtin members. */
  readonly params?: readonly BuiltinParam[];
  /** File the symbol was declared in (for notes pointing at declarations). */
  readonly file?: string;
}

export class Scope {
  private readonly syms = new Map<string, Sym>();

  constructor(readonly parent?: Scope) {}

  child(): Scope {
    return new Scope(this);
  }

  lookup(name: string): Sym | undefined {
    return this.syms.get(name) ?? this.parent?.lookup(name);
  }

  /** Defined in this scope itself (not a parent). */
  own(name: string): Sym | undefined {
    return this.syms.get(name);
  }

  define(sym: Sym): void {
    this.syms.set(sym.name, sym);
  }

  /** Every visible name (for "did you mean"). */
  names(): Set<string> {
    const out = this.parent ? this.parent.names() : new Set<string>();
    for (const k of this.syms.keys()) out.add(k);
    return out;
  }
}
