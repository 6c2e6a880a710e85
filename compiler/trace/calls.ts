// Calling things the interpreter core does not know: module instances (their `forward`,
// through any `wrap` layers), declarations (fn, loss, schedule; others become partially
// applied values), and members of modules (`wte.weight`, `m.in`, `model.blocks`).
//
// A module's `forward(x: f32[B, T, D])` binds the symbolic dims it names (`B`, `T`, `D`)
// from the argument's actual shape, so a body can say `arange(T)`.
// Parameters become IR `param` leaves; a parameter split by a row range is the `concat`
// of its leaves (elaborate/tree.ts `leavesOf`), so the forward sees one tensor.

import type * as A from '../../grammar/ast.ts';
import { mk, type Node } from '../ir/node.ts';
import { leavesOf, type ModuleInst, type ParamSpec } from '../elaborate/tree.ts';
import { withCustomBackward } from './custom-backward.ts';
import { TraceCodes, fmtShape } from './errors.ts';
import { maskedParamNode } from '../features/mask-leaves.ts';
import { Interp, bindFormals, err } from './interp.ts';
import * as T from './tensor.ts';
import {
  Scope,
  isTensor,
  list,
  typeName,
  type AppliedV,
  type Args,
  type BuiltinV,
  type DeclV,
  type ModuleV,
  type Value,
} from './values.ts';

/** The IR value of a parameter: one leaf, or the concat of its row-slice leaves. */
export function paramNode(p: ParamSpec, overrides?: ReadonlyMap<string, Node>): Node {
  const leaves = leavesOf(p).map(
    (l) =>
      overrides?.get(l.name) ??
      mk('param', [], { name: l.name, role: 'param' }, { shape: l.shape, dtype: l.dtype }),
  );
  if (leaves.length === 1) return leaves[0];
  if (p.mask) return maskedParamNode(p, leaves);
  return mk('concat', leaves, { axis: p.rows!.axis });
}

export interface CallEnv {
  /** Total training steps, visible to schedules as `steps`. */
  totalSteps: number;
  /** `model.load(path, config: {...})` for a model declaration (elaborate/checkpoint.ts). */
  load?: (decl: DeclV, args: Args) => Value;
  /** Switch train-only behaviour (dropout); returns the previous setting. */
  setTraining?: (on: boolean) => boolean;
  /** Values standing in for parameter leaves (a `gradient` body's `loss(trainable + eps * z)`). */
  overrides?: ReadonlyMap<string, Node>;
  /**
   * Calls of fns with a `backward` rule are wrapped in custom_vjp markers (trace/custom-backward.ts).
   * Set only while tracing a loss that autodiff will differentiate (and whose graph the training
   * build then strips), so forward-only graphs, generation and calibration never hold markers.
   */
  customBackward?: boolean;
  /** Hidden-state taps: the outputs of modules whose path passes `test`, in call order. */
  tap?: { test: (path: string) => boolean; found: { path: string; value: Value }[] };
}

/** An interpreter whose calls and member accesses understand modules and declarations. */
export function makeInterp(env: CallEnv): Interp {
  const it: Interp = new Interp({
    call: (f, args) => callValue(f, args, it, env),
    member: (obj, name) => memberOf(obj, name, env),
  });
  return it;
}

function callValue(f: Value, args: Args, it: Interp, env: CallEnv): Value | undefined {
  if (typeof f !== 'object' || !('kind' in f)) return undefined;
  if (f.kind === 'module') return forward(f.inst, args, it, env);
  if (f.kind === 'decl') return callDecl(f, new Map(), args, it, env);
  if (f.kind === 'applied') return callDecl(f.decl, f.args, args, it, env);
  if (f.kind === 'namespace' && f.members.has(f.name)) return it.call(f.members.get(f.name)!, args);
  return undefined;
}

const required = (d: DeclV) => d.decl.params.filter((p) => !p.default).length;

