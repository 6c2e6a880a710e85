// Reading parameter values on the host inside a method body, so that a later stage can
// choose what to train from what an earlier stage learnt (LoFiT: the heads whose trained
// scales have the largest norm; any "localise, then tune" method).
//
//   value_of(p) -> [float]        p's current value, flat in row-major order. p is a
//       parameter of this stage's model (`m.weight`, a pattern matching one parameter), or
//       the exact name of a parameter an EARLIER STAGE trained that this stage's model does
//       not have (a method's own parameter such as "blocks.0.attn.lofit_a", dropped when the
//       next stage applies a different method). Current = the weights the runtime supplies
//       through selection.ts `withWeights` (the previous stage's final values), else the
//       value at initialisation.
//   group_norms(xs, groups) -> [float]   the L2 norm of each of `groups` equal consecutive
//       chunks of a flat list: the row norms of xs viewed as [groups, len / groups] (per-head
//       norms of an [H * dh] vector, per-output-row norms of a flattened [out, in] weight)
//
// Both are host computations at compile time (float64 sums); nothing enters the graph.

import type * as A from '../../grammar/ast.ts';
import type { ModelTree } from '../elaborate/tree.ts';
import { arg, num } from '../trace/args.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import { list, typeName, type Args, type Scope, type Value } from '../trace/values.ts';
import { currentValue, items, paramsOf, selectionWeights } from './selection.ts';

/** The flat value `value_of(v)` reads (see the header). */
export function valueOf(tree: ModelTree, v: Value | undefined, span: A.Span): Float32Array {
  if (v === undefined) return err(TraceCodes.badArgument, 'missing parameter argument', span);
  const ps = paramsOf(tree, v, span);
  if (ps.length === 1) return currentValue(ps[0], span);
  if (ps.length > 1)
    return err(
      TraceCodes.badArgument,
      `expected exactly one parameter, the pattern matches ${ps.length}`,
      span,
    );
  // Not in this stage's model: an earlier stage's parameter, by its exact name.
  const w = typeof v === 'string' ? selectionWeights()?.get(v) : undefined;
  if (w) return w;
  return err(
    TraceCodes.badArgument,
    `no parameter \`${typeof v === 'string' ? v : typeName(v)}\` in this model or in the weights of an earlier stage`,
    span,
    'a parameter another method adds (e.g. a scale vector) exists in this stage only if an earlier stage of the same recipe trained it',
  );
}

/** Row norms of xs viewed as [groups, xs.length / groups] (float64 sums). */
export function groupNorms(xs: ArrayLike<number>, groups: number): number[] {
  const n = xs.length / groups;
  return Array.from({ length: groups }, (_, g) => {
    let s = 0;
    for (let i = g * n; i < (g + 1) * n; i++) s += xs[i] * xs[i];
    return Math.sqrt(s);
  });
}

export function defineHostValueBuiltins(scope: Scope, tree: ModelTree): void {
  const def = (name: string, call: (a: Args) => Value) => scope.define(name, { kind: 'builtin', name, call });
  def('value_of', (a) => list(Array.from(valueOf(tree, arg(a, 0, 'p'), a.span))));
  def('group_norms', (a) => {
    const xs = items(arg(a, 0, 'xs'), 'xs', a.span);
    if (!xs.every((x) => typeof x === 'number'))
      return err(TraceCodes.badArgument, '`group_norms` needs a list of numbers', a.span);
    const groups = num(a, 1, 'groups');
    if (!Number.isInteger(groups) || groups < 1 || xs.length % groups !== 0)
      return err(
        TraceCodes.badArgument,
        `${xs.length} numbers do not split into ${groups} equal groups`,
        a.span,
        'groups must be a positive whole number dividing the list length (e.g. the number of heads)',
      );
    return list(groupNorms(xs as number[], groups));
  });
}
