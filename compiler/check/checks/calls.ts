// Argument checks for every call whose callee's parameters are known (signatures.ts):
// positional count, unknown and duplicate named arguments (with "did you mean"), missing
// required arguments, positional-after-named, declared argument types, and pattern syntax
// of arguments to `pattern` parameters. Also `apply m(...)` (a method) and `train(...)`.

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import { didYouMean } from '../../diagnostics/suggest.ts';
import { argumentAliases, trainParams } from '../builtins.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';
import { sigOf, type Signature } from '../signatures.ts';
import { accepts, expectedName, patternProblem, typeName, typeOfTypeExpr, valueType } from '../types.ts';

export function checkArgs(
  sig: Signature,
  args: readonly A.Arg[],
  leading: number,
  callSpan: A.Span,
  ctx: CheckContext,
): void {
  const notes = sig.declared ? [{ message: `\`${sig.name}\` is declared here`, span: sig.declared }] : [];
  const given = new Map<string, A.Arg | 'piped'>();
  let argErrors = 0;
  const report = ctx.report;
  ctx = { ...ctx, report: (d) => (argErrors++, report(d)) };
  const variadic = sig.params.findIndex((p) => p.variadic);
  let positional = leading;
  let sawNamed = false;
  if (leading > 0 && sig.params[0]) given.set(sig.params[0].name, 'piped');
  for (const a of args) {
    if (!a.name) {
      if (sawNamed) {
        ctx.report(diag('positional-after-named', 'a positional argument after a named one', a.span));
        continue;
      }
      const idx = variadic >= 0 ? Math.min(positional, variadic) : positional;
      const p = sig.params[idx];
      positional++;
      if (!p) {
        const n = sig.params.length;
        ctx.report(
          diag(
            'too-many-arguments',
            `\`${sig.name}\` takes ${n} argument${n === 1 ? '' : 's'}, but ${positional} were given`,
            a.value.span,
            {
              hint:
                n === 0
                  ? `\`${sig.name}\` takes no arguments`
                  : `its parameters are ${sig.params.map((q) => `\`${q.name}\``).join(', ')}`,
              notes,
            },
          ),
        );
        continue;
      }
      if (!p.variadic) given.set(p.name, a);
      checkType(sig, p.name, p.type, a, ctx);
      continue;
    }
    sawNamed = true;
    const name = a.name.name;
    const p = sig.params.find((q) => q.name === name && !q.variadic);
    if (!p) {
      const names = sig.params.map((q) => q.name);
      const alias = argumentAliases[name]?.find((n) => names.includes(n));
      const hint =
        didYouMean(name, names) ??
        (alias ? `did you mean \`${alias}\`? (\`${name}\` is spelled \`${alias}\` here)` : undefined) ??
        (sig.params.length
          ? `its parameters are ${sig.params.map((q) => `\`${q.name}\``).join(', ')}`
          : `\`${sig.name}\` takes no arguments`);
      ctx.report(
        diag('unknown-argument', `\`${sig.name}\` has no parameter \`${name}\``, a.name.span, {
          hint,
          notes,
        }),
      );
      continue;
    }
    if (given.has(name)) {
      ctx.report(diag('duplicate-argument', `argument \`${name}\` is given twice`, a.name.span));
      continue;
    }
    given.set(name, a);
    checkType(sig, name, p.type, a, ctx);
  }
  const missing = sig.params.filter((p) => p.required && !p.variadic && !given.has(p.name));
  // after another argument error (a typo'd name, ...) a "missing" one is mostly its echo
  if (missing.length > 0 && argErrors === 0) {
    const names = missing.map((p) => `\`${p.name}\``).join(', ');
    ctx.report(
      diag(
        'missing-argument',
        `\`${sig.name}\` needs argument${missing.length > 1 ? 's' : ''} ${names}`,
        callSpan,
        { notes },
      ),
    );
  }
}

