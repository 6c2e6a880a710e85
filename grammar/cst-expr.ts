// CST → AST for expressions and types (the statement/declaration half is cst-to-ast.ts).
//
// Every function accepts a possibly missing CST node (error recovery leaves holes) and
// returns a well-formed AST node: a missing expression becomes `ErrorExpr`, a missing name
// an `Ident` with name `''`. The parser already reported the syntax error; forms that parse
// but are not allowed (e.g. `(a + 1) => x`) are reported here.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { diag } from '../compiler/diagnostics/catalogue.ts';
import type * as A from './ast.ts';
import { SpanMaker, validTok } from './spans.ts';

export type Children = Record<string, CstElement[] | undefined>;

export const kids = (n: CstNode | undefined): Children => (n ? (n.children as Children) : {});
export const sub = (n: CstNode | undefined, key: string, i = 0): CstNode | undefined =>
  kids(n)[key]?.[i] as CstNode | undefined;
export const subs = (n: CstNode | undefined, key: string): CstNode[] => (kids(n)[key] ?? []) as CstNode[];
export const tok = (n: CstNode | undefined, key: string, i = 0): IToken | undefined =>
  kids(n)[key]?.[i] as IToken | undefined;
export const toks = (n: CstNode | undefined, key: string): IToken[] => (kids(n)[key] ?? []) as IToken[];

/** Tokens under any of `keys`, in source order (inserted tokens keep their relative place). */
export function tokensOf(n: CstNode | undefined, keys: readonly string[]): IToken[] {
  const out: IToken[] = [];
  for (const k of keys) out.push(...toks(n, k));
  return out.sort((a, b) => (validTok(a) && validTok(b) ? a.startOffset - b.startOffset : 0));
}

