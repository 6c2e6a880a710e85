// Reading a recipe: its statements evaluated into parts (model, data, loss, optim,
// gradient, applied methods, train options), per stage, before anything is traced.
//
// With stages, the parts are those of one stage (default: the first): recipe-level fields
// overridden by the stage's own, and the methods applied at recipe level and in every stage
// up to this one, less those a stage up to this one removed with `drop NAME` (matched by
// method declaration). `train(...)` options become a TrainSpec.

import * as A from '../../grammar/ast.ts';
import { TraceCodes, TraceError } from '../trace/errors.ts';
import { err, type Interp } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { record, type AppliedV, type DeclV, type Value } from '../trace/values.ts';
import type { DataSpec } from './data-spec.ts';
import type { Session } from './session.ts';

export interface TrainSpec {
  readonly steps: number;
  readonly logEvery: number;
  readonly evalEvery?: number;
  readonly save?: string;
  readonly clip?: number;
  readonly accumulate: number;
  /** Re-run the methods' selection every n steps inside the stage (runtime/train/reselect.ts). */
  readonly reselectEvery?: number;
  /** Batches of gradient statistics a re-selection computes when its selection reads them. */
  readonly reselectBatches: number;
  readonly options: Readonly<Record<string, unknown>>;
}

/** The stage names of a recipe, in order (empty when it has none). */
export function recipeStages(program: A.Program, recipe?: string): string[] {
  const r = program.decls.find(
    (d): d is A.RecipeDecl => d.kind === 'RecipeDecl' && (!recipe || d.name.name === recipe),
  );
  return r
    ? r.body.stmts.filter((st): st is A.StageDecl => st.kind === 'StageDecl').map((st) => st.name.name)
    : [];
}

export interface RecipeParts {
  model?: Value;
  modelSpan?: A.Span;
  data?: Value;
  loss?: Value;
  optim?: Value;
  gradient?: Value;
  applies: { callee: Value; span: A.Span }[];
  train: Map<string, Value>;
  span: A.Span;
  /** Every stage of the recipe in order, and the one these parts are for. */
  stages: string[];
  stage?: string;
  /** The methods this stage drops (`drop NAME [merged]`), for the carry from the previous stage. */
  drops: StageDrop[];
}

/** `drop NAME` / `drop NAME merged` in the stage being built. */
export interface StageDrop {
  readonly method: A.MethodDecl;
  /** `method` and the methods it applies in its body (transitively): their merge rules fold. */
  readonly methods: readonly A.MethodDecl[];
  /** Fold the method's parameters into the base weights (its `merge` rules) when carrying. */
  readonly merged: boolean;
  readonly span: A.Span;
}

/** Does merge rule `body` (an AST expression) lie in `method`'s declaration? */
export const ruleOf = (method: A.MethodDecl, body: unknown): boolean => {
  const sp = (body as { span?: A.Span }).span;
  return (
    sp !== undefined &&
    sp.file === method.span.file &&
    sp.start >= method.span.start &&
    sp.end <= method.span.end
  );
};

/**
 * Evaluate a recipe's statements into its parts (nothing is traced yet). With stages, the
 * parts are those of `stage` (default: the first): recipe-level fields overridden by the
 * stage's own, and the methods applied at recipe level and in every stage up to this one
 * (a model keeps its adapters from stage to stage; weights carry over by name at run time),
 * except those a `drop` in a stage up to this one removed.
 */
