// Tracing a call of a fn that declares its own backward rule:
//
//   fn round_ste(x) = round(x) backward(g) = g
//   fn scaled(x, w, k: float) = k * x * w backward(g) = [k * g * w, k * g * x, 0]
//
// The body is traced as usual; its result is wrapped in a `custom_vjp` marker (ops.ts) whose
// inputs are the call's tensor arguments and whose pullback traces the rule's body with the
// fn's parameters bound to the same values as the forward call and the rule's one formal
// (`g`) bound to the incoming gradient node. Autodiff calls the pullback (at most once) and
// never differentiates the body, so whatever the rule reads from the forward (x, or only a
// mask of x) is all the backward keeps alive.
//
// The rule's value: one gradient per fn parameter in parameter order, a list when the fn
// has several (a bare tensor for a fn of one parameter). A tensor parameter's entry is a
// tensor of its shape, a number (broadcast over its shape) or 0 for "no gradient"; entries
// of host parameters (ints, floats, strings) are ignored, and an i32/bool tensor gets none.
// Shape or arity errors are TraceErrors at the rule's span (Diagnostics, not throws).

import type * as A from '../../grammar/ast.ts';
import { mk, sameShape, type Node } from '../ir/node.ts';
import { TraceCodes, fmtShape } from './errors.ts';
import { err, type Interp } from './interp.ts';
import * as T from './tensor.ts';
import { isTensor, typeName, type Scope, type Value } from './values.ts';

let nextId = 0;

/**
 * `result` (the traced body of `decl`, evaluated in `scope` where the formals are bound)
 * wrapped in a custom_vjp marker whose pullback is `decl.backward`.
 */
export function withCustomBackward(decl: A.FnDecl, scope: Scope, result: Value, it: Interp): Value {
  const bw = decl.backward!;
  const name = decl.name.name;
  if (!isTensor(result) || result.dtype !== 'f32')
    return err(
      TraceCodes.badArgument,
      `\`${name}\` has a backward rule, so it must return one f32 tensor, got ${typeName(result)}`,
      decl.name.span,
    );
  if (bw.params.length !== 1)
    return err(
      TraceCodes.badArgument,
      `the backward rule of \`${name}\` takes one gradient (its fn returns one tensor), got ${bw.params.length}`,
      bw.span,
    );
  // Tensor arguments become the marker's inputs; host arguments only parameterize the rule.
  const formals = decl.params.map((p) => p.name.name);
  const args = formals.map((f) => scope.lookup(f)!);
  formals.forEach((f, i) => {
    const v = args[i];
    if (typeof v === 'object' && 'kind' in v && v.kind === 'list' && v.items.some(isTensor))
      err(
        TraceCodes.unsupported,
        `\`${name}\` has a backward rule; its parameter \`${f}\` must be one tensor or a host value, not a list of tensors`,
        bw.span,
      );
  });
  const tensorAt = args.flatMap((v, i) => (isTensor(v) ? [i] : []));
  const inputs = tensorAt.map((i) => args[i] as Node);

  const pullback = (g: Node): (Node | null)[] => {
    const bs = scope.child();
    bs.define(bw.params[0].name.name, g);
    const v = T.withSpan(bw.span, () => it.withStmtHook(undefined, () => it.evalBody(bw.body, bs)));
    const entries = formals.length === 1 && !isList(v) ? [v] : isList(v) ? v.items : undefined;
    if (!entries || entries.length !== formals.length)
      return err(
        TraceCodes.shapeMismatch,
        `the backward rule of \`${name}\` must give ${formals.length} gradient(s), one per parameter (${formals.join(', ')}) in order, got ${typeName(v)}${isList(v) ? ` of ${v.items.length}` : ''}`,
        bw.span,
      );
    return tensorAt.map((i) => gradientFor(entries[i], args[i] as Node, formals[i], name, bw.span));
  };
  return mk('custom_vjp', [result, ...inputs], { fn: name, id: nextId++, pullback }, { span: T.spanNow() });
}

const isList = (v: Value): v is Extract<Value, { kind: 'list' }> =>
  typeof v === 'object' && 'kind' in v && v.kind === 'list';

/** The rule's entry for tensor parameter `x`, checked: a node of x's shape, or null. */
function gradientFor(e: Value, x: Node, formal: string, fn: string, span: A.Span): Node | null {
  if (x.dtype !== 'f32' || e === 0) return null;
  if (typeof e === 'number') return mk('const', [], { value: e }, { shape: x.shape, dtype: 'f32', span });
  if (!isTensor(e) || e.dtype !== 'f32' || !sameShape(e.shape, x.shape))
    return err(
      TraceCodes.shapeMismatch,
      `the backward rule of \`${fn}\` gives \`${formal}\` (f32${fmtShape(x.shape)}) a gradient of ${isTensor(e) ? `${e.dtype}${fmtShape(e.shape)}` : typeName(e)}`,
      span,
      'each entry must have its parameter’s shape (or be 0 for no gradient)',
    );
  return e;
}
