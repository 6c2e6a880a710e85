// From a recipe to the training graph: the entry point `compile()` calls.
//
//   buildTrainingGraph(src, { parse }) -> TrainingBuild {
//     graph       Graph: outputs { loss [, grad_norm] }, updates (params then optimizer state)
//     params      ParamEntry[]: every persistent leaf (model params, row slices, optimizer
//                 state) with shape, role, trainable flag and init
//     tree        the elaborated ModelTree (names, merge rules for export)
//     dataSpec    the data pipeline's stages and the per-step input fields
//     trainSpec   steps, log_every, clip, accumulate, ... from `train(...)`
//     initialValues(seed) -> Map<leaf name, Float32Array>  (params and state)
//     diagnostics
//   }
// Inputs of the graph: the batch fields (`tokens` i32[B, T], `loss_mask` f32[B, T] or
// `x`/`label`), `step` (i32 scalar, 1-based) and `seed` (i32 scalar, dropout) when used.
//
// Recipe statements: `model = ...`, `data = ...`, `loss = ...`, `optim = ...`, `apply m(...)`
// (in order, after the model is built), `train(steps:, log_every:, eval_every:, save:,
// clip:, accumulate:)`. Gradient accumulation over K micro-batches traces the loss once per
// micro-batch (rows k*B .. (k+1)*B of each input); cross-entropy terms are divided by the
// kept-token count of ALL micro-batches, so the summed loss equals the full-batch mean
// (other losses are averaged over micro-batches).

import type * as A from '../../grammar/ast.ts';
import { grad } from '../autodiff/grad.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { applyMethod } from '../elaborate/methods.ts';
import { initAll, initTensor } from '../elaborate/init.ts';
import type { ParseFn, Resolver, SourceFile } from '../elaborate/program.ts';
import { allParams, leavesOf, type InitSpec, type ModelTree, type RowRange } from '../elaborate/tree.ts';
import type { Graph } from '../ir/graph.ts';
import { mk, type Node } from '../ir/node.ts';
import type { DType, Shape } from '../ir/ops.ts';
import { TraceCodes, TraceError, toDiagnostic } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { record, typeName, type AppliedV, type Value } from '../trace/values.ts';
import { dataSpec, type DataSpec } from './data-spec.ts';
import { estimateGradients } from './gradient.ts';
import { lowerOptimizer, type StateInit } from './optimizer.ts';
import { modelTree, newSession, type Session } from './session.ts';

export interface ParamEntry {
  /** IR leaf name (`blocks.0.mlp.fc.weight`, `...#rows[0:16]`, `...:m` for state). */
  readonly name: string;
  /** The model parameter it belongs to (for state: the leaf it tracks). */
  readonly param: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly role: 'param' | 'state';
  readonly trainable: boolean;
  readonly init: InitSpec | StateInit;
  readonly slice?: RowRange;
  /** Added by a method (adapter-only checkpoints). */
  readonly added?: boolean;
  /** A frozen reference copy's parameter (`reference(model)`): not part of the model. */
  readonly reference?: boolean;
}