function callDecl(d: DeclV, bound: Map<string, Value>, args: Args, it: Interp, env: CallEnv): Value {
  const decl = d.decl;
  const merged: Args = {
    positional: args.positional,
    named: new Map([...bound, ...args.named]),
    span: args.span,
  };
  const formals = decl.params.map((p) => ({ name: p.name.name, default: p.default }));
  const run = (extra?: (s: Scope) => void) => {
    const scope = d.scope.child();
    extra?.(scope);
    bindFormals(formals, merged, scope, it, decl.name.name);
    return it.withStmtHook(undefined, () => it.evalBody((decl as A.FnDecl).body, scope));
  };
  switch (decl.kind) {
    case 'FnDecl': {
      // A `backward` rule takes effect only where a gradient will be taken (env.customBackward).
      const fn = decl as A.FnDecl;
      if (!fn.backward || !env.customBackward) return run();
      const scope = d.scope.child();
      bindFormals(formals, merged, scope, it, decl.name.name);
      const out = it.withStmtHook(undefined, () => it.evalBody(fn.body, scope));
      return withCustomBackward(fn, scope, out, it);
    }
    case 'LossDecl':
      // `causal_lm` as a value is the loss; `dpo(beta: 0.2)` binds options; (model, batch) runs it.
      return args.positional.length >= required(d) && args.positional.length > 0 ? run() : applied(d, merged);
    case 'ScheduleDecl': {
      // `cosine(warmup: 20)` binds options; `schedule(step)` evaluates it at `step`.
      if (args.positional.length === 0) return applied(d, merged);
      const step = args.positional[0];
      const rest: Args = { ...merged, positional: [] };
      const scope = d.scope.child();
      scope.define('step', isTensor(step) ? T.cast(step, 'f32') : step);
      scope.define('steps', env.totalSteps);
      bindFormals(formals, rest, scope, it, decl.name.name);
      return it.withStmtHook(undefined, () => it.evalBody((decl as A.ScheduleDecl).body, scope));
    }
    default:
      if (args.positional.length > 0) {
        // Positional config (`linear(4, 8)`) is bound by name now so the spec is self-contained.
        const named = new Map(merged.named);
        args.positional.forEach((v, i) => {
          if (i >= formals.length)
            err(
              TraceCodes.badArgument,
              `\`${decl.name.name}\` takes ${formals.length} argument(s)`,
              args.span,
            );
          named.set(formals[i].name, v);
        });
        return applied(d, { ...merged, named });
      }
      return applied(d, merged);
  }
}

const applied = (d: DeclV, a: Args): AppliedV => ({ kind: 'applied', decl: d, args: a.named });

/** Run a module's forward: the outermost `wrap` layer first, `base` reaching inward. */
export function forward(inst: ModuleInst, args: Args, it: Interp, env?: CallEnv): Value {
  // A frozen reference copy runs in eval mode (no dropout).
  const prev = inst.cloneOf && env?.setTraining ? env.setTraining(false) : undefined;
  try {
    const out = layer(inst, inst.wrappers.length - 1, args, it, env);
    if (env?.tap?.test(inst.path)) env.tap.found.push({ path: inst.path, value: out });
    return out;
  } finally {
    if (prev !== undefined) env!.setTraining!(prev);
  }
}

function layer(inst: ModuleInst, i: number, args: Args, it: Interp, env?: CallEnv): Value {
  if (i < 0) return baseForward(inst, args, it, env);
  const w = inst.wrappers[i];
  const scope = w.scope.child();
  if (inst.cloneRoot) remapToClone(inst.cloneRoot, w.scope, scope);
  bindFormals(
    w.params.map((name) => ({ name })),
    args,
    scope,
    it,
    `wrap ${inst.path}`,
  );
  scope.define('base', { kind: 'builtin', name: 'base', call: (a) => layer(inst, i - 1, a, it, env) });
  return it.withStmtHook(undefined, () => it.evalBody(w.body as A.Expr | A.Block, scope));
}

/** In a reference copy's wrapper, names bound to original modules (`m`) mean their copies. */
function remapToClone(cloneRoot: ModuleInst, from: Scope, into: Scope): void {
  const byOriginal = new Map<ModuleInst, ModuleInst>();
  const walk = (c: ModuleInst) => {
    if (c.cloneOf) byOriginal.set(c.cloneOf, c);
    for (const ch of c.children.values()) walk(ch);
  };
  walk(cloneRoot);
  const seen = new Set<string>();
  for (let s: Scope | undefined = from; s; s = s.parent)
    for (const name of s.ownNames()) {
      if (seen.has(name)) continue; // the nearest binding wins
      seen.add(name);
      const v = s.lookup(name);
      if (v && typeof v === 'object' && 'kind' in v && v.kind === 'module' && byOriginal.has(v.inst))
        into.define(name, { kind: 'module', inst: byOriginal.get(v.inst)! });
    }
}

