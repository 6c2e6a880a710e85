// CST → AST for declarations and statements (expressions and types: cst-expr.ts).
//
// Context-dependent readings (see ast.ts): statements are converted with the kind of body
// they sit in. In a recipe or stage (and loops/ifs inside one) `key = value` becomes a
// `Field` and `train(...)` a `TrainStmt`; in a module or model body `name = expr` and
// `name[count] = expr` become `SubmoduleDecl`s. Doc comments (`///`) directly above a
// declaration (only whitespace between) become its `doc`.

import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { ExprBuilder, kids, sub, subs, tok, toks, tokensOf } from './cst-expr.ts';
import type { SpanMaker } from './spans.ts';
import { didYouMean } from '../compiler/diagnostics/suggest.ts';

type Ctx = 'recipe' | 'module' | 'code';

const declKinds: Record<string, A.Decl['kind']> = {
  Module: 'ModuleDecl',
  Model: 'ModelDecl',
  Method: 'MethodDecl',
  Loss: 'LossDecl',
  Optimizer: 'OptimizerDecl',
  Gradient: 'GradientDecl',
  Schedule: 'ScheduleDecl',
  Fn: 'FnDecl',
  Recipe: 'RecipeDecl',
  Merge: 'MergeDecl',
};
/** Declarations whose body must be a block. */
const blockOnly = new Set<A.Decl['kind']>([
  'ModuleDecl',
  'ModelDecl',
  'MethodDecl',
  'OptimizerDecl',
  'GradientDecl',
  'RecipeDecl',
]);
/** Declarations that may state a return type. */
const typed = new Set<A.Decl['kind']>(['FnDecl', 'LossDecl', 'ScheduleDecl']);

export class AstBuilder extends ExprBuilder {
  private readonly docs = new Map<number, string>();

  constructor(sp: SpanMaker, comments: readonly IToken[]) {
    super(sp);
    this.collectDocs(comments);
  }

  program(n: CstNode | undefined, comments: readonly IToken[]): A.Program {
    const decls = subs(n, 'decl')
      .map((d) => this.decl(d))
      .filter((d): d is A.Decl => d !== undefined);
    const commentNodes = comments.map((c): A.Comment => ({
      kind: 'Comment',
      style:
        c.tokenType.name === 'DocComment' ? 'doc' : c.tokenType.name === 'BlockComment' ? 'block' : 'line',
      text: c.image,
      span: this.sp.tok(c),
    }));
    return { kind: 'Program', decls, comments: commentNodes, span: this.sp.at(0, this.sp.text.length) };
  }

  private collectDocs(comments: readonly IToken[]): void {
    const text = this.sp.text;
    let run: string[] = [];
    for (let i = 0; i < comments.length; i++) {
      const c = comments[i]!;
      if (c.tokenType.name !== 'DocComment') {
        run = [];
        continue;
      }
      run.push(c.image.slice(3).replace(/^ /, ''));
      const next = comments[i + 1];
      let j = c.endOffset! + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (next && next.startOffset === j && next.tokenType.name === 'DocComment') continue;
      this.docs.set(j, run.join('\n'));
      run = [];
    }
  }

  private decl(n: CstNode): A.Decl | undefined {
    const imp = sub(n, 'importDecl');
    if (imp) {
      const path = tokensOf(imp, ['AnyName']);
      const ids = toks(imp, 'Identifier');
      const segs = [ids[0], ...path].map((t) => this.ident(t));
      const alias = ids[1] ? this.ident(ids[1]) : undefined;
      const span = this.sp.node(imp);
      return { kind: 'ImportDecl', path: segs, ...(alias ? { alias } : {}), ...this.doc(span), span };
    }
    const d = sub(n, 'namedDecl');
    if (!d) return undefined;
    const kwKey = tok(d, 'DeclKeyword')?.tokenType.name;
    if (!kwKey || !(kwKey in declKinds)) return undefined;
    const kind = declKinds[kwKey]!;
    const span = this.sp.node(d);
    const name = this.ident(tok(d, 'Identifier'));
    const formalsNode = sub(d, 'formals');
    const params = this.formals(formalsNode);
    const ctx: Ctx =
      kind === 'RecipeDecl' ? 'recipe' : kind === 'ModuleDecl' || kind === 'ModelDecl' ? 'module' : 'code';
    let body = this.body(sub(d, 'body'), ctx);
    const retNode = sub(d, 'type');
    const returnType = retNode ? this.type(retNode) : undefined;
    if (returnType && !typed.has(kind)) {
      this.report('invalid-form', `a ${kwKey.toLowerCase()} has no return type`, returnType.span);
    }
    if (blockOnly.has(kind) && body.kind !== 'Block') {
      this.report('invalid-form', `the body of a ${kwKey.toLowerCase()} is a block \`{ ... }\``, body.span);
      body = { kind: 'Block', stmts: [{ kind: 'ExprStmt', expr: body, span: body.span }], span: body.span };
    }
    const bw = sub(d, 'backwardClause');
    if (bw && kind !== 'FnDecl')
      this.report('invalid-form', 'only a fn can have a backward rule', this.sp.node(bw));
    const common = { name, ...this.doc(span), span };
    switch (kind) {
      case 'RecipeDecl':
        if (formalsNode)
          this.report('invalid-form', 'a recipe takes no parameters', this.sp.node(formalsNode));
        return { kind, ...common, body: body as A.Block };
      case 'ModuleDecl':
      case 'ModelDecl':
      case 'MethodDecl':
      case 'OptimizerDecl':
      case 'GradientDecl':
        return { kind, ...common, params, body: body as A.Block };
      case 'MergeDecl':
        return { kind, ...common, params, body };
      case 'LossDecl':
      case 'ScheduleDecl':
        return { kind, ...common, params, ...(returnType ? { returnType } : {}), body };
      case 'FnDecl': {
        const backward: A.BackwardRule | undefined = bw
          ? {
              kind: 'BackwardRule',
              params: this.formals(sub(bw, 'formals')),
              body: this.body(sub(bw, 'body'), 'code'),
              span: this.sp.node(bw),
            }
          : undefined;
        return {
          kind,
          ...common,
          params,
          ...(returnType ? { returnType } : {}),
          body,
          ...(backward ? { backward } : {}),
        };
      }
      default:
        return undefined;
    }
  }

