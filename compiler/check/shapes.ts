// Symbolic shape inference for the checker, where shapes are statically known.
//
// A shape is a list of dims; a dim is a symbol (`B`, `in`, `m.in`), an integer (`4`), an
// expression printed as text (`4 * d`), or `...` (any number of leading dims, only first).
// Sources of shapes: declared tensor types (formals, params, typed lets), lets (their
// value), number literals (scalars, []), calls of submodules whose `forward` declares a
// return type (module config substituted: `linear(d, 4 * d)` returns [..., 4 * d]), and
// shape-preserving builtins. Anything else is unknown (undefined) and never reported.
//
// Rules: elementwise ops broadcast numpy-style from the right (equal dims, or one is 1);
// `a @ b` needs a[-1] == b[-2] (1-D operands as in numpy) and broadcasts batch dims;
// `x^T` swaps the last two dims. A subexpression with a mismatch is unknown to its parent,
// so one mistake gives one diagnostic.

import type * as A from '../../grammar/ast.ts';
import type { Binding } from './bind.ts';
import type { Sym } from './scope.ts';
import { forwardOf } from './signatures.ts';

export type Dim = string;
export type Shape = readonly Dim[];

export interface ShapeError {
  readonly node: A.Expr;
  readonly message: string;
}

const sameShape = new Set([
  'exp',
  'log',
  'sqrt',
  'tanh',
  'abs',
  'sin',
  'cos',
  'sigmoid',
  'relu',
  'gelu',
  'silu',
  'log_sigmoid',
  'floor',
  'ceil',
  'round',
  'sign',
  'detach',
  'dropout',
  'softmax',
  'log_softmax',
  'clamp',
  'zeros_like',
  'ones_like',
  'randn_like',
  'rand_like',
  'layer_norm',
  'rms_norm',
  'rope',
]);

export const showShape = (s: Shape): string => `[${s.join(', ')}]`;

/** Print a simple dim expression (`4 * d`, `m.in`); undefined for anything complicated. */
export function dimText(e: A.Expr): string | undefined {
  switch (e.kind) {
    case 'Name':
      return e.name;
    case 'NumberLit':
      return e.isInt ? String(e.value) : undefined;
    case 'Member': {
      const o = dimText(e.object);
      return o === undefined ? undefined : `${o}.${e.name.name}`;
    }
    case 'Binary': {
      if (!['+', '-', '*', '/', '%'].includes(e.op)) return undefined;
      const l = dimText(e.left);
      const r = dimText(e.right);
      return l === undefined || r === undefined ? undefined : `${l} ${e.op} ${r}`;
    }
    default:
      return undefined;
  }
}

export function shapeOfType(
  t: A.TypeExpr | undefined,
  subst?: ReadonlyMap<string, string>,
): Shape | undefined {
  if (t?.kind !== 'TensorType') return undefined;
  const dims: Dim[] = [];
  for (const [i, d] of t.dims.entries()) {
    if (d.kind === 'EllipsisDim') {
      if (i !== 0) return undefined;
      dims.push('...');
      continue;
    }
    const txt = dimText(d);
    if (txt === undefined) return undefined;
    dims.push(subst?.get(txt) ?? txt);
  }
  return dims;
}

/** Broadcast two shapes; a string is the reason they do not broadcast. */
export function broadcast(a: Shape, b: Shape): Shape | string {
  const out: Dim[] = [];
  let i = a.length - 1;
  let j = b.length - 1;
  for (; i >= 0 && j >= 0; i--, j--) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === '...' || y === '...') return ['...', ...out];
    if (x === y || y === '1') out.unshift(x);
    else if (x === '1') out.unshift(y);
    else return `\`${x}\` and \`${y}\` differ at axis ${i - a.length}`;
  }
  const rest = i >= 0 ? a.slice(0, i + 1) : b.slice(0, j + 1);
  return [...rest, ...out];
}

export class ShapeInference {
  private readonly memo = new Map<A.Expr, Shape | undefined>();
  private readonly symMemo = new Map<Sym, Shape | undefined>();
  readonly errors: ShapeError[] = [];
  private depth = 0;

  constructor(private readonly b: Binding) {}

  of(e: A.Expr): Shape | undefined {
    if (this.memo.has(e)) return this.memo.get(e);
    this.memo.set(e, undefined); // cycle guard
    if (this.depth > 200) return undefined;
    this.depth++;
    const s = this.compute(e);
    this.depth--;
    this.memo.set(e, s);
    return s;
  }

