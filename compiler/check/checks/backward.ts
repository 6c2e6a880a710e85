// Custom backward rules (`fn f(x, w) = body backward(g) = [dx, dw]`): the arity checks that
// need no tracing. The rule takes one gradient (a fn returns one tensor), and a rule whose
// value is a list literal (an expression body, or every `return` of a block body) gives
// one entry per fn parameter; a fn of several parameters whose rule is plainly a single
// tensor expression (arithmetic) is an error too. Shapes are checked when the rule is
// traced (compiler/trace/custom-backward.ts), also as diagnostics at the rule.

import { walk, type Expr, type FnDecl } from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';

const SINGLE = new Set<Expr['kind']>(['Binary', 'Unary', 'NumberLit', 'Transpose']);

function checkBackward(fn: FnDecl, ctx: CheckContext): void {
  const bw = fn.backward;
  if (!bw) return;
  if (bw.params.length !== 1)
    ctx.report(
      diag(
        'invalid-form',
        `the backward rule of \`${fn.name.name}\` takes one gradient, got ${bw.params.length}`,
        bw.span,
        { hint: 'write `backward(g) = ...`: g is the gradient of the fn’s result' },
      ),
    );
  const n = fn.params.length;
  const values: Expr[] = [];
  if (bw.body.kind === 'Block')
    walk(bw.body, (x) => {
      if (x.kind === 'ReturnStmt' && x.value) values.push(x.value);
    });
  else values.push(bw.body);
  for (const v of values) {
    const bad =
      v.kind === 'ListLit'
        ? v.items.length !== n && (n > 1 || v.items.length !== 1)
        : n > 1 && SINGLE.has(v.kind);
    if (bad)
      ctx.report(
        diag(
          'shape-mismatch',
          `the backward rule of \`${fn.name.name}\` must give ${n} gradient(s), one per parameter (${fn.params.map((p) => p.name.name).join(', ')})${v.kind === 'ListLit' ? `, got ${v.items.length}` : ', got one tensor'}`,
          v.span,
          { hint: 'a list in parameter order; 0 for a parameter that gets no gradient' },
        ),
      );
  }
}

export function registerBackwardChecks(r: CheckRegistry): void {
  r.register('FnDecl', checkBackward);
}
