// The staging interpreter: evaluates .ftl expressions and statements where tensors are IR
// nodes and everything else is a host value (values.ts). It is shared by elaboration
// (module bodies, methods), tracing (forward, loss) and optimizer lowering (update blocks);
// each of those handles its own statement kinds through `hooks.stmt` and leaves the common
// ones (let, assign, for, if, return, expressions) to this file.
//
// Every node made while evaluating an AST expression carries that expression's span.
// User errors throw TraceError (caught by the phase entry point and turned into a
// Diagnostic); a `return` unwinds as a ReturnSignal.

import type * as A from '../../grammar/ast.ts';
import type { Node } from '../ir/node.ts';
import { TraceCodes, TraceError } from './errors.ts';
import { plannedBuiltins } from '../check/builtins.ts';
import { index as indexTensor, type IndexItem } from './index-ops.ts';
import { binaryOp, toNum, toTensor } from './operators.ts';
import * as T from './tensor.ts';
import {
  NULL,
  Scope,
  isParamSet,
  isTensor,
  list,
  record,
  typeName,
  type Args,
  type Value,
} from './values.ts';

export class ReturnSignal {
  constructor(readonly value: Value) {}
}

export type StmtHook = (s: A.Stmt, scope: Scope, it: Interp) => boolean;

export interface Hooks {
  /** Handle a statement kind specific to the context; return true when handled. */
  stmt?: StmtHook;
  /** Call a module instance or declaration (supplied by the tracer/elaborator). */
  call?: (f: Value, args: Args, it: Interp) => Value | undefined;
  /** Member access on values the interpreter does not know (modules). */
  member?: (obj: Value, name: string, it: Interp) => Value | undefined;
}

export function err(code: string, message: string, span?: A.Span, hint?: string): never {
  throw new TraceError(code, message, span ?? T.spanNow(), hint);
}

export class Interp {
  constructor(readonly hooks: Hooks = {}) {}

  /** Run `f` with `h` handling context-specific statements (module bodies, methods, updates). */
  withStmtHook<R>(h: StmtHook | undefined, f: () => R): R {
    const prev = this.hooks.stmt;
    this.hooks.stmt = h;
    try {
      return f();
    } finally {
      this.hooks.stmt = prev;
    }
  }

  // ---- statements ----------------------------------------------------------------------

  /** Run a block in a child scope; returns the `return`ed value, if any. */
  runBlock(b: A.Block, scope: Scope): Value | undefined {
    try {
      this.execStmts(b.stmts, scope.child());
    } catch (e) {
      if (e instanceof ReturnSignal) return e.value;
      throw e;
    }
    return undefined;
  }

  /** Evaluate a body written `= expr` or `{ ... return ... }`. */
  evalBody(body: A.Expr | A.Block, scope: Scope): Value {
    if (body.kind === 'Block') return this.runBlock(body, scope) ?? NULL;
    return this.eval(body, scope);
  }

  execStmts(stmts: readonly A.Stmt[], scope: Scope): void {
    for (const s of stmts) T.withSpan(s.span, () => this.exec(s, scope));
  }

  exec(s: A.Stmt, scope: Scope): void {
    if (this.hooks.stmt?.(s, scope, this)) return;
    switch (s.kind) {
      case 'LetStmt':
        scope.define(s.name.name, this.eval(s.value, scope));
        return;
      case 'AssignStmt':
        return this.assign(s, scope);
      case 'ExprStmt':
        this.eval(s.expr, scope);
        return;
      case 'ReturnStmt':
        throw new ReturnSignal(s.value ? this.eval(s.value, scope) : NULL);
      case 'IfStmt': {
        const c = this.eval(s.cond, scope);
        if (typeof c !== 'boolean')
          err(
            TraceCodes.badArgument,
            `an \`if\` condition must be a compile-time bool, got ${typeName(c)}`,
            s.cond.span,
          );
        if (c) this.execStmts(s.then.stmts, scope.child());
        else if (s.else?.kind === 'Block') this.execStmts(s.else.stmts, scope.child());
        else if (s.else) this.exec(s.else, scope);
        return;
      }
      case 'ForStmt': {
        const items = this.iterate(this.eval(s.iterable, scope), s.iterable.span);
        for (const item of items) {
          if (s.varType?.kind === 'NamedType' && !matchesType(item, s.varType.name.name)) continue;
          const inner = scope.child();
          if (s.vars.length === 1) inner.define(s.vars[0].name, item);
          else {
            const parts =
              typeof item === 'object' && 'kind' in item && item.kind === 'list' ? item.items : [];
            s.vars.forEach((v, i) => inner.define(v.name, parts[i] ?? NULL));
          }
          this.execStmts(s.body.stmts, inner);
        }
        return;
      }
      default:
        err(TraceCodes.unsupported, `\`${s.kind}\` is not allowed here`, s.span);
    }
  }