function checkType(
  sig: Signature,
  param: string,
  type: Signature['params'][number]['type'],
  a: A.Arg,
  ctx: CheckContext,
): void {
  if (!type) return;
  const actual = valueType(a.value, ctx.binding);
  if (!accepts(type, actual)) {
    ctx.report(
      diag(
        'argument-type',
        `\`${param}\` of \`${sig.name}\` expects ${expectedName(type)}, got ${typeName(actual)}`,
        a.value.span,
      ),
    );
    return;
  }
  const isPattern =
    type === 'pattern' ||
    (typeof type !== 'string' && type.kind === 'NamedType' && type.name.name === 'pattern');
  if (isPattern && a.value.kind === 'StringLit') {
    const problem = patternProblem(a.value.value);
    if (problem)
      ctx.report(diag('bad-pattern', `bad pattern \`${a.value.value}\`: ${problem}`, a.value.span));
  }
}

const literalKinds: Partial<Record<A.Expr['kind'], string>> = {
  NumberLit: 'a number',
  StringLit: 'a string',
  BoolLit: 'a boolean',
  ListLit: 'a list',
  RecordLit: 'a record',
  Range: 'a range',
};

/** What a callee certainly is when it is not callable (a literal, a name bound to one, a dim). */
function notCallable(callee: A.Expr, ctx: CheckContext): string | undefined {
  const lit = literalKinds[callee.kind];
  if (lit) return lit;
  if (callee.kind !== 'Name') return undefined;
  const sym = ctx.binding.refs.get(callee)?.sym;
  if (sym?.kind === 'dim') return `dimension \`${sym.name}\``;
  if (sym?.kind === 'let' && sym.value && literalKinds[sym.value.kind])
    return `\`${sym.name}\` (${literalKinds[sym.value.kind]})`;
  if (
    sym?.kind === 'formal' &&
    sym.type &&
    ['int', 'float', 'bool', 'string', 'pattern'].includes(typeOfTypeExpr(sym.type))
  ) {
    return `\`${sym.name}\` (${typeOfTypeExpr(sym.type)})`;
  }
  return undefined;
}

export function registerCallChecks(r: CheckRegistry): void {
  r.register('Call', (c, ctx) => {
    const what = notCallable(c.callee, ctx);
    if (what) {
      ctx.report(diag('not-callable', `${what} cannot be called`, c.callee.span));
      return;
    }
    const sig = sigOf(c.callee, ctx.binding);
    if (sig) checkArgs(sig, c.args, ctx.binding.piped.has(c) ? 1 : 0, c.span, ctx);
  });

  // `x |> shuffle`: a bare callee on the right of a pipe is called with one argument
  r.register('Pipe', (p, ctx) => {
    if (p.right.kind === 'Call') return;
    const sig = sigOf(p.right, ctx.binding);
    if (sig) checkArgs(sig, [], 1, p.right.span, ctx);
  });

  r.register('ApplyStmt', (s, ctx) => {
    const sym = s.callee.kind === 'Name' ? ctx.binding.refs.get(s.callee)?.sym : undefined;
    if (sym?.kind === 'decl' && sym.decl && sym.decl.kind !== 'MethodDecl') {
      const what = sym.decl.kind.replace('Decl', '').toLowerCase();
      ctx.report(
        diag('type-mismatch', `\`apply\` takes a method, but \`${sym.name}\` is a ${what}`, s.callee.span),
      );
      return;
    }
    const sig = sigOf(s.callee, ctx.binding);
    if (sig) checkArgs(sig, s.args, 0, s.span, ctx);
  });

  r.register('TrainStmt', (s, ctx) => {
    const sig: Signature = {
      name: 'train',
      what: 'builtin',
      params: trainParams.map((p) => ({
        name: p.name,
        type: p.type,
        required: !p.optional,
        variadic: p.variadic,
      })),
    };
    checkArgs(sig, s.args, 0, s.span, ctx);
  });
}
