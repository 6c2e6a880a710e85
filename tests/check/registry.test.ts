// The check registry is open: another phase (or a plugin) adds a check for a node kind and
// `check` runs it with the others, with names already bound.
import { describe, expect, it } from 'vitest';
import { check, defaultRegistry, memoryImportResolver } from '../../compiler/check/index.ts';
import { diag } from '../../compiler/diagnostics/catalogue.ts';
import { builtins } from '../../compiler/check/builtins.ts';
import { parse } from '../../grammar/index.ts';

describe('check registry', () => {
  it('runs extra checks keyed by node kind, with bindings available', () => {
    const r = defaultRegistry().register('Call', (c, ctx) => {
      if (
        c.callee.kind === 'Name' &&
        ctx.binding.refs.get(c.callee)?.sym?.kind === 'builtin' &&
        c.callee.name === 'print'
      ) {
        ctx.report(diag('unsupported', '`print` is for debugging only', c.span, { severity: 'warning' }));
      }
    });
    expect(r.kinds()).toContain('Call');
    const { ast } = parse('fn f(x) = print(x) + exp(x)\n', 'p.ftl');
    const ds = check(ast, { file: 'p.ftl', resolveImport: memoryImportResolver({}) }, r);
    expect(ds.map((d) => [d.code, d.severity, d.span?.col])).toEqual([['FTL0406', 'warning', 11]]);
  });

  it('reads builtin signatures from one table', () => {
    expect(builtins.get('softmax')?.params?.map((p) => `${p.name}${p.optional ? '?' : ''}`)).toEqual([
      'x',
      'axis?',
    ]);
    expect(builtins.get('zip')?.params?.[0]).toMatchObject({ name: 'xs', variadic: true });
    for (const b of builtins.values()) expect(b.doc.length).toBeGreaterThan(0);
  });
});