  iterate(v: Value, span: A.Span): Value[] {
    if (typeof v === 'object' && 'kind' in v) {
      if (v.kind === 'list') return v.items;
      if (v.kind === 'range')
        return Array.from({ length: Math.max(0, v.end - v.start) }, (_, i) => v.start + i);
    }
    return err(TraceCodes.badArgument, `cannot iterate over ${typeName(v)}`, span);
  }

  private assign(s: A.AssignStmt, scope: Scope): void {
    if (s.target.kind !== 'Name')
      err(TraceCodes.unsupported, 'only names can be assigned here', s.target.span);
    const name = s.target.name;
    let v = this.eval(s.value, scope);
    if (s.op !== '=') {
      const old = scope.lookup(name);
      if (old === undefined) err(TraceCodes.unknownName, `\`${name}\` is not defined`, s.target.span);
      v = this.binary(s.op[0] as A.BinaryOp, old, v, s.span);
    }
    if (!scope.set(name, v)) scope.define(name, v);
  }

  // ---- expressions ---------------------------------------------------------------------

  eval(e: A.Expr, scope: Scope): Value {
    return T.withSpan(e.span, () => this.evalInner(e, scope));
  }

  private evalInner(e: A.Expr, scope: Scope): Value {
    switch (e.kind) {
      case 'NumberLit':
        return e.value;
      case 'StringLit':
        return e.value;
      case 'BoolLit':
        return e.value;
      case 'Name': {
        const v = scope.lookup(e.name);
        if (v === undefined && plannedBuiltins.has(e.name))
          err(
            TraceCodes.unknownName,
            `\`${e.name}\` is a planned builtin: the checker knows it, but it is not implemented yet`,
            e.span,
            'see `ftl methods` and docs/language.md for what is implemented today',
          );
        if (v === undefined)
          err(TraceCodes.unknownName, `\`${e.name}\` is not defined`, e.span, suggestName(e.name, scope));
        return v;
      }
      case 'Member':
        return this.member(this.eval(e.object, scope), e.name.name, e.span);
      case 'Index':
        return this.index(this.eval(e.object, scope), e.items, scope, e.span);
      case 'Call':
        return this.call(this.eval(e.callee, scope), this.args(e.args, scope, e.span));
      case 'Binary': {
        if (e.op === '&&' || e.op === '||') {
          const l = this.eval(e.left, scope);
          if (typeof l === 'boolean') {
            if (e.op === '&&' ? !l : l) return l;
            return this.eval(e.right, scope);
          }
        }
        return this.binary(e.op, this.eval(e.left, scope), this.eval(e.right, scope), e.span);
      }
      case 'Unary': {
        const v = this.eval(e.operand, scope);
        if (e.op === '-') {
          if (typeof v === 'number') return -v;
          if (isParamSet(v))
            return { kind: 'params', items: new Map([...v.items].map(([k, x]) => [k, T.neg(x)])) };
          return T.neg(this.tensor(v, e.operand.span));
        }
        if (typeof v === 'boolean') return !v;
        return T.not(T.cast(this.tensor(v, e.operand.span), 'bool'));
      }
      case 'Transpose':
        return T.transpose(this.tensor(this.eval(e.operand, scope), e.operand.span));
      case 'Pipe': {
        const left = this.eval(e.left, scope);
        if (e.right.kind === 'Call') {
          const a = this.args(e.right.args, scope, e.span);
          return this.call(this.eval(e.right.callee, scope), { ...a, positional: [left, ...a.positional] });
        }
        return this.call(this.eval(e.right, scope), { positional: [left], named: new Map(), span: e.span });
      }
      case 'Lambda':
        return {
          kind: 'closure',
          name: '<lambda>',
          params: e.params.map((p) => ({ name: p.name })),
          body: e.body,
          scope,
        };
      case 'ListLit':
        return list(e.items.map((x) => this.eval(x, scope)));
      case 'RecordLit':
        return record(new Map(e.fields.map((f) => [f.key.name, this.eval(f.value, scope)])));
      case 'Range': {
        const a = this.num(this.eval(e.start, scope), e.start.span);
        const b = this.num(this.eval(e.end, scope), e.end.span);
        const lit = (x: A.Expr) => x.kind === 'NumberLit' && !x.isInt;
        return {
          kind: 'range',
          start: a,
          end: b,
          float: !Number.isInteger(a) || !Number.isInteger(b) || lit(e.start) || lit(e.end),
        };
      }
      case 'Comprehension': {
        const out: Value[] = [];
        for (const item of this.iterate(this.eval(e.iterable, scope), e.iterable.span)) {
          const inner = scope.child();
          if (e.vars.length === 1) inner.define(e.vars[0].name, item);
          else
            e.vars.forEach((v, i) => inner.define(v.name, (item as { items: Value[] }).items?.[i] ?? NULL));
          if (e.filter && this.eval(e.filter, inner) !== true) continue;
          out.push(this.eval(e.element, inner));
        }
        return list(out);
      }
      case 'ErrorExpr':
        return err(TraceCodes.unsupported, 'cannot trace an expression with a syntax error', e.span);
    }
  }

