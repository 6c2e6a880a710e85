// Applying a `method` to an elaborated model, in recipe order. A method body runs once on
// host values with `model` bound to the root module and these statements:
//   freeze all | freeze P | unfreeze P [rows(a .. b) | cols(a .. b)]
//       P: a pattern string, `m["pattern"]` (relative to module m), a module, or a list;
//   for m: linear in modules("pattern") { ... }   (modules(...) is a builtin here)
//   param m.name: f32[...] init ... [trainable | frozen]   (a new parameter on module m)
//   module m.name = adapter(...)                          (a new child module)
//   wrap m(x) = base(x) + ...                             (a new forward layer over m)
//   merge m.weight += expr                                (kept as data for export)
//   loss = ... | optim = ... | gradient = ... | data = ...  (replace a recipe part; the
//       current value is in scope under the same name, so `let l = loss` then
//       `loss = (m, b) => l(m, b) + aux` adds an auxiliary term)
//   apply other(args)                                     (method composition: runs `other`
//       on the same model right here, exactly as a recipe-level `apply` at this point would:
//       its parameters, modules, wraps, merges and freeze/unfreeze land in order, and the
//       recipe parts it replaces are seen by the rest of this body; a method that applies
//       itself, directly or through others, is FTL0408 with the cycle named)
// Added parameters are trainable unless written `frozen`. Methods run after the recipe's
// fields are set, in `apply` order.

import type * as A from '../../grammar/ast.ts';
import { TraceCodes, TraceError } from '../trace/errors.ts';
import { bindFormals, err, type Interp } from '../trace/interp.ts';
import {
  NULL,
  list,
  typeName,
  type AppliedV,
  type ModuleV,
  type Scope,
  type Value,
} from '../trace/values.ts';
import { asModuleSpec, instantiate, paramSpec } from './instantiate.ts';
import { compilePattern } from './pattern.ts';
import { didYouMean } from '../diagnostics/suggest.ts';
import { noMatch, selectModules, setTrainable, type RangeSpec } from './trainable.ts';
import { joinPath, type ModelTree, type ModuleInst } from './tree.ts';
import { defineSelectionBuiltins, maskSelector } from '../features/selection.ts';
import { defineHostInitBuiltins } from '../features/host-init.ts';
import { defineCalibrationBuiltins } from '../features/calibration.ts';

/** The recipe parts a method may read and replace. */
export const RECIPE_PARTS = ['loss', 'optim', 'gradient', 'data'] as const;
export type RecipePart = (typeof RECIPE_PARTS)[number];

/** Per model tree, the methods being applied right now, outermost first (cycle diagnostic). */
const applying = new WeakMap<ModelTree, A.MethodDecl[]>();

export function applyMethod(
  tree: ModelTree,
  method: AppliedV,
  span: A.Span,
  it: Interp,
  parts: Partial<Record<RecipePart, Value>> = {},
): Partial<Record<RecipePart, Value>> {
  const decl = method.decl.decl;
  if (decl.kind !== 'MethodDecl')
    err(TraceCodes.badArgument, `\`apply\` needs a method, got ${typeName(method)}`, span);
  let active = applying.get(tree);
  if (!active) applying.set(tree, (active = []));
  const at = active.indexOf(decl);
  if (at >= 0) {
    const cycle = [...active.slice(at), decl].map((d) => d.name.name).join(' -> ');
    err(
      TraceCodes.methodCycle,
      `method \`${decl.name.name}\` applies itself: ${cycle}`,
      span,
      'a method may apply other methods, but not itself (directly or through others)',
    );
  }
  active.push(decl);
  try {
    return runMethod(tree, method, decl, span, it, parts);
  } finally {
    active.pop();
  }
}