export function readRecipe(s: Session, decl: A.RecipeDecl, stage?: string): RecipeParts {
  const parts: RecipeParts = { applies: [], train: new Map(), span: decl.span, stages: [], drops: [] };
  const scope = s.scope.child();
  const all = decl.body.stmts
    .filter((st): st is A.StageDecl => st.kind === 'StageDecl')
    .map((st) => st.name.name);
  const target = stage ?? all[0];
  if (stage !== undefined && !all.includes(stage))
    err(
      TraceCodes.unknownName,
      `recipe \`${decl.name.name}\` has no stage \`${stage}\``,
      decl.name.span,
      all.length ? `stages: ${all.join(', ')}` : 'this recipe has no stages',
    );
  let applyOnly = false; // inside a stage before the target: only its methods count
  let done = false; // past the target stage
  let inTarget = false;
  let inStage = 0;
  s.it.withStmtHook(
    (st, sc, it) => {
      if (st.kind === 'StageDecl') {
        parts.stages.push(st.name.name);
        if (done) return true;
        const isTarget = st.name.name === target;
        const prev = applyOnly;
        applyOnly = !isTarget;
        if (isTarget) parts.stage = st.name.name;
        inTarget = isTarget;
        inStage++;
        it.execStmts(st.body.stmts, sc.child());
        inStage--;
        inTarget = false;
        applyOnly = prev;
        done = isTarget;
        return true;
      }
      if (st.kind === 'DropStmt') {
        if (!inStage) err(TraceCodes.badArgument, '`drop` goes in a stage', st.span, '`stage b { drop m }`');
        dropMethod(parts, st, it.eval(st.method, sc), inTarget, it);
        return true;
      }
      if (applyOnly && st.kind !== 'ApplyStmt') return true;
      if (st.kind === 'Field') {
        const v = it.eval(st.value, sc);
        const k = st.key.name;
        if (k === 'model') parts.modelSpan = st.span;
        if (k === 'model' || k === 'data' || k === 'loss' || k === 'optim' || k === 'gradient') parts[k] = v;
        else
          err(
            TraceCodes.unknownName,
            `unknown recipe field \`${k}\``,
            st.key.span,
            'fields: model, data, loss, optim, gradient',
          );
        sc.define(k, v);
        return true;
      }
      if (st.kind === 'ApplyStmt') {
        const callee = it.eval(st.callee, sc);
        const a = it.args(st.args, sc, st.span);
        parts.applies.push({
          callee: a.positional.length || a.named.size ? it.call(callee, a) : callee,
          span: st.span,
        });
        return true;
      }
      if (st.kind === 'TrainStmt') {
        for (const [k, v] of it.args(st.args, sc, st.span).named) parts.train.set(k, v);
        return true;
      }
      return false;
    },
    () => s.it.execStmts(decl.body.stmts, scope),
  );
  return parts;
}

/** Remove every earlier `apply` of the method `st` names (by declaration) from `parts`. */
function dropMethod(parts: RecipeParts, st: A.DropStmt, v: Value, inTarget: boolean, it: Interp): void {
  const dv = asApplied(v)?.decl;
  const m = dv?.decl;
  if (m?.kind !== 'MethodDecl')
    err(
      TraceCodes.badArgument,
      '`drop` needs a method',
      st.method.span,
      'write `drop NAME` with a method name',
    );
  const before = parts.applies.length;
  parts.applies = parts.applies.filter((a) => asApplied(a.callee)?.decl.decl !== m);
  if (parts.applies.length === before)
    err(
      TraceCodes.badArgument,
      `cannot drop \`${m.name.name}\`: no earlier stage applies it`,
      st.method.span,
      '`drop` removes a method an earlier stage applied: `stage a { apply m } stage b { drop m }`',
    );
  if (inTarget) parts.drops.push({ method: m, methods: composed(dv!, it), merged: st.merged, span: st.span });
}

/**
 * A method and every method its body applies, transitively (`apply other(...)` composes:
 * the merge rules it records are part of the method's). A callee that does not name a
 * declaration in the method's file scope (a formal, say) is skipped.
 */
function composed(root: DeclV, it: Interp): A.MethodDecl[] {
  const out: A.MethodDecl[] = [];
  const visit = (d: DeclV): void => {
    if (d.decl.kind !== 'MethodDecl' || out.includes(d.decl)) return;
    out.push(d.decl);
    A.walk(d.decl.body, (n) => {
      if (n.kind !== 'ApplyStmt') return;
      let callee: Value | undefined;
      try {
        callee = it.eval(n.callee, d.scope);
      } catch (e) {
        if (e instanceof TraceError) return; // not a top-level name of the method's file
        throw e;
      }
      const inner = callee === undefined ? undefined : asApplied(callee)?.decl;
      if (inner) visit(inner);
    });
  };
  visit(root);
  return out;
}

export const asApplied = (v: Value): AppliedV | undefined =>
  typeof v === 'object' && 'kind' in v
    ? v.kind === 'applied'
      ? v
      : v.kind === 'decl'
        ? { kind: 'applied', decl: v, args: new Map() }
        : undefined
    : undefined;

export function trainSpecOf(m: Map<string, Value>): TrainSpec {
  const n = (k: string, d?: number) => (typeof m.get(k) === 'number' ? (m.get(k) as number) : d);
  return {
    steps: n('steps', 100)!,
    logEvery: n('log_every', 10)!,
    evalEvery: n('eval_every'),
    save: typeof m.get('save') === 'string' ? (m.get('save') as string) : undefined,
    clip: n('clip'),
    accumulate: n('accumulate', 1)!,
    reselectEvery: n('reselect_every'),
    reselectBatches: n('reselect_batches', 2)!,
    options: Object.fromEntries(m),
  };
}

/** The batch record of input nodes for rows [r0, r1) of each field. */
export function batchRecord(spec: DataSpec, r0: number, r1: number): Value {
  const fields = new Map<string, Value>();
  for (const f of spec.fields) {
    const inp = T.input(f.name, f.shape, f.dtype);
    fields.set(f.name, r0 === 0 && r1 === f.shape[0] ? inp : T.sliceAxis(inp, 0, r0, r1));
  }
  return record(fields);
}
