// Initialisations computed on the host at compile time from pretrained weights, usable as
// `param m.x: f32[...] init svd_init(m.weight, r: 8, part: "u")`. They read a parameter's
// value at initialisation (the checkpoint's data after `model.load`, otherwise its init
// drawn with seed 0, the same convention as compiler/features/selection.ts) and return an
// init of kind `data`, so the value is fixed at compile time and never re-derived.
//
//   svd_init(p, r:, part:)   top-r SVD of p[out, in] = U S V^T (float64 Jacobi, spectral.ts -> host-linalg.ts):
//                            part "u" -> U_r [out, r], "s" -> s_r [r], "vt" -> V_r^T [r, in],
//                            "us" -> U_r diag(s_r), "svt" -> diag(s_r) V_r^T
//   spectrum(p) -> [float]   all singular values of p, descending (for rank allocation)
//   copy_params(dst, src)    every parameter of module dst starts as the parameter at the
//                            same relative path in module src (same init, same stream, so
//                            the same value; a loaded checkpoint's data is shared): a
//                            trainable copy of a block (Control LLM's expansion)
//
// The parameter argument is a tensor from the model (`m.weight`).

import type * as A from '../../grammar/ast.ts';
import { initTensor, nameStream } from '../elaborate/init.ts';
import { allParams, type ModelTree, type ModuleInst, type ParamSpec } from '../elaborate/tree.ts';
import { arg, num } from '../trace/args.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import { isTensor, list, type Args, type Scope, type Value } from '../trace/values.ts';
import { topSvd } from './spectral.ts';

/** The model parameter a tensor value is (`m.weight`), or a diagnostic. */
export function paramOf(tree: ModelTree, v: Value | undefined, span: A.Span): ParamSpec {
  const name =
    v !== undefined && isTensor(v) && v.op === 'param' ? (v.arg as { name: string }).name : undefined;
  const p = allParams(tree.root).find((q) => q.name === name);
  if (!p) return err(TraceCodes.badArgument, 'expected a model parameter such as `m.weight`', span);
  return p;
}

/** A parameter's value at initialisation (see the header). */
export function initialValue(p: ParamSpec, span: A.Span): Float32Array {
  if (p.init.kind === 'expr')
    err(
      TraceCodes.unsupported,
      `\`${p.name}\` is initialised from other parameters; a host init needs a plain one`,
      span,
    );
  return initTensor(p.init, p.shape, 0, nameStream(p.stream ?? p.name));
}

/** An init of kind `data` (what `init <expr>` accepts from a host builtin). */
export const dataInit = (data: Float32Array, source: string): Value => ({
  kind: 'init',
  spec: { kind: 'data', data, source },
});

function matrixOf(tree: ModelTree, a: Args): { p: ParamSpec; w: Float32Array; rows: number; cols: number } {
  const p = paramOf(tree, arg(a, 0, 'p'), a.span);
  if (p.shape.length !== 2) err(TraceCodes.badArgument, `\`${p.name}\` is not a matrix`, a.span);
  return { p, w: initialValue(p, a.span), rows: p.shape[0], cols: p.shape[1] };
}

/** Parameters under a module by path relative to it, skipping the subtree `skip`. */
function relativeParams(m: ModuleInst, skip: ModuleInst, prefix = '', out = new Map<string, ParamSpec>()) {
  for (const [k, p] of m.params) out.set(prefix + k, p);
  for (const [k, c] of m.children) if (c !== skip) relativeParams(c, skip, `${prefix}${k}.`, out);
  return out;
}

function moduleArg(v: Value | undefined, what: string, span: A.Span): ModuleInst {
  if (typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'module') return v.inst;
  return err(TraceCodes.badArgument, `\`${what}\` must be a module`, span);
}

/** Define the host-init builtins in a method's scope. */
export function defineHostInitBuiltins(scope: Scope, tree: ModelTree): void {
  const def = (name: string, call: (a: Args) => Value) => scope.define(name, { kind: 'builtin', name, call });
  def('svd_init', (a) => {
    const { p, w, rows, cols } = matrixOf(tree, a);
    const r = num(a, 1, 'r');
    if (!Number.isInteger(r) || r < 1 || r > Math.min(rows, cols))
      err(TraceCodes.badArgument, `\`r\` must be an integer in 1 .. ${Math.min(rows, cols)}`, a.span);
    const part = arg(a, 2, 'part') ?? 'u';
    const { u, s, vt } = topSvd(w, rows, cols, r);
    let out: Float64Array;
    if (part === 'u') out = u;
    else if (part === 's') out = s;
    else if (part === 'vt') out = vt;
    else if (part === 'us') out = u.map((x, i) => x * s[i % r]);
    else if (part === 'svt') out = vt.map((x, i) => x * s[Math.floor(i / cols)]);
    else return err(TraceCodes.badArgument, '`part` is one of "u", "s", "vt", "us", "svt"', a.span);
    return dataInit(Float32Array.from(out), `svd_init(${p.name}, r: ${r}, part: ${part})`);
  });
  def('copy_params', (a) => {
    const dst = moduleArg(arg(a, 0, 'dst'), 'dst', a.span);
    const src = moduleArg(arg(a, 1, 'src'), 'src', a.span);
    const from = relativeParams(src, dst);
    for (const [k, p] of relativeParams(dst, src)) {
      const q = from.get(k);
      if (!q || q.shape.join() !== p.shape.join())
        return err(
          TraceCodes.badArgument,
          `\`${src.path}\` has no parameter \`${k}\` of shape [${p.shape}]`,
          a.span,
        );
      p.init = q.init;
      p.stream = q.stream ?? q.name;
    }
    return { kind: 'null' };
  });
  def('spectrum', (a) => {
    const { w, rows, cols } = matrixOf(tree, a);
    return list(Array.from(topSvd(w, rows, cols, Math.min(rows, cols)).s));
  });
}
