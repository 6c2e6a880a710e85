// A model tree (methods applied) from a recipe's `model = ...` and `apply ...` statements,
// without data, loss or optimizer: what `ftl init-model`, `ftl generate` and `ftl export`
// need. The caller gets the session too, so it can trace the model's forward itself (the
// generator sets a decode context on it first).
//
//   readModel(source, file, { recipe?, training?, setup? }) -> { session, tree } | diagnostics
// `setup(session)` runs before any statement is evaluated. User errors are diagnostics.

import type * as A from '../../grammar/ast.ts';
import { parse } from '../../grammar/index.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.ts';
import { applyMethod } from '../../compiler/elaborate/methods.ts';
import type { ModelTree } from '../../compiler/elaborate/tree.ts';
import { modelTree, newSession, type Session } from '../../compiler/train/session.ts';
import { TraceError, toDiagnostic } from '../../compiler/trace/errors.ts';
import type { AppliedV, Value } from '../../compiler/trace/values.ts';

export interface ModelSource {
  readonly session: Session;
  readonly tree: ModelTree;
}

export interface ReadModelOptions {
  recipe?: string;
  training?: boolean;
  setup?: (s: Session) => void;
}

const asApplied = (v: Value): AppliedV | undefined =>
  typeof v === 'object' && 'kind' in v
    ? v.kind === 'applied'
      ? v
      : v.kind === 'decl'
        ? { kind: 'applied', decl: v, args: new Map() }
        : undefined
    : undefined;

export function readModel(
  source: string,
  file: string,
  opts: ReadModelOptions = {},
): { ok: true; value: ModelSource } | { ok: false; diagnostics: Diagnostic[] } {
  const parsed = parse(source, file);
  if (hasErrors(parsed.diagnostics)) return { ok: false, diagnostics: [...parsed.diagnostics] };
  const s = newSession({ file, program: parsed.ast }, { parse, training: opts.training ?? false });
  opts.setup?.(s);
  const recipe = parsed.ast.decls.find(
    (d): d is A.RecipeDecl => d.kind === 'RecipeDecl' && (!opts.recipe || d.name.name === opts.recipe),
  );
  if (!recipe)
    return {
      ok: false,
      diagnostics: [
        {
          code: 'FTL0301',
          severity: 'error',
          message: 'no recipe to read the model from',
          span: parsed.ast.span,
        },
      ],
    };
  let at: A.Span = recipe.span;
  try {
    let model: Value | undefined;
    const applies: { m: Value; span: A.Span }[] = [];
    // Only `model = ...` and `apply ...` matter here; other statements are skipped unevaluated.
    s.it.withStmtHook(
      (st, sc, it) => {
        if (st.kind === 'Field') {
          if (st.key.name === 'model') {
            at = st.span;
            model = it.eval(st.value, sc);
            sc.define('model', model);
          }
          return true;
        }
        if (st.kind === 'ApplyStmt') {
          const callee = it.eval(st.callee, sc);
          const a = it.args(st.args, sc, st.span);
          applies.push({
            m: a.positional.length || a.named.size ? it.call(callee, a) : callee,
            span: st.span,
          });
          return true;
        }
        return st.kind === 'TrainStmt' || st.kind === 'StageDecl';
      },
      () => s.it.execStmts(recipe.body.stmts, s.scope.child()),
    );
    if (!model)
      return {
        ok: false,
        diagnostics: [
          {
            code: 'FTL0301',
            severity: 'error',
            message: 'the recipe has no `model = ...`',
            span: recipe.span,
          },
        ],
      };
    const tree = modelTree(s, model, undefined, at);
    for (const a of applies) {
      at = a.span;
      const m = asApplied(a.m);
      if (!m)
        return {
          ok: false,
          diagnostics: [
            { code: 'FTL0301', severity: 'error', message: '`apply` needs a method', span: a.span },
          ],
        };
      applyMethod(tree, m, a.span, s.it);
    }
    // Import problems (an unknown std module) are collected, not thrown.
    if (hasErrors(s.diagnostics)) return { ok: false, diagnostics: s.diagnostics };
    return { ok: true, value: { session: s, tree } };
  } catch (e) {
    if (e instanceof TraceError) return { ok: false, diagnostics: [...s.diagnostics, toDiagnostic(e, at)] };
    throw e;
  }
}