  private ofSym(sym: Sym): Shape | undefined {
    if (this.symMemo.has(sym)) return this.symMemo.get(sym);
    this.symMemo.set(sym, undefined);
    const s = sym.type
      ? shapeOfType(sym.type)
      : sym.kind === 'let' && sym.value
        ? this.of(sym.value)
        : undefined;
    this.symMemo.set(sym, s);
    return s;
  }

  private compute(e: A.Expr): Shape | undefined {
    switch (e.kind) {
      case 'NumberLit':
        return [];
      case 'Name': {
        const sym = this.b.refs.get(e)?.sym;
        return sym && sym.kind !== 'dim' ? this.ofSym(sym) : undefined;
      }
      case 'Unary':
        return this.of(e.operand);
      case 'Transpose': {
        const s = this.of(e.operand);
        if (!s || s.length < 2 || s[s.length - 2] === '...') return undefined;
        return [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];
      }
      case 'Binary':
        return this.binary(e);
      case 'Call':
        return this.call(e);
      case 'Index':
        return this.index(e);
      case 'Member':
        return this.member(e);
      default:
        return undefined;
    }
  }

  /** `x[:, :-1]`, `x[0]`, `x[1:]`: ints drop a dim, slices with int bounds shorten it. */
  private index(e: A.Index): Shape | undefined {
    const s = this.of(e.object);
    if (!s || s[0] === '...' || e.items.length > s.length) return undefined;
    const out: Dim[] = [];
    for (const [i, item] of e.items.entries()) {
      const d = s[i]!;
      if (item.kind !== 'Slice') {
        if (intOf(item) === undefined) return undefined; // gather by a tensor: unknown
        continue;
      }
      if (item.step) return undefined;
      const a = item.start ? intOf(item.start) : 0;
      const b = item.end ? intOf(item.end) : undefined;
      if (a === undefined || (item.end && b === undefined)) return undefined;
      if (b === undefined) out.push(a === 0 ? d : a > 0 ? `${d} - ${a}` : String(-a));
      else if (b < 0 && a >= 0) out.push(a === 0 ? `${d} - ${-b}` : `${d} - ${a - b}`);
      else if (b >= 0 && a >= 0) out.push(String(Math.max(0, b - a)));
      else return undefined;
    }
    return [...out, ...s.slice(e.items.length)];
  }

  /** `wte.weight` of a submodule: the parameter's declared type, with the module's config. */
  private member(e: A.Member): Shape | undefined {
    if (e.object.kind !== 'Name') return undefined;
    const sym = this.b.refs.get(e.object)?.sym;
    if (sym?.kind !== 'submodule' || !sym.module) return undefined;
    const p = sym.module.body.stmts.find(
      (st): st is A.ParamDecl => st.kind === 'ParamDecl' && !st.owner && st.name.name === e.name.name,
    );
    return p ? shapeOfType(p.type, this.configOf(sym)) : undefined;
  }

