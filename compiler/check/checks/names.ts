// Checks on references: unknown names (with "did you mean"), and members of imported
// namespaces and model declarations that do not exist.

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import { didYouMean } from '../../diagnostics/suggest.ts';
import { modelMembers } from '../builtins.ts';
import type { CheckRegistry } from '../registry.ts';
import { stdlibImportsFor } from '../stdlib-index.ts';

export function registerNameChecks(r: CheckRegistry): void {
  r.register('Name', (n, ctx) => {
    if (n.name === '') return; // a hole left by syntax-error recovery
    const ref = ctx.binding.refs.get(n);
    if (!ref || ref.sym) return;
    const std = stdlibImportsFor(n.name);
    const hint =
      std.length > 0
        ? `\`${n.name}\` is in the stdlib: add \`import ${std[0]}\``
        : didYouMean(n.name, ref.scope.names());
    ctx.report(diag('unknown-name', `unknown name \`${n.name}\``, n.span, hint ? { hint } : {}));
  });

  r.register('Member', (m: A.Member, ctx) => {
    if (m.object.kind !== 'Name' || m.name.name === '') return;
    const sym = ctx.binding.refs.get(m.object)?.sym;
    if (sym?.kind === 'namespace' && sym.members && !sym.members.has(m.name.name)) {
      const hint = didYouMean(m.name.name, sym.members.keys());
      ctx.report(
        diag(
          'unknown-member',
          `\`${m.object.name}\` has no declaration \`${m.name.name}\``,
          m.name.span,
          hint ? { hint } : {},
        ),
      );
    }
    const isModel =
      sym?.kind === 'decl' && (sym.decl?.kind === 'ModelDecl' || sym.decl?.kind === 'ModuleDecl');
    if (isModel && !modelMembers.has(m.name.name)) {
      const hint =
        didYouMean(m.name.name, modelMembers.keys()) ??
        `a model declaration has ${[...modelMembers.keys()].map((k) => `\`${k}\``).join(', ')}`;
      ctx.report(
        diag('unknown-member', `\`${m.object.name}\` has no member \`${m.name.name}\``, m.name.span, {
          hint,
        }),
      );
    }
  });
}