function runMethod(
  tree: ModelTree,
  method: AppliedV,
  decl: A.MethodDecl,
  span: A.Span,
  it: Interp,
  parts: Partial<Record<RecipePart, Value>>,
): Partial<Record<RecipePart, Value>> {
  // Host-side builtins live one scope level above the formals, so a formal may shadow them.
  const hostScope = method.decl.scope.child();
  defineSelectionBuiltins(hostScope, tree, it);
  defineHostInitBuiltins(hostScope, tree);
  defineCalibrationBuiltins(hostScope, tree, span);
  const scope = hostScope.child();
  bindFormals(
    decl.params.map((f) => ({ name: f.name.name, default: f.default })),
    { positional: [], named: method.args, span },
    scope,
    it,
    decl.name.name,
  );
  scope.define('model', { kind: 'module', inst: tree.root });
  // The recipe parts live in their own scope level so assignments land there.
  const partScope = scope.child();
  for (const k of RECIPE_PARTS) partScope.define(k, parts[k] ?? NULL);
  scope.define('modules', {
    kind: 'builtin',
    name: 'modules',
    call: (a) => {
      const pat = a.positional[0] ?? a.named.get('pattern') ?? '**';
      const [pattern, within] = patternOf(pat, a.span);
      const ms = selectModules(tree.root, pattern, within);
      if (ms.length === 0) throw noModules(tree.root, pattern, within, a.span);
      return list(ms.map((m): ModuleV => ({ kind: 'module', inst: m })));
    },
  });
  it.withStmtHook(
    (s, sc, itp) => methodStmt(tree, s, sc, itp),
    () => it.execStmts(decl.body.stmts, partScope.child()),
  );
  const out: Partial<Record<RecipePart, Value>> = {};
  for (const k of RECIPE_PARTS) {
    const v = partScope.lookup(k);
    if (v !== undefined && !isNull(v)) out[k] = v;
  }
  return out;
}

const isNull = (v: Value) => typeof v === 'object' && 'kind' in v && v.kind === 'null';

/**
 * `apply other(args)` inside a method body: the arguments are evaluated here (so formals of
 * the enclosing method can be forwarded), the recipe parts as this body sees them go in, and
 * the parts `other` replaces are assigned back where this body's own assignments would land.
 */
function applyInner(tree: ModelTree, s: A.ApplyStmt, scope: Scope, it: Interp): void {
  if (s.callee.kind === 'Name' && !scope.has(s.callee.name)) {
    // an unknown method: suggest the closest method in scope
    const methods = new Set<string>();
    for (let sc: Scope | undefined = scope; sc; sc = sc.parent)
      for (const n of sc.ownNames()) {
        const v = sc.lookup(n);
        if (typeof v === 'object' && 'kind' in v && v.kind === 'decl' && v.decl.kind === 'MethodDecl')
          methods.add(n);
      }
    err(
      TraceCodes.unknownName,
      `unknown method \`${s.callee.name}\``,
      s.callee.span,
      didYouMean(s.callee.name, methods),
    );
  }
  const callee = it.eval(s.callee, scope);
  const a = it.args(s.args, scope, s.span);
  const v = a.positional.length || a.named.size ? it.call(callee, a) : callee;
  const m: AppliedV | undefined =
    typeof v === 'object' && 'kind' in v
      ? v.kind === 'applied'
        ? v
        : v.kind === 'decl'
          ? { kind: 'applied', decl: v, args: new Map() }
          : undefined
      : undefined;
  if (!m || m.decl.decl.kind !== 'MethodDecl')
    err(TraceCodes.badArgument, `\`apply\` needs a method, got ${typeName(v)}`, s.callee.span);
  const parts: Partial<Record<RecipePart, Value>> = {};
  for (const k of RECIPE_PARTS) {
    const cur = scope.lookup(k);
    if (cur !== undefined && !isNull(cur)) parts[k] = cur;
  }
  const out = applyMethod(tree, m, s.span, it, parts);
  for (const [k, val] of Object.entries(out)) if (!scope.set(k, val)) scope.define(k, val);
}

function noModules(root: ModuleInst, pattern: string, within: string, span: A.Span): TraceError {
  const e = noMatch(root, pattern, within, span);
  return new TraceError(e.code, `pattern \`${pattern}\` matches no module`, span, e.hint);
}

/** A pattern and the module path it is relative to. */
function patternOf(v: Value, span: A.Span): [string, string] {
  if (typeof v === 'string') return [v, ''];
  if (typeof v === 'object' && 'kind' in v) {
    if (v.kind === 'select') return [v.pattern, v.scope];
    if (v.kind === 'module') return [v.inst.path === '' ? '**' : v.inst.path, ''];
  }
  return err(TraceCodes.badArgument, `expected a pattern, got ${typeName(v)}`, span);
}

