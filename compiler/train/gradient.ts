// Lowering a `gradient` declaration (a gradient estimator replacing backprop), e.g. MeZO's
//   gradient spsa(eps: float = 1e-3) {
//     let z = randn_like(trainable, seed: step)
//     let g = (loss(trainable + eps * z) - loss(trainable - eps * z)) / (2 * eps)
//     grad = g * z
//   }
// The body runs once with
//   trainable  the set of trainable parameter leaves (arithmetic applies per entry),
//   loss(P)    the recipe's loss traced with the parameters replaced by the set P,
//   step       the step input (i32 scalar, 1-based),
// and must assign `grad`: a parameter set with the same entries (or one tensor per leaf).
// No backward graph is built: the gradient is whatever the body computes.

import type * as A from '../../grammar/ast.ts';
import type { Node } from '../ir/node.ts';
import { TraceCodes } from '../trace/errors.ts';
import { bindFormals, err, type Interp } from '../trace/interp.ts';
import { isParamSet, typeName, type AppliedV } from '../trace/values.ts';

export function estimateGradients(
  est: AppliedV,
  trainable: readonly Node<'param'>[],
  lossAt: (overrides: ReadonlyMap<string, Node>) => Node,
  step: Node,
  it: Interp,
  span: A.Span,
): { grads: Node[]; losses: Node[] } {
  const decl = est.decl.decl;
  if (decl.kind !== 'GradientDecl')
    err(TraceCodes.badArgument, `\`gradient\` must be a gradient estimator, got ${typeName(est)}`, span);
  const scope = est.decl.scope.child();
  bindFormals(
    decl.params.map((f) => ({ name: f.name.name, default: f.default })),
    { positional: [], named: est.args, span },
    scope,
    it,
    decl.name.name,
  );
  const losses: Node[] = [];
  scope.define('trainable', { kind: 'params', items: new Map(trainable.map((p) => [p.arg.name, p])) });
  scope.define('step', step);
  scope.define('loss', {
    kind: 'builtin',
    name: 'loss',
    call: (a) => {
      const p = a.positional[0];
      if (!isParamSet(p))
        return err(
          TraceCodes.badArgument,
          '`loss(...)` in a gradient takes a parameter set such as `trainable + eps * z`',
          a.span,
        );
      const l = lossAt(p.items);
      losses.push(l);
      return l;
    },
  });
  it.withStmtHook(undefined, () => it.execStmts(decl.body.stmts, scope));
  const g = scope.lookup('grad');
  if (!isParamSet(g))
    return err(
      TraceCodes.badArgument,
      `a gradient must assign \`grad\` a parameter set (e.g. \`grad = g * z\`), got ${g === undefined ? 'nothing' : typeName(g)}`,
      decl.name.span,
    );
  const grads = trainable.map((p) => {
    const x = g.items.get(p.arg.name);
    if (!x || x.shape.join() !== p.shape.join())
      return err(
        TraceCodes.shapeMismatch,
        `\`grad\` has no entry of shape [${p.shape}] for \`${p.arg.name}\``,
        decl.name.span,
      );
    return x;
  });
  return { grads, losses };
}