  private doc(span: A.Span): { doc?: string } {
    const d = this.docs.get(span.start);
    return d === undefined ? {} : { doc: d };
  }

  private formals(n: CstNode | undefined): A.Formal[] {
    return subs(n, 'formal').map((f) => {
      const t = sub(f, 'type');
      const e = sub(f, 'expr');
      return {
        kind: 'Formal',
        name: this.ident(tok(f, 'Identifier')),
        ...(t ? { type: this.type(t) } : {}),
        ...(e ? { default: this.expr(e) } : {}),
        span: this.sp.node(f),
      };
    });
  }

  private body(n: CstNode | undefined, ctx: Ctx): A.Expr | A.Block {
    const b = sub(n, 'block');
    if (b) return this.block(b, ctx);
    return this.expr(sub(n, 'expr'));
  }

  block(n: CstNode | undefined, ctx: Ctx): A.Block {
    const stmts = subs(n, 'stmt').map((s) => this.stmt(s, ctx));
    return { kind: 'Block', stmts, span: this.sp.node(n) };
  }

  /** `a.b.c` as an owner expression (`a.b`) and a final name (`c`). */
  private path(n: CstNode | undefined): { owner?: A.Expr; name: A.Ident; full: A.Expr } {
    const parts = [tok(n, 'Identifier'), ...tokensOf(n, ['AnyName'])].map((t) => this.ident(t));
    let full: A.Expr = { kind: 'Name', name: parts[0]!.name, span: parts[0]!.span };
    let owner: A.Expr | undefined;
    for (const p of parts.slice(1)) {
      owner = full;
      full = { kind: 'Member', object: full, name: p, span: this.sp.join(full.span, p.span) };
    }
    return { ...(owner ? { owner } : {}), name: parts[parts.length - 1]!, full };
  }

  private assignOp(n: CstNode | undefined): A.AssignOp {
    const t = tok(n, 'AssignOp');
    return (t?.image || '=') as A.AssignOp;
  }

  private stmt(n: CstNode, ctx: Ctx): A.Stmt {
    const [key, list] = Object.entries(kids(n))[0] ?? ['', []];
    const s = list?.[0] as CstNode | undefined;
    const span = this.sp.node(s);
    const inner: Ctx = ctx === 'module' ? 'code' : ctx;
    switch (key) {
      case 'letStmt':
      case 'stateDecl': {
        const t = sub(s, 'type');
        return {
          kind: key === 'letStmt' ? 'LetStmt' : 'StateDecl',
          name: this.ident(tok(s, 'Identifier')),
          ...(t ? { type: this.type(t) } : {}),
          value: this.expr(sub(s, 'expr')),
          span,
        };
      }
      case 'forStmt': {
        const t = sub(s, 'type');
        return {
          kind: 'ForStmt',
          vars: toks(s, 'Identifier').map((v) => this.ident(v)),
          ...(t ? { varType: this.type(t) } : {}),
          iterable: this.expr(sub(s, 'expr')),
          body: this.block(sub(s, 'block'), inner),
          span,
        };
      }
      case 'ifStmt':
        return this.ifStmt(s, inner);
      case 'returnStmt': {
        const e = sub(s, 'expr');
        return { kind: 'ReturnStmt', ...(e ? { value: this.expr(e) } : {}), span };
      }
      case 'freezeStmt':
        return this.freeze(s, span);
      case 'forwardDecl': {
        const t = sub(s, 'type');
        return {
          kind: 'ForwardDecl',
          params: this.formals(sub(s, 'formals')),
          ...(t ? { returnType: this.type(t) } : {}),
          body: this.body(sub(s, 'body'), 'code'),
          span,
        };
      }
      case 'paramDecl': {
        const { owner, name } = this.path(sub(s, 'path'));
        const init = sub(s, 'init');
        const when = sub(s, 'when');
        const trainable = tok(s, 'Trainable') ? true : tok(s, 'Frozen') ? false : undefined;
        return {
          kind: 'ParamDecl',
          ...(owner ? { owner } : {}),
          name,
          type: this.type(sub(s, 'type')),
          ...(init ? { init: this.expr(init) } : {}),
          ...(trainable !== undefined ? { trainable } : {}),
          ...(when ? { when: this.expr(when) } : {}),
          span,
        };
      }
      case 'moduleStmt': {
        const { owner, name } = this.path(sub(s, 'path'));
        return {
          kind: 'SubmoduleDecl',
          ...(owner ? { owner } : {}),
          name,
          value: this.expr(sub(s, 'expr')),
          span,
        };
      }
      case 'wrapStmt':
        return {
          kind: 'WrapStmt',
          target: this.path(sub(s, 'path')).full,
          params: this.formals(sub(s, 'formals')),
          body: this.body(sub(s, 'body'), 'code'),
          span,
        };
      case 'mergeStmt':
        return {
          kind: 'MergeStmt',
          target: this.path(sub(s, 'path')).full,
          op: this.assignOp(s),
          value: this.expr(sub(s, 'expr')),
          span,
        };
      case 'applyStmt':
        return {
          kind: 'ApplyStmt',
          callee: this.path(sub(s, 'path')).full,
          args: this.args(sub(s, 'args')),
          span,
        };
      case 'dropStmt':
        return {
          kind: 'DropStmt',
          method: this.path(sub(s, 'path')).full,
          merged: tok(s, 'merged') !== undefined,
          span,
        };
      case 'updateBlock':
        return { kind: 'UpdateBlock', body: this.block(sub(s, 'block'), 'code'), span };
      case 'stageDecl':
        return {
          kind: 'StageDecl',
          name: this.ident(tok(s, 'Identifier')),
          body: this.block(sub(s, 'block'), 'recipe'),
          span,
        };
      default:
        return this.exprStmt(s, ctx, span);
    }
  }

