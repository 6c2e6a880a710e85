// Shape checks: elementwise broadcasting and matmul inner dimensions of every binary
// expression whose operand shapes are statically known, and a forward/fn/loss result
// against its declared return type. Both shapes are in every message.

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import type { Binding } from '../bind.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';
import { ShapeInference, shapeOfType, showShape, type Shape } from '../shapes.ts';

const inference = new WeakMap<Binding, { inf: ShapeInference; reported: number }>();

function stateOf(ctx: CheckContext): { inf: ShapeInference; reported: number } {
  let s = inference.get(ctx.binding);
  if (!s) {
    s = { inf: new ShapeInference(ctx.binding), reported: 0 };
    inference.set(ctx.binding, s);
  }
  return s;
}

function flush(ctx: CheckContext): void {
  const s = stateOf(ctx);
  for (; s.reported < s.inf.errors.length; s.reported++) {
    const e = s.inf.errors[s.reported]!;
    ctx.report(diag('shape-mismatch', e.message, e.node.span));
  }
}

/** Declared and inferred result shapes agree, aligned from the right (`...` matches anything). */
function agrees(declared: Shape, actual: Shape): boolean {
  let i = declared.length - 1;
  let j = actual.length - 1;
  for (; i >= 0 && j >= 0; i--, j--) {
    if (declared[i] === '...' || actual[j] === '...') return true;
    if (declared[i] !== actual[j]) return false;
  }
  return (i < 0 || declared[0] === '...') && (j < 0 || actual[0] === '...');
}

function resultsOf(body: A.Expr | A.Block): A.Expr[] {
  if (body.kind !== 'Block') return [body];
  return body.stmts
    .filter((s): s is A.ReturnStmt => s.kind === 'ReturnStmt' && s.value !== undefined)
    .map((s) => s.value!);
}

function checkReturn(
  what: string,
  returnType: A.TypeExpr | undefined,
  body: A.Expr | A.Block,
  ctx: CheckContext,
): void {
  const declared = shapeOfType(returnType);
  if (!declared) return;
  const { inf } = stateOf(ctx);
  for (const r of resultsOf(body)) {
    const actual = inf.of(r);
    flush(ctx);
    if (actual && !agrees(declared, actual)) {
      ctx.report(
        diag(
          'shape-mismatch',
          `${what} returns ${showShape(actual)}, but is declared to return ${showShape(declared)}`,
          r.span,
        ),
      );
    }
  }
}

export function registerShapeChecks(r: CheckRegistry): void {
  r.register('Binary', (b, ctx) => {
    stateOf(ctx).inf.of(b);
    flush(ctx);
  });
  r.register('Call', (c, ctx) => {
    stateOf(ctx).inf.of(c);
    flush(ctx);
  });
  r.register('ForwardDecl', (f, ctx) => checkReturn('`forward`', f.returnType, f.body, ctx));
  r.register('FnDecl', (f, ctx) => checkReturn(`\`${f.name.name}\``, f.returnType, f.body, ctx));
  r.register('LossDecl', (f, ctx) => checkReturn(`\`${f.name.name}\``, f.returnType, f.body, ctx));
}
