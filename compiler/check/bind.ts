// Name binding: walks a file's AST with lexical scopes and records, for every `Name`
// reference, the symbol it denotes (or none) and the scope it was looked up in, so checks
// can report unknown names with suggestions and look at callee signatures.
//
// Scoping rules (docs/language.md, "Names and scopes"):
//   file scope   = builtins, then imports (the bound name, plus every declaration of an
//                  imported file unqualified), then the file's own declarations;
//   declaration  = its formals, plus the implicit names of its kind (builtins.ts);
//   module/model = params and submodules are visible everywhere in the body (hoisted);
//   recipe/stage = keys, stage names and lets are hoisted; a stage sees the recipe's;
//   blocks       = `let` is visible after it; `for`, lambdas and comprehensions bind their
//                  variables in a child scope; tensor types in signatures bind unknown
//                  dimension names (`B`, `T` in `i32[B, T]`) as symbolic dims.
// Duplicate definitions in one scope are reported here, as the scope is built.

import type * as A from '../../grammar/ast.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { diag } from '../diagnostics/catalogue.ts';
import { implicitNames } from './builtins.ts';
import { Scope, type Sym, type SymKind } from './scope.ts';

export interface NameRef {
  readonly sym?: Sym;
  readonly scope: Scope;
}

export interface Binding {
  readonly refs: Map<A.Name, NameRef>;
  /** Calls that are the right-hand side of `|>` (they receive one more leading argument). */
  readonly piped: Set<A.Node>;
  /** The scope of each declaration body (for type-name and member checks). */
  readonly declScopes: Map<A.Decl, Scope>;
}

type Defining = Extract<
  A.Stmt,
  { kind: 'ParamDecl' | 'SubmoduleDecl' | 'StateDecl' | 'StageDecl' | 'Field' }
>;

export class Binder {
  readonly diagnostics: Diagnostic[] = [];
  readonly binding: Binding = { refs: new Map(), piped: new Set(), declScopes: new Map() };

  constructor(
    private readonly fileScope: Scope,
    private readonly file: string,
  ) {}

  private define(scope: Scope, sym: Sym, what = 'name'): void {
    const prev = scope.own(sym.name);
    if (prev && sym.span && prev.kind !== 'implicit' && prev.kind !== 'builtin') {
      this.diagnostics.push(
        diag('duplicate-definition', `${what} \`${sym.name}\` is defined twice`, sym.span, {
          notes: prev.span ? [{ message: 'first defined here', span: prev.span }] : [],
        }),
      );
      return;
    }
    scope.define(sym);
  }

  bindDecl(d: A.Decl): void {
    if (d.kind === 'ImportDecl') return;
    const scope = this.fileScope.child();
    this.binding.declScopes.set(d, scope);
    for (const n of implicitNames[d.kind] ?? []) scope.define({ name: n, kind: 'implicit' });
    if (d.kind === 'RecipeDecl') {
      this.bindBlock(d.body, scope, true);
      return;
    }
    this.formals(d.params, scope, d.kind !== 'ModuleDecl' && d.kind !== 'ModelDecl');
    if (d.kind === 'ModuleDecl' || d.kind === 'ModelDecl' || d.kind === 'OptimizerDecl') {
      // a body scope of its own: `param bias` may share its name with the config `bias`
      this.bindBlock(d.body, scope.child(), true);
      return;
    }
    if ('returnType' in d && d.returnType) this.type(d.returnType, scope, true);
    this.body(d.body, scope);
    if (d.kind === 'FnDecl' && d.backward) {
      const bs = scope.child();
      this.formals(d.backward.params, bs, true);
      this.body(d.backward.body, bs);
    }
  }

  private formals(fs: readonly A.Formal[], scope: Scope, dims: boolean): void {
    for (const f of fs) {
      if (f.type) this.type(f.type, scope, dims);
      if (f.default) this.expr(f.default, scope);
      this.define(
        scope,
        { name: f.name.name, kind: 'formal', span: f.name.span, ...(f.type ? { type: f.type } : {}) },
        'parameter',
      );
    }
  }

  private body(b: A.Expr | A.Block, scope: Scope): void {
    if (b.kind === 'Block') this.bindBlock(b, scope.child(), false);
    else this.expr(b, scope);
  }

  /** `hoist`: define the body's params, submodules, state, stages and keys up front. */
  bindBlock(b: A.Block, scope: Scope, hoist: boolean): void {
    if (hoist) this.hoist(b.stmts, scope);
    for (const s of b.stmts) this.stmt(s, scope);
  }