  args(as: readonly A.Arg[], scope: Scope, span: A.Span): Args {
    const positional: Value[] = [];
    const named = new Map<string, Value>();
    for (const a of as) {
      const v = this.eval(a.value, scope);
      if (a.name) named.set(a.name.name, v);
      else positional.push(v);
    }
    return { positional, named, span };
  }

  call(f: Value, args: Args): Value {
    if (typeof f === 'object' && 'kind' in f) {
      if (f.kind === 'builtin') return T.withSpan(args.span, () => f.call(args));
      if (f.kind === 'closure') return this.callClosure(f, args);
    }
    const r = this.hooks.call?.(f, args, this);
    if (r !== undefined) return r;
    return err(TraceCodes.notCallable, `${typeName(f)} is not callable`, args.span);
  }

  callClosure(f: Extract<Value, { kind: 'closure' }>, args: Args): Value {
    const inner = f.scope.child();
    bindFormals(f.params, args, inner, this, f.name);
    return this.evalBody(f.body, inner);
  }

  member(obj: Value, name: string, span: A.Span): Value {
    if (isTensor(obj)) {
      if (name === 'shape') return list([...obj.shape]);
      if (name === 'T') return T.transpose(obj);
    } else if (typeof obj === 'object' && 'kind' in obj) {
      if (obj.kind === 'record' && obj.fields.has(name)) return obj.fields.get(name)!;
      if (obj.kind === 'namespace' && obj.members.has(name)) return obj.members.get(name)!;
      if (obj.kind === 'list' && name === 'length') return obj.items.length;
    }
    const r = this.hooks.member?.(obj, name, this);
    if (r !== undefined) return r;
    const fields =
      typeof obj === 'object' && 'kind' in obj && obj.kind === 'record' ? [...obj.fields.keys()] : [];
    return err(
      TraceCodes.unknownName,
      `${typeName(obj)} has no member \`${name}\``,
      span,
      fields.length ? `fields: ${fields.join(', ')}` : undefined,
    );
  }