  private binary(e: A.Binary): Shape | undefined {
    if (['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(e.op) && e.op !== '@') {
      const l = this.of(e.left);
      const r = this.of(e.right);
      if (!l || !r) return undefined;
      const s = broadcast(l, r);
      return typeof s === 'string' ? undefined : s;
    }
    const l = this.of(e.left);
    const r = this.of(e.right);
    if (!l || !r) return undefined;
    if (e.op === '@') return this.matmul(e, l, r);
    const s = broadcast(l, r);
    if (typeof s === 'string') {
      this.errors.push({
        node: e,
        message: `shapes ${showShape(l)} and ${showShape(r)} do not broadcast in \`${e.op}\`: ${s}`,
      });
      return undefined;
    }
    return s;
  }

  private matmul(e: A.Binary, l: Shape, r: Shape): Shape | undefined {
    if (l.length === 0 || r.length === 0) {
      this.errors.push({
        node: e,
        message: `\`@\` needs tensors of at least one dimension, got ${showShape(l)} @ ${showShape(r)}`,
      });
      return undefined;
    }
    const a = l.length === 1 ? ['1', l[0]!] : l;
    const b = r.length === 1 ? [r[0]!, '1'] : r;
    const k1 = a[a.length - 1]!;
    const k2 = b[b.length - 2]!;
    if (k1 === '...' || k2 === '...') return undefined;
    if (k1 !== k2) {
      this.errors.push({
        node: e,
        message: `matrix multiply ${showShape(l)} @ ${showShape(r)}: inner dimensions \`${k1}\` and \`${k2}\` differ`,
      });
      return undefined;
    }
    const batch = broadcast(a.slice(0, -2), b.slice(0, -2));
    if (typeof batch === 'string') {
      this.errors.push({
        node: e,
        message: `matrix multiply ${showShape(l)} @ ${showShape(r)}: batch dimensions ${batch}`,
      });
      return undefined;
    }
    const out = [...batch, a[a.length - 2]!, b[b.length - 1]!];
    // drop the axes numpy adds for 1-D operands
    if (r.length === 1) out.pop();
    if (l.length === 1) out.splice(out.length - (r.length === 1 ? 1 : 2), 1);
    return out;
  }

  private call(c: A.Call): Shape | undefined {
    if (c.callee.kind !== 'Name') return undefined;
    const sym = this.b.refs.get(c.callee)?.sym;
    if (!sym) return undefined;
    if (sym.kind === 'builtin' && sameShape.has(sym.name) && c.args[0] && !c.args[0].name)
      return this.of(c.args[0].value);
    if ((sym.kind === 'submodule' || sym.kind === 'loop') && sym.module) {
      const fwd = forwardOf(sym.module);
      if (!fwd) return undefined;
      // bind the forward's dims: module config first, then each tensor argument's shape
      const bind = this.configOf(sym);
      const ell: { dims?: Shape } = {};
      for (const [i, f] of fwd.params.entries()) {
        const arg = c.args[i];
        if (!arg || arg.name) break;
        const want = shapeOfType(f.type);
        const got = this.of(arg.value);
        if (!want || !got) continue;
        const problem = unify(want, got, bind, ell);
        if (problem) {
          const shown = showShape(want.map((d) => bind.get(d) ?? d));
          this.errors.push({
            node: arg.value,
            message: `\`${c.callee.name}\` expects \`${f.name.name}\` of shape ${shown}, got ${showShape(got)}: ${problem}`,
          });
          return undefined;
        }
      }
      const ret = shapeOfType(fwd.returnType, bind);
      if (!ret) return undefined;
      return ret[0] === '...' && ell.dims ? [...ell.dims, ...ret.slice(1)] : ret;
    }
    return undefined;
  }

  /** Module formal → dim text of the constructor argument (`linear(d, 4 * d)`: in → d, out → 4 * d). */
  private configOf(sym: Sym): Map<string, string> {
    const out = new Map<string, string>();
    const m = sym.module;
    const v = sym.value;
    if (!m || v?.kind !== 'Call') return out;
    let pos = 0;
    for (const a of v.args) {
      const formal = a.name ? m.params.find((p) => p.name.name === a.name!.name) : m.params[pos++];
      const txt = dimText(a.value);
      if (formal && txt !== undefined) out.set(formal.name.name, txt);
    }
    return out;
  }
}

const intOf = (e: A.Expr): number | undefined =>
  e.kind === 'NumberLit' && e.isInt
    ? e.value
    : e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'NumberLit' && e.operand.isInt
      ? -e.operand.value
      : undefined;

const isSymbol = (d: Dim): boolean => /^[A-Za-z_]\w*$/.test(d);

/**
 * Match an argument's shape against a declared parameter shape, binding the parameter's
 * free dimension symbols (and its leading `...`) as it goes; a string says what differs.
 */
export function unify(
  want: Shape,
  got: Shape,
  bind: Map<string, string>,
  ell: { dims?: Shape },
): string | undefined {
  let w = want;
  let g = got;
  if (w[0] === '...') {
    w = w.slice(1);
    if (g[0] !== '...' && g.length < w.length) return `it needs at least ${w.length} dimensions`;
    if (g[0] !== '...') ell.dims ??= g.slice(0, g.length - w.length);
    g = g.slice(Math.max(0, g.length - w.length));
  } else if (g[0] === '...') {
    g = g.slice(1);
    w = w.slice(Math.max(0, w.length - g.length));
  } else if (g.length !== w.length) {
    return `it needs ${w.length} dimensions`;
  }
  for (let i = 0; i < w.length && i < g.length; i++) {
    const wd = w[w.length - 1 - i]!;
    const gd = g[g.length - 1 - i]!;
    if (gd === '...') break;
    let v = bind.get(wd);
    if (v === undefined && isSymbol(wd)) {
      bind.set(wd, gd);
      v = gd;
    }
    v ??= wd;
    if (v !== gd) return `\`${wd}\`${v !== wd ? ` (= ${v})` : ''} is \`${gd}\` here`;
  }
  return undefined;
}