  private hoist(stmts: readonly A.Stmt[], scope: Scope): void {
    for (const s of stmts) {
      if (s.kind === 'ForStmt' || s.kind === 'IfStmt') continue;
      const sym = this.definedBy(s);
      if (sym) this.define(scope, sym, s.kind === 'StageDecl' ? 'stage' : 'name');
    }
  }

  private definedBy(s: A.Stmt): Sym | undefined {
    const k = s.kind as Defining['kind'];
    const kinds: Record<Defining['kind'], SymKind> = {
      ParamDecl: 'param',
      SubmoduleDecl: 'submodule',
      StateDecl: 'state',
      StageDecl: 'stage',
      Field: 'field',
    };
    if (!(k in kinds)) return undefined;
    const d = s as Defining;
    if ((d.kind === 'ParamDecl' || d.kind === 'SubmoduleDecl') && d.owner) return undefined;
    if (d.kind === 'Field') {
      // a key set twice is reported by the recipe check; the first one names the value
      return { name: d.key.name, kind: 'field', value: d.value };
    }
    const name = d.name;
    const module = d.kind === 'SubmoduleDecl' ? this.moduleOf(d.value) : undefined;
    return {
      name: name.name,
      kind: kinds[d.kind],
      span: name.span,
      ...('type' in d && d.type ? { type: d.type } : {}),
      ...(d.kind === 'SubmoduleDecl' || d.kind === 'StateDecl' ? { value: d.value } : {}),
      ...(module ? { module } : {}),
      file: this.file,
    };
  }

  /** The module declaration a submodule initialiser `linear(d, 4 * d)` instantiates. */
  private moduleOf(e: A.Expr): A.ModuleDecl | A.ModelDecl | undefined {
    const callee = e.kind === 'Call' ? e.callee : e;
    if (callee.kind !== 'Name') return undefined;
    const d = this.fileScope.lookup(callee.name)?.decl;
    return d && (d.kind === 'ModuleDecl' || d.kind === 'ModelDecl') ? d : undefined;
  }

  private stmt(s: A.Stmt, scope: Scope): void {
    switch (s.kind) {
      case 'LetStmt':
        this.expr(s.value, scope);
        if (s.type) this.type(s.type, scope, true);
        scope.define({
          name: s.name.name,
          kind: 'let',
          span: s.name.span,
          value: s.value,
          ...(s.type ? { type: s.type } : {}),
        });
        return;
      case 'AssignStmt':
      case 'MergeStmt':
        this.expr(s.target, scope);
        this.expr(s.value, scope);
        return;
      case 'ExprStmt':
        this.expr(s.expr, scope);
        return;
      case 'ForStmt': {
        this.expr(s.iterable, scope);
        const inner = scope.child();
        // `for m: linear in ...`: the type names a module kind, which need not be imported
        if (s.varType && s.varType.kind !== 'NamedType') this.type(s.varType, scope, false);
        const module =
          s.varType?.kind === 'NamedType'
            ? this.moduleOf({ kind: 'Name', name: s.varType.name.name, span: s.varType.span })
            : undefined;
        for (const v of s.vars)
          this.define(
            inner,
            { name: v.name, kind: 'loop', span: v.span, ...(module ? { module } : {}) },
            'loop variable',
          );
        this.bindBlock(s.body, inner, true);
        return;
      }
      case 'IfStmt':
        this.expr(s.cond, scope);
        this.bindBlock(s.then, scope.child(), true);
        if (s.else?.kind === 'Block') this.bindBlock(s.else, scope.child(), true);
        else if (s.else) this.stmt(s.else, scope);
        return;
      case 'ReturnStmt':
        if (s.value) this.expr(s.value, scope);
        return;
      case 'FreezeStmt':
        if (s.target) this.expr(s.target, scope);
        for (const sel of s.selectors) this.expr(sel.arg, scope);
        return;
      case 'ParamDecl':
        if (s.owner) this.expr(s.owner, scope);
        this.type(s.type, scope, false);
        if (s.init) this.expr(s.init, scope);
        if (s.when) this.expr(s.when, scope);
        return;
      case 'SubmoduleDecl': {
        if (s.owner) this.expr(s.owner, scope);
        if (s.count) this.expr(s.count, scope);
        this.expr(s.value, scope);
        // `mlp = mlp(d, 4 * d)`: the callee is the module declaration, not the submodule
        const callee = s.value.kind === 'Call' ? s.value.callee : undefined;
        if (!s.owner && callee?.kind === 'Name' && callee.name === s.name.name) {
          const sym = this.fileScope.lookup(callee.name);
          this.binding.refs.set(callee, { ...(sym ? { sym } : {}), scope: this.fileScope });
        }
        return;
      }
      case 'ForwardDecl': {
        const inner = scope.child();
        this.formals(s.params, inner, true);
        if (s.returnType) this.type(s.returnType, inner, true);
        this.body(s.body, inner);
        return;
      }
      case 'WrapStmt': {
        this.expr(s.target, scope);
        const inner = scope.child();
        for (const n of implicitNames.Wrap ?? []) inner.define({ name: n, kind: 'implicit' });
        this.formals(s.params, inner, true);
        this.body(s.body, inner);
        return;
      }
      case 'ApplyStmt':
        this.expr(s.callee, scope);
        for (const a of s.args) this.expr(a.value, scope);
        return;
      case 'DropStmt':
        this.expr(s.method, scope);
        return;
      case 'StateDecl':
        if (s.type) this.type(s.type, scope, false);
        this.expr(s.value, scope);
        return;
      case 'UpdateBlock':
        this.bindBlock(s.body, scope.child(), false);
        return;
      case 'StageDecl': {
        const inner = scope.child();
        for (const n of implicitNames.Stage ?? []) inner.define({ name: n, kind: 'implicit' });
        this.bindBlock(s.body, inner, true);
        return;
      }
      case 'Field':
        this.expr(s.value, scope);
        return;
      case 'TrainStmt':
        for (const a of s.args) this.expr(a.value, scope);
        return;
    }
  }