  private index(obj: Value, items: readonly (A.Expr | A.Slice)[], scope: Scope, span: A.Span): Value {
    if (isTensor(obj)) {
      const its: IndexItem[] = items.map((it) => {
        if (it.kind === 'Slice') {
          const b = (x?: A.Expr) => (x ? this.num(this.eval(x, scope), x.span) : undefined);
          if (it.step) err(TraceCodes.unsupported, 'slices with a step are not supported', it.step.span);
          return { kind: 'slice', start: b(it.start), end: b(it.end) };
        }
        if (it.kind === 'Name' && it.name === '...') return { kind: 'ellipsis' };
        const v = this.eval(it, scope);
        if (typeof v === 'number') return { kind: 'int', value: v };
        if (isTensor(v)) return { kind: 'tensor', value: v };
        return err(TraceCodes.badIndex, `cannot index a tensor with ${typeName(v)}`, it.span);
      });
      return indexTensor(obj, its);
    }
    if (items.length !== 1 || items[0].kind === 'Slice')
      err(TraceCodes.badIndex, `${typeName(obj)} takes one index`, span);
    const k = this.eval(items[0] as A.Expr, scope);
    if (typeof obj === 'object' && 'kind' in obj) {
      if (obj.kind === 'list' && typeof k === 'number') {
        const i = k < 0 ? k + obj.items.length : k;
        if (i < 0 || i >= obj.items.length)
          err(TraceCodes.badIndex, `index ${k} out of range for a list of ${obj.items.length}`, span);
        return obj.items[i];
      }
      if (obj.kind === 'record' && typeof k === 'string' && obj.fields.has(k)) return obj.fields.get(k)!;
      if (obj.kind === 'module' && typeof k === 'string')
        return { kind: 'select', scope: obj.inst.path, pattern: k };
    }
    return err(TraceCodes.badIndex, `cannot index ${typeName(obj)} with ${typeName(k)}`, span);
  }

  binary(op: A.BinaryOp, l: Value, r: Value, span: A.Span): Value {
    return binaryOp(op, l, r, span);
  }

  tensor(v: Value, span: A.Span): Node {
    return toTensor(v, span);
  }

  num(v: Value, span: A.Span): number {
    return toNum(v, span);
  }
}

function matchesType(v: Value, type: string): boolean {
  if (typeof v === 'object' && 'kind' in v && v.kind === 'module') return v.inst.kind === type;
  return true;
}

/** Bind call arguments to formals (positional first, then by name, then defaults). */
export function bindFormals(
  formals: readonly { name: string; default?: A.Expr }[],
  args: Args,
  scope: Scope,
  it: Interp,
  what: string,
  defaultScope: Scope = scope,
): void {
  if (args.positional.length > formals.length)
    err(
      TraceCodes.badArgument,
      `\`${what}\` takes ${formals.length} argument(s), got ${args.positional.length}`,
      args.span,
    );
  const names = new Set(formals.map((f) => f.name));
  for (const k of args.named.keys())
    if (!names.has(k))
      err(
        TraceCodes.badArgument,
        `\`${what}\` has no parameter \`${k}\``,
        args.span,
        `parameters: ${[...names].join(', ')}`,
      );
  formals.forEach((f, i) => {
    let v: Value | undefined = i < args.positional.length ? args.positional[i] : args.named.get(f.name);
    if (v === undefined && f.default) v = it.eval(f.default, defaultScope);
    if (v === undefined)
      err(TraceCodes.badArgument, `\`${what}\`: missing argument \`${f.name}\``, args.span);
    scope.define(f.name, v);
  });
}

function suggestName(name: string, scope: Scope): string | undefined {
  const seen = new Set<string>();
  for (let s: Scope | undefined = scope; s; s = s.parent) for (const n of s.ownNames()) seen.add(n);
  const close = [...seen].filter(
    (n) => n.length > 1 && (n.startsWith(name.slice(0, 3)) || name.startsWith(n.slice(0, 3))),
  );
  return close.length ? `did you mean \`${close[0]}\`?` : undefined;
}
