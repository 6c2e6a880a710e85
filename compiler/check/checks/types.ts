// Type checks that need no inference: type names and dtypes exist, declared defaults
// match their declared types, and literal patterns (freeze/unfreeze targets, `b["..."]`,
// pattern-typed defaults) are well formed.

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import { didYouMean } from '../../diagnostics/suggest.ts';
import { dtypes, typeNames } from '../builtins.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';
import { accepts, expectedName, patternProblem, typeName, valueType } from '../types.ts';

function checkPatternLit(e: A.Expr | undefined, ctx: CheckContext): void {
  if (e?.kind !== 'StringLit') return;
  const problem = patternProblem(e.value);
  if (problem) ctx.report(diag('bad-pattern', `bad pattern \`${e.value}\`: ${problem}`, e.span));
}

export function registerTypeChecks(r: CheckRegistry): void {
  r.register('NamedType', (t, ctx) => {
    const n = t.name.name;
    if (n === '' || typeNames.includes(n)) return;
    const parent = ctx.parentOf(t);
    if (parent?.kind === 'ForStmt') return; // a module kind (`for m: linear in ...`), matched by name
    const sym = ctx.fileScope.lookup(n);
    if (sym?.kind === 'decl' || sym?.kind === 'namespace') return;
    const hint = didYouMean(n, [...typeNames, ...dtypes.map((d) => `${d}[...]`)]);
    ctx.report(diag('unknown-type', `unknown type \`${n}\``, t.name.span, hint ? { hint } : {}));
  });

  r.register('TensorType', (t, ctx) => {
    const n = t.dtype.name;
    if (n === '' || dtypes.includes(n)) return;
    const hint = didYouMean(n, dtypes) ?? `element types are ${dtypes.join(', ')}`;
    ctx.report(diag('unknown-type', `unknown element type \`${n}\``, t.dtype.span, { hint }));
  });

  r.register('Formal', (f, ctx) => {
    if (!f.type || !f.default) return;
    const actual = valueType(f.default, ctx.binding);
    if (!accepts(f.type, actual)) {
      ctx.report(
        diag(
          'type-mismatch',
          `default of \`${f.name.name}\` is ${typeName(actual)}, but it is declared ${expectedName(f.type)}`,
          f.default.span,
        ),
      );
    } else if (f.type.kind === 'NamedType' && f.type.name.name === 'pattern') checkPatternLit(f.default, ctx);
  });

  r.register('LetStmt', (s, ctx) => {
    if (!s.type) return;
    const actual = valueType(s.value, ctx.binding);
    if (!accepts(s.type, actual)) {
      ctx.report(
        diag(
          'type-mismatch',
          `\`${s.name.name}\` is declared ${expectedName(s.type)}, but its value is ${typeName(actual)}`,
          s.value.span,
        ),
      );
    }
  });

  r.register('FreezeStmt', (s, ctx) => {
    checkPatternLit(s.target, ctx);
    if (s.target?.kind === 'Index')
      for (const i of s.target.items) if (i.kind === 'StringLit') checkPatternLit(i, ctx);
    if (
      s.target &&
      s.target.kind !== 'StringLit' &&
      s.target.kind !== 'Index' &&
      s.target.kind !== 'Name' &&
      s.target.kind !== 'Member'
    ) {
      ctx.report(
        diag(
          'type-mismatch',
          `\`${s.action}\` takes \`all\`, a pattern string, or \`module["pattern"]\``,
          s.target.span,
        ),
      );
    }
  });
}