  type(t: A.TypeExpr, scope: Scope, defineDims: boolean): void {
    switch (t.kind) {
      case 'TensorType':
        for (const d of t.dims) {
          if (d.kind === 'EllipsisDim') continue;
          if (d.kind === 'Name' && !scope.lookup(d.name) && defineDims) {
            scope.define({ name: d.name, kind: 'dim', span: d.span });
          }
          this.expr(d, scope);
        }
        return;
      case 'ListType':
        this.type(t.element, scope, defineDims);
        return;
      case 'RecordType':
        for (const f of t.fields) this.type(f.type, scope, defineDims);
        return;
      case 'NamedType':
        return;
    }
  }

  expr(e: A.Expr, scope: Scope): void {
    switch (e.kind) {
      case 'Name': {
        const sym = scope.lookup(e.name);
        this.binding.refs.set(e, { ...(sym ? { sym } : {}), scope });
        return;
      }
      case 'Member':
        this.expr(e.object, scope);
        return;
      case 'Index':
        this.expr(e.object, scope);
        for (const i of e.items) {
          if (i.kind !== 'Slice') this.expr(i, scope);
          else for (const p of [i.start, i.end, i.step]) if (p) this.expr(p, scope);
        }
        return;
      case 'Call':
        this.expr(e.callee, scope);
        for (const a of e.args) this.expr(a.value, scope);
        return;
      case 'Binary':
        this.expr(e.left, scope);
        this.expr(e.right, scope);
        return;
      case 'Unary':
      case 'Transpose':
        this.expr(e.operand, scope);
        return;
      case 'Pipe':
        this.expr(e.left, scope);
        this.expr(e.right, scope);
        this.binding.piped.add(e.right);
        return;
      case 'Range':
        this.expr(e.start, scope);
        this.expr(e.end, scope);
        return;
      case 'Lambda': {
        const inner = scope.child();
        for (const p of e.params)
          this.define(inner, { name: p.name, kind: 'formal', span: p.span }, 'parameter');
        this.expr(e.body, inner);
        return;
      }
      case 'ListLit':
        for (const i of e.items) this.expr(i, scope);
        return;
      case 'RecordLit':
        for (const f of e.fields) this.expr(f.value, scope);
        return;
      case 'Comprehension': {
        this.expr(e.iterable, scope);
        const inner = scope.child();
        for (const v of e.vars)
          this.define(inner, { name: v.name, kind: 'loop', span: v.span }, 'loop variable');
        this.expr(e.element, inner);
        if (e.filter) this.expr(e.filter, inner);
        return;
      }
      default:
        return;
    }
  }
}