function methodStmt(tree: ModelTree, s: A.Stmt, scope: Scope, it: Interp): boolean {
  switch (s.kind) {
    case 'ApplyStmt':
      applyInner(tree, s, scope, it);
      return true;
    case 'FreezeStmt': {
      const train = s.action === 'unfreeze';
      const mask = s.selectors[0]?.axis === 'mask' ? maskSelector(s.selectors, scope, it) : undefined;
      const range = mask ? undefined : selectorRange(s.selectors, scope, it);
      const targets: Value[] = [];
      if (!s.target) targets.push('all');
      else {
        const v = it.eval(s.target, scope);
        if (typeof v === 'object' && 'kind' in v && v.kind === 'list') targets.push(...v.items);
        else targets.push(v);
      }
      for (const t of targets) {
        if (typeof t === 'object' && 'kind' in t && t.kind === 'module') {
          // A module selects every parameter under it.
          const m = t.inst;
          setTrainable(tree.root, m.path === '' ? 'all' : m.path, train, { range, mask, span: s.span });
          continue;
        }
        const [pattern, within] = patternOf(t, s.span);
        setTrainable(tree.root, pattern, train, { scope: within, range, mask, span: s.span });
      }
      return true;
    }
    case 'ParamDecl': {
      const owner = ownerOf(s.owner, scope, it, s.span);
      if (s.when && it.eval(s.when, scope) !== true) return true;
      const p = paramSpec(joinPath(owner.path, s.name.name), s, scope, it);
      p.trainable = s.trainable ?? true;
      p.added = true;
      owner.params.set(s.name.name, p);
      return true;
    }
    case 'SubmoduleDecl': {
      const owner = ownerOf(s.owner, scope, it, s.span);
      const child = instantiate(
        asModuleSpec(it.eval(s.value, scope), s.value.span),
        undefined,
        joinPath(owner.path, s.name.name),
        it,
      );
      for (const p of allOwn(child)) p.added = true;
      owner.children.set(s.name.name, child);
      return true;
    }
    case 'WrapStmt': {
      const m = ownerOf(s.target, scope, it, s.span);
      m.wrappers.push({ params: s.params.map((f) => f.name.name), body: s.body, scope });
      return true;
    }
    case 'MergeStmt': {
      if (s.target.kind !== 'Member')
        err(TraceCodes.badArgument, '`merge` needs a target such as `m.weight`', s.target.span);
      const m = ownerOf(s.target.object, scope, it, s.span);
      if (!m.params.has(s.target.name.name))
        err(
          TraceCodes.unknownName,
          `module \`${m.path}\` has no parameter \`${s.target.name.name}\``,
          s.target.span,
        );
      tree.merges.push({
        module: m.path,
        target: s.target.name.name,
        op: s.op === '=' ? '=' : '+=',
        body: s.value,
        scope,
      });
      return true;
    }
    default:
      return false;
  }
}

function allOwn(m: ModuleInst) {
  const out = [...m.params.values()];
  for (const c of m.children.values()) out.push(...allOwn(c));
  return out;
}

function ownerOf(e: A.Expr | undefined, scope: Scope, it: Interp, span: A.Span): ModuleInst {
  if (!e) return err(TraceCodes.badArgument, 'expected `m.name` naming a module', span);
  const v = it.eval(e, scope);
  if (typeof v === 'object' && 'kind' in v && v.kind === 'module') return v.inst;
  return err(TraceCodes.badArgument, `expected a module, got ${typeName(v)}`, e.span);
}

function selectorRange(sel: readonly A.Selector[], scope: Scope, it: Interp): RangeSpec | undefined {
  if (sel.length === 0) return undefined;
  if (sel.length > 1) err(TraceCodes.unsupported, 'one row/column selector per statement', sel[1].span);
  const s = sel[0];
  if (s.axis === 'mask')
    err(TraceCodes.unsupported, '`mask(...)` selectors are not supported yet; use rows/cols', s.span);
  const v = it.eval(s.arg, scope);
  if (typeof v !== 'object' || !('kind' in v) || v.kind !== 'range')
    return err(
      TraceCodes.badArgument,
      `\`${s.axis}\` takes a range \`a .. b\`, got ${typeName(v)}`,
      s.arg.span,
    );
  return {
    start: v.start,
    end: v.end,
    ratio: v.float && v.end <= 1 && v.start >= 0,
    axis: s.axis === 'rows' ? 0 : 1,
  };
}