  private ifStmt(s: CstNode | undefined, ctx: Ctx): A.IfStmt {
    const elseIf = sub(s, 'elseIf');
    const elseBlock = sub(s, 'else');
    const els = elseIf ? this.ifStmt(elseIf, ctx) : elseBlock ? this.block(elseBlock, ctx) : undefined;
    return {
      kind: 'IfStmt',
      cond: this.expr(sub(s, 'expr')),
      then: this.block(sub(s, 'then'), ctx),
      ...(els ? { else: els } : {}),
      span: this.sp.node(s),
    };
  }

  private freeze(s: CstNode | undefined, span: A.Span): A.FreezeStmt {
    const action = tok(s, 'FreezeKw')?.image === 'unfreeze' ? 'unfreeze' : 'freeze';
    const target = this.expr(sub(s, 'expr'));
    const selectors = subs(s, 'selector').map((sel): A.Selector => {
      const word = tok(sel, 'Identifier');
      const axis =
        word?.image === 'rows' || word?.image === 'cols' || word?.image === 'mask' ? word.image : 'mask';
      if (word?.image !== axis) {
        const w = word?.image ?? '';
        const hint = didYouMean(w, ['rows', 'cols', 'mask']) ?? 'use rows(a .. b), cols(a .. b) or mask(m)';
        this.report('bad-selector', `\`${w}\` is not a selector`, this.sp.tok(word), hint);
      }
      return { kind: 'Selector', axis, arg: this.expr(sub(sel, 'expr')), span: this.sp.node(sel) };
    });
    const all = target.kind === 'Name' && target.name === 'all';
    return { kind: 'FreezeStmt', action, ...(all ? {} : { target }), selectors, span };
  }

  private exprStmt(s: CstNode | undefined, ctx: Ctx, span: A.Span): A.Stmt {
    const target = this.expr(sub(s, 'expr'));
    const valueNode = sub(s, 'value');
    if (!valueNode) {
      if (
        ctx === 'recipe' &&
        target.kind === 'Call' &&
        target.callee.kind === 'Name' &&
        target.callee.name === 'train'
      ) {
        return { kind: 'TrainStmt', args: target.args, span };
      }
      return { kind: 'ExprStmt', expr: target, span };
    }
    const op = this.assignOp(s);
    const value = this.expr(valueNode);
    if (op === '=' && ctx === 'recipe' && target.kind === 'Name') {
      return { kind: 'Field', key: { kind: 'Ident', name: target.name, span: target.span }, value, span };
    }
    if (op === '=' && ctx === 'module') {
      if (target.kind === 'Name') {
        return {
          kind: 'SubmoduleDecl',
          name: { kind: 'Ident', name: target.name, span: target.span },
          value,
          span,
        };
      }
      if (
        target.kind === 'Index' &&
        target.object.kind === 'Name' &&
        target.items.length === 1 &&
        target.items[0]!.kind !== 'Slice'
      ) {
        const o = target.object;
        const count = target.items[0] as A.Expr;
        return {
          kind: 'SubmoduleDecl',
          name: { kind: 'Ident', name: o.name, span: o.span },
          count,
          value,
          span,
        };
      }
    }
    return { kind: 'AssignStmt', target, op, value, span };
  }
}
