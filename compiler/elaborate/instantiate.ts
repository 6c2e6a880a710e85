// Instantiating a `module`/`model` declaration with its config: runs the body once on host
// values, collecting parameters (shape, dtype, init, trainable) and child modules into a
// ModuleInst. `forward` is not run here (the tracer runs it later, after methods edited
// the tree). `name[count] = m(...)` makes `count` children named `name.0`, `name.1`, ...
//
// Init specs: `zeros`, `ones`, `normal(mean:, std:)`, `uniform(low:, high:)`,
// `kaiming_uniform(a:)`, `const(value)` or a bare number; the default is normal(std: 0.02).

import type * as A from '../../grammar/ast.ts';
import type { DType } from '../ir/ops.ts';
import { TraceCodes } from '../trace/errors.ts';
import * as T from '../trace/tensor.ts';
import { bindFormals, err, type Interp } from '../trace/interp.ts';
import {
  isTensor,
  typeName,
  type AppliedV,
  type Args,
  type DeclV,
  type ModuleV,
  type Scope,
  type Value,
} from '../trace/values.ts';
import { joinPath, newModule, type InitSpec, type ModuleInst, type ParamSpec } from './tree.ts';

const isModuleDecl = (d: DeclV['decl']) => d.kind === 'ModuleDecl' || d.kind === 'ModelDecl';

/** The declaration and arguments an instantiation expression (`block(d, heads)`) evaluated to. */
export function asModuleSpec(v: Value, span: A.Span): AppliedV {
  if (typeof v === 'object' && 'kind' in v) {
    if (v.kind === 'applied' && isModuleDecl(v.decl.decl)) return v;
    if (v.kind === 'decl' && isModuleDecl(v.decl)) return { kind: 'applied', decl: v, args: new Map() };
  }
  return err(
    TraceCodes.badArgument,
    `expected a module instantiation such as \`linear(4, 8)\`, got ${typeName(v)}`,
    span,
  );
}

export function instantiate(spec: AppliedV, extra: Args | undefined, path: string, it: Interp): ModuleInst {
  const decl = spec.decl.decl;
  const args: Args = extra
    ? { positional: extra.positional, named: new Map([...spec.args, ...extra.named]), span: extra.span }
    : { positional: [], named: spec.args, span: decl.span };
  const scope = spec.decl.scope.child();
  bindFormals(
    decl.params.map((f) => ({ name: f.name.name, default: f.default })),
    args,
    scope,
    it,
    decl.name.name,
  );
  const inst = newModule(path, decl.name.name, decl, new Map());
  inst.scope = scope;
  const body = (decl as A.ModuleDecl).body;
  it.withStmtHook(
    (s, sc, itp) => moduleStmt(inst, s, sc, itp),
    () => it.execStmts(body.stmts, scope),
  );
  for (const name of scope.ownNames()) inst.config.set(name, scope.lookup(name));
  return inst;
}

function moduleStmt(inst: ModuleInst, s: A.Stmt, scope: Scope, it: Interp): boolean {
  switch (s.kind) {
    case 'ForwardDecl':
      return true;
    case 'ParamDecl': {
      if (s.owner) err(TraceCodes.unsupported, '`param owner.name` belongs in a method', s.span);
      if (s.when && it.eval(s.when, scope) !== true) return true;
      inst.params.set(s.name.name, paramSpec(joinPath(inst.path, s.name.name), s, scope, it));
      return true;
    }
    case 'SubmoduleDecl': {
      if (s.owner) err(TraceCodes.unsupported, '`module owner.name = ...` belongs in a method', s.span);
      const spec = asModuleSpec(it.eval(s.value, scope), s.value.span);
      if (s.count) {
        const n = it.num(it.eval(s.count, scope), s.count.span);
        const items: ModuleInst[] = [];
        for (let i = 0; i < n; i++) {
          const child = instantiate(spec, undefined, joinPath(inst.path, `${s.name.name}.${i}`), it);
          inst.children.set(`${s.name.name}.${i}`, child);
          items.push(child);
        }
        inst.arrays.set(s.name.name, items);
      } else
        inst.children.set(s.name.name, instantiate(spec, undefined, joinPath(inst.path, s.name.name), it));
      return true;
    }
    default:
      return false;
  }
}