function baseForward(inst: ModuleInst, args: Args, it: Interp, env?: CallEnv): Value {
  const decl = inst.decl as A.ModuleDecl;
  const fd = decl.body.stmts.find((s): s is A.ForwardDecl => s.kind === 'ForwardDecl');
  if (!fd) return err(TraceCodes.notCallable, `module \`${inst.kind}\` has no forward`, args.span);
  const scope = inst.scope!.child();
  for (const [k, p] of inst.params) scope.define(k, paramNode(p, env?.overrides));
  for (const [k, c] of inst.children) if (!k.includes('.')) scope.define(k, { kind: 'module', inst: c });
  for (const [k, items] of inst.arrays)
    scope.define(k, list(items.map((c): ModuleV => ({ kind: 'module', inst: c }))));
  bindFormals(
    fd.params.map((f) => ({ name: f.name.name, default: f.default })),
    args,
    scope,
    it,
    `${inst.kind}.forward`,
  );
  fd.params.forEach((f) => bindDims(f, scope.lookup(f.name.name)!, scope, it));
  return it.withStmtHook(undefined, () => it.evalBody(fd.body, scope));
}

/** Bind the symbolic dims of a tensor-typed formal from the argument's shape; check the rest. */
function bindDims(f: A.Formal, v: Value, scope: Scope, it: Interp): void {
  if (f.type?.kind !== 'TensorType' || !isTensor(v)) return;
  const dims = f.type.dims;
  const ell = dims.findIndex((d) => d.kind === 'EllipsisDim');
  const named = dims.filter((d): d is A.Expr => d.kind !== 'EllipsisDim');
  if (ell < 0 ? named.length !== v.shape.length : named.length > v.shape.length)
    err(
      TraceCodes.shapeMismatch,
      `\`${f.name.name}\` is declared ${f.type.dtype.name}[${dims.length} dims] but got ${fmtShape(v.shape)}`,
      f.span,
    );
  named.forEach((d, k) => {
    const axis = ell >= 0 && k >= ell ? v.shape.length - (named.length - k) : k;
    const actual = v.shape[axis];
    if (d.kind === 'Name' && !scope.has(d.name)) scope.define(d.name, actual);
    else {
      const want = it.eval(d, scope);
      if (typeof want === 'number' && want !== actual)
        err(
          TraceCodes.shapeMismatch,
          `\`${f.name.name}\`: axis ${axis} should be ${want}, got ${actual} (shape ${fmtShape(v.shape)})`,
          d.span,
        );
    }
  });
}

function memberOf(obj: Value, name: string, env: CallEnv): Value | undefined {
  if (typeof obj !== 'object' || !('kind' in obj)) return undefined;
  if (obj.kind === 'decl' && name === 'load' && obj.decl.kind === 'ModelDecl' && env.load) {
    const load = env.load;
    return { kind: 'builtin', name: `${obj.decl.name.name}.load`, call: (a) => load(obj, a) };
  }
  // `model.tokenizer` of a loaded model: the folder's tokenizer.json.
  if (obj.kind === 'applied' && obj.checkpoint && name === 'tokenizer')
    return `${obj.checkpoint}/tokenizer.json`;
  if (obj.kind === 'module') {
    const inst = obj.inst;
    const p = inst.params.get(name);
    if (p) return paramNode(p, env.overrides);
    const c = inst.children.get(name);
    if (c) return { kind: 'module', inst: c };
    const arr = inst.arrays.get(name);
    if (arr) return list(arr.map((m): ModuleV => ({ kind: 'module', inst: m })));
    if (inst.config.has(name)) return inst.config.get(name) as Value;
    if (name === 'path') return inst.path;
    const names = [
      ...inst.params.keys(),
      ...inst.children.keys(),
      ...inst.arrays.keys(),
      ...inst.config.keys(),
    ];
    return err(
      TraceCodes.unknownName,
      `module \`${inst.path || inst.kind}\` (${inst.kind}) has no member \`${name}\``,
      undefined,
      `members: ${names.join(', ')}`,
    );
  }
  if (obj.kind === 'applied' && obj.args.has(name)) return obj.args.get(name);
  return undefined;
}

/** `has_param(m, "bias")`: whether module m has a parameter of that name (for optional biases). */
export const hasParam: BuiltinV = {
  kind: 'builtin',
  name: 'has_param',
  call: (a) => {
    const [m, name] = a.positional;
    if (typeof m !== 'object' || !('kind' in m) || m.kind !== 'module' || typeof name !== 'string')
      return err(TraceCodes.badArgument, '`has_param` takes a module and a parameter name', a.span);
    return m.inst.params.has(name);
  },
};

export { typeName };
