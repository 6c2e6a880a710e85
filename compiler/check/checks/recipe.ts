// Recipe structure: every `key = value` in a recipe or stage is a known key (a typo is an
// error with a suggestion, never silently ignored), no key is set twice in one body, and
// a recipe has a `model` (at its top or in every stage that trains).

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import { didYouMean } from '../../diagnostics/suggest.ts';
import { argumentAliases, recipeKeys } from '../builtins.ts';

const aliasHint = (key: string): string | undefined => {
  const k = argumentAliases[key]?.find((a) => recipeKeys.includes(a));
  return k ? `did you mean \`${k}\`? (\`${key}\` is spelled \`${k}\` here)` : undefined;
};
import type { CheckContext, CheckRegistry } from '../registry.ts';

/** Fields of a body, including those inside `for`/`if`, but not inside nested stages. */
function fieldsOf(stmts: readonly A.Stmt[], out: A.Field[] = []): A.Field[] {
  for (const s of stmts) {
    if (s.kind === 'Field') out.push(s);
    else if (s.kind === 'ForStmt') fieldsOf(s.body.stmts, out);
    else if (s.kind === 'IfStmt') {
      fieldsOf(s.then.stmts, out);
      if (s.else?.kind === 'Block') fieldsOf(s.else.stmts, out);
      else if (s.else) fieldsOf([s.else], out);
    }
  }
  return out;
}

function checkKeys(stmts: readonly A.Stmt[], ctx: CheckContext): void {
  const seen = new Map<string, A.Field>();
  for (const f of fieldsOf(stmts)) {
    const key = f.key.name;
    if (key === '') continue;
    if (!recipeKeys.includes(key)) {
      const hint =
        (didYouMean(key, [...recipeKeys, 'train']) === 'did you mean `train`?'
          ? '`train` is a statement: `train(steps: ...)`'
          : undefined) ??
        didYouMean(key, recipeKeys) ??
        aliasHint(key) ??
        `recipe keys are ${recipeKeys.map((k) => `\`${k}\``).join(', ')}; use \`let ${key} = ...\` for a local value`;
      ctx.report(diag('unknown-recipe-key', `unknown recipe key \`${key}\``, f.key.span, { hint }));
      continue;
    }
    const prev = seen.get(key);
    if (prev) {
      ctx.report(
        diag('duplicate-key', `\`${key}\` is set twice`, f.key.span, {
          notes: [{ message: 'first set here', span: prev.key.span }],
        }),
      );
    } else seen.set(key, f);
  }
}

const hasModel = (stmts: readonly A.Stmt[]): boolean => fieldsOf(stmts).some((f) => f.key.name === 'model');

function stagesOf(stmts: readonly A.Stmt[], out: A.StageDecl[] = []): A.StageDecl[] {
  for (const s of stmts) {
    if (s.kind === 'StageDecl') out.push(s);
    else if (s.kind === 'ForStmt') stagesOf(s.body.stmts, out);
    else if (s.kind === 'IfStmt') stagesOf(s.then.stmts, out);
  }
  return out;
}

export function registerRecipeChecks(r: CheckRegistry): void {
  r.register('RecipeDecl', (d, ctx) => {
    checkKeys(d.body.stmts, ctx);
    if (hasModel(d.body.stmts)) return;
    const stages = stagesOf(d.body.stmts);
    if (stages.length > 0 && stages.every((s) => hasModel(s.body.stmts))) return;
    ctx.report(
      diag('missing-recipe-key', `recipe \`${d.name.name}\` has no \`model\``, d.name.span, {
        hint: 'add `model = <model>.load("path")`',
      }),
    );
  });
  r.register('StageDecl', (s, ctx) => checkKeys(s.body.stmts, ctx));
}