export interface TrainSpec {
  readonly steps: number;
  readonly logEvery: number;
  readonly evalEvery?: number;
  readonly save?: string;
  readonly clip?: number;
  readonly accumulate: number;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface TrainingBuild {
  readonly graph: Graph;
  readonly params: ParamEntry[];
  readonly tree: ModelTree;
  readonly dataSpec: DataSpec;
  readonly trainSpec: TrainSpec;
  readonly initialValues: (seed: number) => Map<string, Float32Array>;
  readonly diagnostics: Diagnostic[];
  /** The stage this graph trains (recipes with stages), and all stages in order. */
  readonly stage?: string;
  readonly stages: readonly string[];
}

export interface BuildOptions {
  parse?: ParseFn;
  resolve?: Resolver;
  /** Which recipe of the file (default: the first). */
  recipe?: string;
  /** Which stage of the recipe (default: the first, when it has stages). */
  stage?: string;
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

interface RecipeParts {
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
}

/**
 * Evaluate a recipe's statements into its parts (nothing is traced yet). With stages, the
 * parts are those of `stage` (default: the first): recipe-level fields overridden by the
 * stage's own, and the methods applied at recipe level and in every stage up to this one
 * (a model keeps its adapters from stage to stage; weights carry over by name at run time).
 */
function readRecipe(s: Session, decl: A.RecipeDecl, stage?: string): RecipeParts {
  const parts: RecipeParts = { applies: [], train: new Map(), span: decl.span, stages: [] };
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
  s.it.withStmtHook(
    (st, sc, it) => {
      if (st.kind === 'StageDecl') {
        parts.stages.push(st.name.name);
        if (done) return true;
        const isTarget = st.name.name === target;
        const prev = applyOnly;
        applyOnly = !isTarget;
        if (isTarget) parts.stage = st.name.name;
        it.execStmts(st.body.stmts, sc.child());
        applyOnly = prev;
        done = isTarget;
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

const asApplied = (v: Value): AppliedV | undefined =>
  typeof v === 'object' && 'kind' in v
    ? v.kind === 'applied'
      ? v
      : v.kind === 'decl'
        ? { kind: 'applied', decl: v, args: new Map() }
        : undefined
    : undefined;

function trainSpecOf(m: Map<string, Value>): TrainSpec {
  const n = (k: string, d?: number) => (typeof m.get(k) === 'number' ? (m.get(k) as number) : d);
  return {
    steps: n('steps', 100)!,
    logEvery: n('log_every', 10)!,
    evalEvery: n('eval_every'),
    save: typeof m.get('save') === 'string' ? (m.get('save') as string) : undefined,
    clip: n('clip'),
    accumulate: n('accumulate', 1)!,
    options: Object.fromEntries(m),
  };
}

export function buildTrainingGraph(
  src: SourceFile,
  opts: BuildOptions,
): TrainingBuild | { diagnostics: Diagnostic[] } {
  const s = newSession(src, opts);
  const recipe = src.program.decls.find(
    (d): d is A.RecipeDecl => d.kind === 'RecipeDecl' && (!opts.recipe || d.name.name === opts.recipe),
  );
  if (!recipe)
    return {
      diagnostics: [
        ...s.diagnostics,
        {
          code: TraceCodes.unknownName,
          severity: 'error',
          message: opts.recipe ? `no recipe \`${opts.recipe}\`` : 'the file has no recipe',
          span: src.program.span,
        },
      ],
    };
  let at: A.Span = recipe.span; // the recipe statement being processed, for library errors
  try {
    const parts = readRecipe(s, recipe, opts.stage);
    const trainSpec = trainSpecOf(parts.train);
    s.env.totalSteps = trainSpec.steps;
    if (!parts.model) err(TraceCodes.badArgument, 'the recipe needs `model = ...`', recipe.name.span);
    at = parts.modelSpan ?? recipe.span;
    const tree = modelTree(s, parts.model, undefined, at);
    for (const a of parts.applies) {
      const m = asApplied(a.callee);
      if (!m) err(TraceCodes.badArgument, `\`apply\` needs a method, got ${typeName(a.callee)}`, a.span);
      at = a.span;
      Object.assign(
        parts,
        T.withSpan(a.span, () => applyMethod(tree, m, a.span, s.it, parts)),
      );
    }
    at = recipe.span;
    // Methods may have supplied these (e.g. a method that sets `optim`).
    if (!parts.data) err(TraceCodes.badArgument, 'the recipe needs `data = ...`', recipe.name.span);
    if (!parts.loss) err(TraceCodes.badArgument, 'the recipe needs `loss = ...`', recipe.name.span);
    if (!parts.optim) err(TraceCodes.badArgument, 'the recipe needs `optim = ...`', recipe.name.span);
    const spec = dataSpec(parts.data, trainSpec.accumulate, recipe.span);
    const optim = asApplied(parts.optim);
    if (!optim)
      err(
        TraceCodes.badArgument,
        `\`optim\` must be an optimizer, got ${typeName(parts.optim)}`,
        recipe.span,
      );
    const estimator = parts.gradient === undefined ? undefined : asApplied(parts.gradient);
    if (parts.gradient !== undefined && !estimator)
      err(
        TraceCodes.badArgument,
        `\`gradient\` must be a gradient estimator, got ${typeName(parts.gradient)}`,
        recipe.span,
      );
    const built = trainingGraph(s, tree, parts.loss, optim, spec, trainSpec, recipe.span, estimator);
    return {
      ...built,
      tree,
      dataSpec: spec,
      trainSpec,
      diagnostics: s.diagnostics,
      stage: parts.stage,
      stages: parts.stages,
    };
  } catch (e) {
    if (e instanceof TraceError) return { diagnostics: [...s.diagnostics, toDiagnostic(e, at)] };
    throw e;
  }
}

/** The batch record of input nodes for rows [r0, r1) of each field. */
function batchRecord(spec: DataSpec, r0: number, r1: number): Value {
  const fields = new Map<string, Value>();
  for (const f of spec.fields) {
    const inp = T.input(f.name, f.shape, f.dtype);
    fields.set(f.name, r0 === 0 && r1 === f.shape[0] ? inp : T.sliceAxis(inp, 0, r0, r1));
  }
  return record(fields);
}

/** Trace the loss (with accumulation), differentiate, clip, lower the optimizer. */
export function trainingGraph(
  s: Session,
  tree: ModelTree,
  lossFn: Value,
  optim: AppliedV,
  spec: DataSpec,
  train: TrainSpec,
  span: A.Span,
  estimator?: AppliedV,
): { graph: Graph; params: ParamEntry[]; initialValues: (seed: number) => Map<string, Float32Array> } {
  const model: Value = { kind: 'module', inst: tree.root };
  const K = spec.microBatches;
  const B = spec.rows / K;
  const traceLoss = (k: number): Node => {
    const v = s.it.call(lossFn, {
      positional: [model, batchRecord(spec, k * B, (k + 1) * B)],
      named: new Map(),
      span,
    });
    const n = s.it.tensor(v, span);
    if (n.shape.length !== 0)
      err(TraceCodes.shapeMismatch, `the loss must be a scalar, got shape [${n.shape}]`, span);
    return T.cast(n, 'f32');
  };
  let loss: Node;
  if (estimator) {
    if (K !== 1) err(TraceCodes.unsupported, 'gradient estimators do not support `accumulate` yet', span);
    loss = T.constant(0); // replaced below by the mean of the estimator's loss evaluations
  } else if (K === 1) loss = traceLoss(0);
  else {
    // Pass 1 records each cross-entropy call's count per micro-batch; pass 2 divides call i
    // of every micro-batch by the sum of call i's counts over all micro-batches.
    const counts: Node[][] = [];
    for (let k = 0; k < K; k++) {
      const mine: Node[] = [];
      s.ctx.normalize = (c) => (mine.push(c), undefined);
      traceLoss(k);
      counts.push(mine);
    }
    const totals = counts[0].map((_, i) =>
      T.maximum(
        counts.map((c) => c[i]).reduce((a, b) => T.add(a, b)),
        1,
      ),
    );
    const parts: Node[] = [];
    for (let k = 0; k < K; k++) {
      let i = 0;
      s.ctx.normalize = () => totals[i++];
      parts.push(traceLoss(k));
    }
    s.ctx.normalize = undefined;
    const sum = parts.reduce((a, b) => T.add(a, b));
    loss = totals.length > 0 ? sum : T.div(sum, K);
  }

  const specs = [...allParams(tree.root), ...[...s.references.values()].flatMap((r) => allParams(r))];
  const leaves = specs.flatMap((p) => leavesOf(p).map((l) => ({ l, p })));
  const trainable = leaves
    .filter(({ l }) => l.trainable)
    .map(({ l }) => mk('param', [], { name: l.name, role: 'param' }, { shape: l.shape, dtype: l.dtype }));
  if (trainable.length === 0)
    err(
      TraceCodes.noTrainable,
      'no parameter is trainable',
      span,
      'check the `freeze`/`unfreeze` patterns of the applied methods',
    );
  const step = T.input('step', [], 'i32');
  let gs: Node[];
  if (estimator) {
    // No backward graph: the estimator's body computes the gradient from loss evaluations.
    const lossAt = (o: ReadonlyMap<string, Node>) => {
      s.env.overrides = o;
      try {
        return traceLoss(0);
      } finally {
        s.env.overrides = undefined;
      }
    };
    const est = estimateGradients(estimator, trainable, lossAt, step, s.it, span);
    gs = est.grads;
    // Reported loss: the mean of the perturbed evaluations (SPSA: L(θ) + O(eps²)).
    loss = est.losses.length
      ? T.div(
          est.losses.reduce((a, b) => T.add(a, b)),
          est.losses.length,
        )
      : traceLoss(0);
  } else {
    const grads = grad(loss, trainable);
    gs = trainable.map((p) => grads.get(p)!);
  }
  const outputs: Record<string, Node> = { loss };
  if (train.clip !== undefined && train.clip > 0) {
    // Global-norm clipping: g *= min(1, clip / (||g|| + 1e-6)).
    const sq = gs.map((g) => T.sum(T.mul(g, g))).reduce((a, b) => T.add(a, b));
    const norm = T.sqrt(sq);
    const scale = T.minimum(T.div(train.clip, T.add(norm, 1e-6)), 1);
    gs = gs.map((g) => T.mul(g, scale));
    outputs.grad_norm = norm;
  }
  const { updates, states } = lowerOptimizer(
    optim,
    trainable.map((node, i) => ({ node, grad: gs[i] })),
    step,
    s.it,
    span,
  );

  const params: ParamEntry[] = leaves.map(({ l, p }) => ({
    name: l.name,
    param: p.name,
    shape: l.shape,
    dtype: l.dtype,
    role: 'param',
    trainable: l.trainable,
    init: p.init,
    slice: l.slice,
    added: p.added,
    reference: p.reference,
  }));
  for (const st of states)
    params.push({
      name: st.name,
      param: st.of,
      shape: st.shape,
      dtype: 'f32',
      role: 'state',
      trainable: false,
      init: st.init,
    });
  const initialValues = (seed: number) => {
    const out = initAll(specs, seed);
    for (const st of states)
      out.set(
        st.name,
        st.init.kind === 'copy'
          ? Float32Array.from(out.get(st.init.from)!)
          : initTensor(st.init, st.shape, seed, 0),
      );
    return out;
  };
  return { graph: { outputs, updates }, params, initialValues };
}

export interface ForwardBuild {
  /** outputs: `output` = model(first batch field), `loss` = the recipe's loss (eval mode: no dropout). */
  readonly graph: Graph;
  readonly params: ParamEntry[];
  readonly tree: ModelTree;
  readonly dataSpec: DataSpec;
  readonly initialValues: (seed: number) => Map<string, Float32Array>;
  readonly diagnostics: Diagnostic[];
}

/** The recipe's model (methods applied) and loss as a forward-only graph, for eval and tests. */
export function buildForwardGraph(
  src: SourceFile,
  opts: BuildOptions,
): ForwardBuild | { diagnostics: Diagnostic[] } {
  const s = newSession(src, { ...opts, training: false });
  const recipe = src.program.decls.find(
    (d): d is A.RecipeDecl => d.kind === 'RecipeDecl' && (!opts.recipe || d.name.name === opts.recipe),
  );
  if (!recipe)
    return {
      diagnostics: [
        ...s.diagnostics,
        {
          code: TraceCodes.unknownName,
          severity: 'error',
          message: 'the file has no recipe',
          span: src.program.span,
        },
      ],
    };
  try {
    const parts = readRecipe(s, recipe, opts.stage);
    if (!parts.model || !parts.data)
      err(TraceCodes.badArgument, 'the recipe needs `model = ...` and `data = ...`', recipe.name.span);
    const tree = modelTree(s, parts.model, undefined, parts.modelSpan ?? recipe.span);
    for (const a of parts.applies) {
      const m = asApplied(a.callee);
      if (!m) err(TraceCodes.badArgument, `\`apply\` needs a method, got ${typeName(a.callee)}`, a.span);
      Object.assign(parts, applyMethod(tree, m, a.span, s.it, parts));
    }
    const spec = dataSpec(parts.data, 1, recipe.span);
    const batch = batchRecord(spec, 0, spec.rows);
    const model: Value = { kind: 'module', inst: tree.root };
    const first = (batch as { fields: Map<string, Value> }).fields.get(spec.fields[0].name)!;
    const outputs: Record<string, Node> = {
      output: s.it.tensor(
        s.it.call(model, { positional: [first], named: new Map(), span: recipe.span }),
        recipe.span,
      ),
    };
    if (parts.loss)
      outputs.loss = s.it.tensor(
        s.it.call(parts.loss, { positional: [model, batch], named: new Map(), span: recipe.span }),
        recipe.span,
      );
    const specs = [...allParams(tree.root), ...[...s.references.values()].flatMap((r) => allParams(r))];
    const params: ParamEntry[] = specs.flatMap((p) =>
      leavesOf(p).map((l) => ({
        name: l.name,
        param: p.name,
        shape: l.shape,
        dtype: l.dtype,
        role: 'param' as const,
        trainable: l.trainable,
        init: p.init,
        slice: l.slice,
        added: p.added,
        reference: p.reference,
      })),
    );
    const initialValues = (seed: number) => {
      const out = new Map<string, Float32Array>();
      for (const [k, v] of initAll(specs, seed)) out.set(k, v);
      return out;
    };
    return {
      graph: { outputs, updates: [] },
      params,
      tree,
      dataSpec: spec,
      initialValues,
      diagnostics: s.diagnostics,
    };
  } catch (e) {
    if (e instanceof TraceError) return { diagnostics: [...s.diagnostics, toDiagnostic(e, recipe.span)] };
    throw e;
  }
}