export class ExprBuilder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly sp: SpanMaker) {}

  protected report(name: string, message: string, span: A.Span, hint?: string): void {
    this.diagnostics.push(diag(name, message, span, hint ? { hint } : {}));
  }

  ident(t: IToken | undefined): A.Ident {
    const ok = t !== undefined && validTok(t);
    return { kind: 'Ident', name: ok ? t.image : '', span: this.sp.tok(t) };
  }

  errorExpr(n?: CstNode): A.ErrorExpr {
    return { kind: 'ErrorExpr', span: this.sp.node(n) };
  }

  // ─── operator levels ───

  expr(n: CstNode | undefined): A.Expr {
    if (!n) return this.errorExpr();
    const parts = subs(n, 'rangeExpr');
    let left = this.range(parts[0]);
    for (let i = 1; i < parts.length; i++) {
      const right = this.range(parts[i]);
      left = { kind: 'Pipe', left, right, span: this.sp.join(left.span, right.span) };
    }
    return left;
  }

  private range(n: CstNode | undefined): A.Expr {
    const ors = subs(n, 'orExpr');
    const start = this.chain(ors[0], 'andExpr', ['OrOr']);
    if (!tok(n, 'DotDot')) return start;
    const end = ors[1] ? this.chain(ors[1], 'andExpr', ['OrOr']) : this.errorExpr();
    return { kind: 'Range', start, end, span: this.sp.join(start.span, end.span) };
  }

  /** Left-associative chain: operands under `key`, operators under `opKeys`. */
  private chain(n: CstNode | undefined, key: string, opKeys: readonly string[]): A.Expr {
    const operands = subs(n, key);
    const ops = tokensOf(n, opKeys);
    let left = this.level(key, operands[0]);
    for (let i = 1; i < operands.length; i++) {
      const right = this.level(key, operands[i]);
      const op = (ops[i - 1]?.image ?? '+') as A.BinaryOp;
      left = { kind: 'Binary', op, left, right, span: this.sp.join(left.span, right.span) };
    }
    return left;
  }

  private level(key: string, n: CstNode | undefined): A.Expr {
    if (!n) return this.errorExpr();
    switch (key) {
      case 'andExpr':
        return this.chain(n, 'cmpExpr', ['AndAnd']);
      case 'cmpExpr': {
        const sides = subs(n, 'addExpr');
        const left = this.chain(sides[0], 'mulExpr', ['AddOp']);
        if (sides.length < 2) return left;
        const op = tok(n, 'CmpOp');
        const right = this.chain(sides[1], 'mulExpr', ['AddOp']);
        const o = (op?.image || '==') as A.BinaryOp;
        return { kind: 'Binary', op: o, left, right, span: this.sp.join(left.span, right.span) };
      }
      case 'mulExpr':
        return this.chain(n, 'unaryExpr', ['MulOp']);
      case 'unaryExpr':
        return this.unary(n);
      default:
        throw new Error(`cst-expr: unknown level ${key}`);
    }
  }

  private unary(n: CstNode | undefined): A.Expr {
    const opTok = tok(n, 'UnaryOp');
    if (opTok) {
      const opSpan = this.sp.tok(opTok);
      const operand = this.unary(sub(n, 'unaryExpr'));
      const op = opTok.tokenType.name === 'Bang' ? '!' : '-';
      return { kind: 'Unary', op, operand, span: this.sp.join(opSpan, operand.span) };
    }
    const p = sub(n, 'powExpr');
    if (!p) return this.errorExpr(n);
    const base = this.postfixExpr(sub(p, 'postfixExpr'));
    if (!tok(p, 'Caret')) return base;
    const exp = this.unary(sub(p, 'unaryExpr'));
    return { kind: 'Binary', op: '^', left: base, right: exp, span: this.sp.join(base.span, exp.span) };
  }

  private postfixExpr(n: CstNode | undefined): A.Expr {
    let e = this.primary(sub(n, 'primary'));
    for (const p of subs(n, 'postfix')) {
      const end = this.sp.node(p);
      const span = this.sp.join(e.span, end);
      if (sub(p, 'args')) e = { kind: 'Call', callee: e, args: this.args(sub(p, 'args')), span };
      else if (tok(p, 'Dot')) e = { kind: 'Member', object: e, name: this.ident(tok(p, 'AnyName')), span };
      else if (tok(p, 'LBracket')) {
        e = {
          kind: 'Index',
          object: e,
          items: subs(p, 'indexItem').map((i) => this.indexItem(i, end)),
          span,
        };
      } else if (tok(p, 'Transpose')) e = { kind: 'Transpose', operand: e, span };
    }
    return e;
  }

  args(n: CstNode | undefined): A.Arg[] {
    return subs(n, 'arg').map((a) => {
      const nameTok = tok(a, 'AnyName');
      const name = nameTok ? this.ident(nameTok) : undefined;
      let value = this.expr(sub(a, 'expr'));
      const comp = sub(a, 'compFor');
      if (comp)
        value = this.comprehension('generator', value, comp, this.sp.join(value.span, this.sp.node(comp)));
      const span = name ? this.sp.join(name.span, value.span) : value.span;
      return { kind: 'Arg', ...(name ? { name } : {}), value, span };
    });
  }

  private comprehension(
    form: 'generator' | 'list',
    element: A.Expr,
    c: CstNode,
    span: A.Span,
  ): A.Comprehension {
    const vars = toks(c, 'Identifier').map((t) => this.ident(t));
    const iterable = this.chain(sub(c, 'iterable'), 'andExpr', ['OrOr']);
    const f = sub(c, 'filter');
    const filter = f ? this.chain(f, 'andExpr', ['OrOr']) : undefined;
    return { kind: 'Comprehension', form, element, vars, iterable, ...(filter ? { filter } : {}), span };
  }

  /** `brackets`: the span of the whole `[...]`, where an empty item is reported. */
  private indexItem(n: CstNode, brackets: A.Span): A.Expr | A.Slice {
    const colons = toks(n, 'Colon');
    const start = sub(n, 'start');
    if (colons.length === 0) {
      if (start) return this.expr(start);
      this.report(
        'invalid-form',
        'an empty index',
        brackets,
        'write an index, a slice `a:b`, or `:` for a whole axis',
      );
      return { kind: 'ErrorExpr', span: brackets };
    }
    const end = sub(n, 'end');
    const step = sub(n, 'step');
    return {
      kind: 'Slice',
      ...(start ? { start: this.expr(start) } : {}),
      ...(end ? { end: this.expr(end) } : {}),
      ...(step ? { step: this.expr(step) } : {}),
      span: this.sp.node(n),
    };
  }

  private primary(n: CstNode | undefined): A.Expr {
    if (!n) return this.errorExpr();
    const span = this.sp.node(n);
    const num = tok(n, 'Number');
    if (num) {
      const value = Number(num.image);
      if (!Number.isFinite(value)) this.report('bad-number', `number \`${num.image}\` is not finite`, span);
      return { kind: 'NumberLit', value, isInt: /^\d+$/.test(num.image), raw: num.image, span };
    }
    const str = tok(n, 'String');
    if (str) return { kind: 'StringLit', value: decodeString(str.image), span };
    if (tok(n, 'True')) return { kind: 'BoolLit', value: true, span };
    if (tok(n, 'False')) return { kind: 'BoolLit', value: false, span };
    const lp = tok(n, 'lambdaParam');
    if (lp) return { kind: 'Lambda', params: [this.ident(lp)], body: this.expr(sub(n, 'lambdaBody')), span };
    const id = tok(n, 'Identifier');
    if (id) return { kind: 'Name', name: validTok(id) ? id.image : '', span };
    const paren = sub(n, 'parenExpr');
    if (paren) return this.paren(paren, span);
    const list = sub(n, 'listExpr');
    if (list) {
      const items = subs(list, 'expr').map((e) => this.expr(e));
      const comp = sub(list, 'compFor');
      if (comp && items[0]) return this.comprehension('list', items[0], comp, span);
      return { kind: 'ListLit', items, span };
    }
    const rec = sub(n, 'recordExpr');
    if (rec) {
      const fields = subs(rec, 'recordField').map((f): A.RecordField => ({
        kind: 'RecordField',
        key: this.ident(tok(f, 'AnyName')),
        value: this.expr(sub(f, 'expr')),
        span: this.sp.node(f),
      }));
      return { kind: 'RecordLit', fields, span };
    }
    return this.errorExpr(n);
  }

  private paren(n: CstNode, span: A.Span): A.Expr {
    const inner = subs(n, 'expr').map((e) => this.expr(e));
    if (tok(n, 'FatArrow')) {
      const params: A.Ident[] = [];
      for (const p of inner) {
        if (p.kind === 'Name') params.push({ kind: 'Ident', name: p.name, span: p.span });
        else
          this.report(
            'invalid-form',
            'a lambda parameter must be a plain name',
            p.span,
            'write `(a, b) => ...`',
          );
      }
      return { kind: 'Lambda', params, body: this.expr(sub(n, 'lambdaBody')), span };
    }
    if (inner.length === 1) return { ...inner[0]!, parens: true };
    if (inner.length === 0) {
      this.report(
        'invalid-form',
        '`()` is not a value',
        span,
        'write `() => body` for a function of no arguments',
      );
    } else {
      this.report(
        'invalid-form',
        'tuples are not supported',
        span,
        'use a list `[a, b]` or a record `{a: .., b: ..}`',
      );
    }
    return { kind: 'ErrorExpr', span };
  }

  // ─── types ───

  type(n: CstNode | undefined): A.TypeExpr {
    const span = this.sp.node(n);
    if (!n) return { kind: 'NamedType', name: this.ident(undefined), span };
    if (tok(n, 'listOpen')) return { kind: 'ListType', element: this.type(sub(n, 'type')), span };
    const id = tok(n, 'Identifier');
    if (id) {
      const name = this.ident(id);
      if (!tok(n, 'LBracket')) return { kind: 'NamedType', name, span };
      const dims = subs(n, 'dim').map((d): A.Expr | A.EllipsisDim =>
        tok(d, 'Ellipsis') ? { kind: 'EllipsisDim', span: this.sp.node(d) } : this.expr(sub(d, 'expr')),
      );
      return { kind: 'TensorType', dtype: name, dims, span };
    }
    const fields = subs(n, 'typeField').map((f): A.RecordTypeField => ({
      kind: 'RecordTypeField',
      key: this.ident(tok(f, 'AnyName')),
      type: this.type(sub(f, 'type')),
      span: this.sp.node(f),
    }));
    return { kind: 'RecordType', fields, span };
  }
}

/** The value of a string literal token (JSON-style escapes; unknown escapes keep the char). */
export function decodeString(raw: string): string {
  const body = raw.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}
