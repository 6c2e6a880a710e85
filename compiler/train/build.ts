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
import { stripCustomVjp } from '../autodiff/custom.ts';
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
import { typeName, type AppliedV, type Value } from '../trace/values.ts';
import { dataSpec, type DataSpec } from './data-spec.ts';
import { estimateGradients } from './gradient.ts';
import { lowerOptimizer, type StateInit } from './optimizer.ts';
import { asApplied, batchRecord, readRecipe, trainSpecOf, type StageDrop, type TrainSpec } from './recipe.ts';
import { modelTree, newSession, type Session } from './session.ts';

export { recipeStages, type TrainSpec } from './recipe.ts';
export { buildForwardGraph, type ForwardBuild } from './forward.ts';

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
  /** The methods this stage drops (`drop NAME [merged]`): the carry into it reads these. */
  readonly drops?: readonly StageDrop[];
}

export interface BuildOptions {
  parse?: ParseFn;
  resolve?: Resolver;
  /** Which recipe of the file (default: the first). */
  recipe?: string;
  /** Which stage of the recipe (default: the first, when it has stages). */
  stage?: string;
  /**
   * false: differentiate with respect to every f32 parameter, frozen ones included, and
   * keep their gradients as outputs `grad:<name>` (what a tape that knows nothing about
   * frozen weights computes). The baseline `--no-opt prune` compares against.
   */
  prune?: boolean;
  /** false: the recipe without its `apply` statements (full fine-tuning of the model). */
  methods?: boolean;
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
    for (const a of opts.methods === false ? [] : parts.applies) {
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
    const built = trainingGraph(s, tree, parts.loss, optim, spec, trainSpec, recipe.span, estimator, {
      prune: opts.prune !== false,
    });
    return {
      ...built,
      tree,
      dataSpec: spec,
      trainSpec,
      diagnostics: s.diagnostics,
      stage: parts.stage,
      stages: parts.stages,
      drops: parts.drops,
    };
  } catch (e) {
    if (e instanceof TraceError) return { diagnostics: [...s.diagnostics, toDiagnostic(e, at)] };
    throw e;
  }
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
  opt: { prune: boolean } = { prune: true },
): { graph: Graph; params: ParamEntry[]; initialValues: (seed: number) => Map<string, Float32Array> } {
  const model: Value = { kind: 'module', inst: tree.root };
  const K = spec.microBatches;
  const B = spec.rows / K;
  const traceLoss = (k: number): Node => {
    s.env.customBackward = true; // fns with a `backward` rule become custom_vjp markers
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
  const unpruned: Record<string, Node> = {};
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
    // Unpruned (`--no-opt prune`): frozen f32 parameters are differentiated too, their
    // gradients kept alive as outputs nobody reads, so the whole backward is computed.
    const frozen = opt.prune
      ? []
      : leaves
          .filter(({ l }) => !l.trainable && l.dtype === 'f32')
          .map(({ l }) =>
            mk('param', [], { name: l.name, role: 'param' }, { shape: l.shape, dtype: l.dtype }),
          );
    const grads = grad(loss, [...trainable, ...frozen]);
    gs = trainable.map((p) => grads.get(p)!);
    for (const p of frozen) unpruned[`grad:${p.arg.name}`] = grads.get(p)!;
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
  Object.assign(outputs, unpruned);
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
  // Autodiff has read the custom_vjp markers; nothing after it may see one (ops.ts).
  return { graph: stripCustomVjp({ outputs, updates }), params, initialValues };
}
