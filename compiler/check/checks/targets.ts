// Patterns a recipe passes to methods (`apply lora(targets: "blocks.*.attn.{q,v}")`) must
// match something in the recipe's model: a typo in a target list is the classic silent
// failure of fine-tuning configs (nothing gets adapted). Matching is lenient, because a
// method may use a pattern relative to a submodule (`b[tensors]`): a pattern passes when it
// matches any module or parameter path, or any suffix of one starting at a segment.
// Numeric segments (`blocks.3`) match any copy. When the model's declaration cannot be
// found statically, nothing is checked (elaboration checks again, FTL0403).

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import { compilePattern, expandBraces, suggestFor } from '../../elaborate/pattern.ts';
import { modelPaths } from '../module-tree.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';
import { sigOf } from '../signatures.ts';
import { flatStmts } from './flat-stmts.ts';

function modelDeclOf(
  value: A.Expr,
  ctx: CheckContext,
): { decl: A.ModelDecl | A.ModuleDecl; file: string } | undefined {
  // `gpt2.load("...")`, `gpt2(...)`, or `gpt2`
  let e = value;
  if (e.kind === 'Call') e = e.callee;
  if (e.kind === 'Member' && e.name.name === 'load') e = e.object;
  if (e.kind !== 'Name') return undefined;
  const sym = ctx.binding.refs.get(e)?.sym;
  const d = sym?.decl;
  if (!d || (d.kind !== 'ModelDecl' && d.kind !== 'ModuleDecl')) return undefined;
  return { decl: d, file: sym?.file ?? ctx.file };
}

const generalise = (p: string): string => p.replace(/(^|[.{,])\d+(?=$|[.},])/g, '$1*');

function checkBody(stmts: readonly A.Stmt[], model: ReturnType<typeof modelDeclOf>, ctx: CheckContext): void {
  const all = flatStmts(stmts);
  const field = all.find((s): s is A.Field => s.kind === 'Field' && s.key.name === 'model');
  const m = (field ? modelDeclOf(field.value, ctx) : undefined) ?? model;
  for (const s of all) {
    if (s.kind === 'StageDecl') checkBody(s.body.stmts, m, ctx);
    if (s.kind !== 'ApplyStmt' || !m) continue;
    const sig = sigOf(s.callee, ctx.binding);
    if (!sig) continue;
    let pos = 0;
    for (const a of s.args) {
      const p = a.name ? sig.params.find((q) => q.name === a.name!.name) : sig.params[pos++];
      const isPattern =
        p?.type !== undefined &&
        (p.type === 'pattern' ||
          (typeof p.type !== 'string' && p.type.kind === 'NamedType' && p.type.name.name === 'pattern'));
      if (!isPattern || a.value.kind !== 'StringLit') continue;
      const { modules, params } = modelPaths(m.decl, m.file, ctx.scopeOf);
      const paths = [...modules, ...params];
      if (paths.length === 0) continue;
      const suffixes = [
        ...new Set(paths.flatMap((path) => path.split('.').map((_, i, segs) => segs.slice(i).join('.')))),
      ];
      // every alternative of `{q,v}` must match: one that does not is a typo
      const alts = expandBraces(a.value.value);
      const dead = alts.find((alt) => !suffixes.some(compilePattern(generalise(alt))));
      if (dead === undefined) continue;
      const what = alts.length > 1 ? `\`${dead}\` (from \`${a.value.value}\`)` : `\`${dead}\``;
      const hint = suggestFor(dead, suffixes);
      ctx.report(
        diag(
          'pattern-no-match',
          `\`${p!.name}\`: ${what} matches nothing in model \`${m.decl.name.name}\``,
          a.value.span,
          hint ? { hint } : {},
        ),
      );
    }
  }
}

export function registerTargetChecks(r: CheckRegistry): void {
  r.register('RecipeDecl', (d, ctx) => checkBody(d.body.stmts, undefined, ctx));
}