/** A parameter declaration's spec: dims evaluated in `scope`, init evaluated as an init spec. */
export function paramSpec(name: string, s: A.ParamDecl, scope: Scope, it: Interp): ParamSpec {
  if (s.type.kind !== 'TensorType')
    err(TraceCodes.badArgument, 'a param needs a tensor type such as `f32[out, in]`', s.type.span);
  const shape = s.type.dims.map((d) => {
    if (d.kind === 'EllipsisDim')
      return err(TraceCodes.badArgument, 'a param shape cannot contain `...`', d.span);
    const v = it.eval(d, scope);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      err(
        TraceCodes.badArgument,
        `a param dimension must be a non-negative int, got ${typeof v === 'number' ? v : typeName(v)}`,
        d.span,
      );
    return v;
  });
  const dt = s.type.dtype.name;
  // f16 parameters are stored and computed as f32 (the IR has one float type).
  const dtype: DType = dt === 'i32' ? 'i32' : dt === 'bool' ? 'bool' : 'f32';
  return {
    name,
    shape,
    dtype,
    init: s.init ? initSpec(s.init, scope, it) : { kind: 'normal', mean: 0, std: 0.02 },
    trainable: s.trainable ?? true,
  };
}

export function initSpec(e: A.Expr, scope: Scope, it: Interp): InitSpec {
  const named = (n: string, args: Args | undefined): InitSpec => {
    const get = (k: string, i: number, d?: number): number => {
      const v = args?.named.get(k) ?? args?.positional[i] ?? d;
      if (typeof v !== 'number')
        return err(TraceCodes.badInit, `init \`${n}\` needs a number for \`${k}\``, e.span);
      return v;
    };
    switch (n) {
      case 'zeros':
        return { kind: 'zeros' };
      case 'ones':
        return { kind: 'ones' };
      case 'const':
        return { kind: 'const', value: get('value', 0) };
      case 'normal':
        return { kind: 'normal', mean: get('mean', 1, 0), std: get('std', 0, 0.02) };
      case 'uniform':
        return { kind: 'uniform', low: get('low', 0, -1), high: get('high', 1, 1) };
      case 'kaiming_uniform':
        return { kind: 'kaiming_uniform', a: get('a', 0, Math.sqrt(5)) };
    }
    return err(
      TraceCodes.badInit,
      `unknown init \`${n}\``,
      e.span,
      'inits: zeros, ones, const(v), normal(std:), uniform(low:, high:), kaiming_uniform(a:)',
    );
  };
  const INITS = ['zeros', 'ones', 'const', 'constant', 'normal', 'uniform', 'kaiming_uniform'];
  if (e.kind === 'Name' && INITS.includes(e.name))
    return named(e.name === 'constant' ? 'const' : e.name, undefined);
  if (e.kind === 'Call' && e.callee.kind === 'Name' && INITS.includes(e.callee.name))
    return named(e.callee.name === 'constant' ? 'const' : e.callee.name, it.args(e.args, scope, e.span));
  const v = it.eval(e, scope);
  // A host-computed init (compiler/features/host-init.ts: `init svd_init(m.weight, ...)`).
  if (typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'init') return v.spec;
  if (typeof v === 'number') return { kind: 'const', value: v };
  // Any other tensor expression: computed from the other parameters' initial values.
  if (isTensor(v)) return { kind: 'expr', node: v.dtype === 'f32' ? v : T.cast(v, 'f32') };
  return err(TraceCodes.badInit, `bad init: ${typeName(v)}`, e.span);
}

export const moduleValue = (inst: ModuleInst): ModuleV => ({ kind: 'module', inst });
