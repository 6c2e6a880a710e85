// Compiling a stage with a selection context: the weights and gradient statistics that the
// selection builtins of its methods read (compiler/features/selection.ts withWeights), so a
// stage start, a re-selection inside a stage and a resume all choose the trainable set the
// same way.
//
//   compileSelected(source, file, opts, ctx) -> { compiled, record, ms }
//       ctx.weights: full values by parameter name (empty: nothing trained yet, the
//       builtins read initial values); ctx.grads: sum_b |dL_b/dW| by parameter name,
//       computed only if a selection reads it. `record` holds exactly the entries read.
//   denseBuild(source, file, opts) -> TrainingBuild   the recipe with its `apply`s removed:
//       the plain model, every parameter trainable; its gradient at initialisation is what a
//       first selection reads (no method has trained anything yet)
//   plainModel(source, file, opts, seed) -> { build(), values() }   denseBuild and its
//       initial full values, made on first use
//   startContext(plain, dir, carry?, snapshot?) -> SelectionContext   what a stage's first
//       compile reads: nothing trained and the plain model's gradient on the first batches;
//       the previous stage's weights and gradient; or, resuming, the checkpoint's snapshot
//   compileAtStart(source, file, opts, seed?) -> Compiled   a recipe as `ftl run` compiles its
//       first stage (for tools such as `ftl compile`: SpIEL's first selection needs gradients)
//   peekFeeds(feeder, step, n)   the inputs of steps step..step+n-1 without consuming them
//   firstFeeds(spec, dir, n)     the inputs of steps 1..n of a data spec

import { dirname } from 'node:path';
import { compile, type CompileOptions, type Compiled } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { withWeights } from '../../compiler/features/selection.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import type { DataSpec } from '../../compiler/train/data-spec.ts';
import type * as A from '../../grammar/ast.ts';
import { parse } from '../../grammar/index.ts';
import type { TypedArray } from '../cpu/index.ts';
import { FeedError, openFeeder, type Feeder } from './feed.ts';
import { gradientStats } from './grad-stats.ts';
import { TrackedMap } from './reselect.ts';
import type { SelectionSnapshot } from './resume.ts';
import { fullParams, type ParamStore } from './stages.ts';

export interface SelectionContext {
  weights: ReadonlyMap<string, Float32Array>;
  grads: () => ReadonlyMap<string, Float32Array>;
  /** The run's init seed: a selection's "initial value" of a parameter without a checkpoint. */
  seed?: number;
}

/** What a selection read: the statistics its trainable set is a function of. */
export interface SelectionRecord {
  weights: Map<string, Float32Array>;
  grads: Map<string, Float32Array>;
  /** Whether the selection read anything at all (if not, recompiling chooses the same set). */
  readAny: boolean;
}

export function compileSelected(
  source: string,
  file: string,
  opts: CompileOptions,
  ctx: SelectionContext,
): { compiled: Compiled; record: SelectionRecord; ms: number } {
  const weights = new TrackedMap(ctx.weights);
  const grads = new TrackedMap([], ctx.grads);
  const t0 = performance.now();
  const compiled = withWeights(weights, () => compile(source, file, opts), grads, ctx.seed ?? 0);
  const ms = performance.now() - t0;
  return {
    compiled,
    record: {
      weights: weights.readEntries(),
      grads: grads.computed ? grads.readEntries() : new Map(),
      readAny: weights.read.size > 0 || weights.listed || grads.read.size > 0 || grads.listed,
    },
    ms,
  };
}

/** The recipe without its methods (see the header). */
export function denseBuild(
  source: string,
  file: string,
  opts: { recipe?: string; stage?: string },
): TrainingBuild | { diagnostics: Diagnostic[] } {
  const parsed = parse(source, file);
  const strip = (b: A.Block): A.Block => ({
    ...b,
    stmts: b.stmts
      .filter((s) => s.kind !== 'ApplyStmt')
      .map((s) => (s.kind === 'StageDecl' ? { ...s, body: strip(s.body) } : s)),
  });
  const program: A.Program = {
    ...parsed.ast,
    decls: parsed.ast.decls.map((d) => (d.kind === 'RecipeDecl' ? { ...d, body: strip(d.body) } : d)),
  };
  const b = buildTrainingGraph({ file, program }, { parse, recipe: opts.recipe, stage: opts.stage });
  return b as TrainingBuild | { diagnostics: Diagnostic[] };
}

const asMap = (r: Record<string, ArrayLike<number>>) => new Map(Object.entries(r)) as Map<string, TypedArray>;

export function peekFeeds(feeder: Feeder, step: number, n: number): Map<string, TypedArray>[] {
  const pos = feeder.loader?.position();
  const out = Array.from({ length: n }, (_, i) => asMap(feeder.feed(step + i)));
  if (pos !== undefined) {
    const r = feeder.loader!.restore(pos);
    if (!r.ok)
      throw new Error(`cannot rewind the data after gradient statistics: ${r.diagnostics[0].message}`);
  }
  return out;
}

export function firstFeeds(spec: DataSpec, dir: string, n: number): Map<string, TypedArray>[] {
  const f = openFeeder(spec, dir);
  if (!f.ok) throw new Error(f.diagnostics.map((d) => d.message).join('; '));
  return peekFeeds(f.value, 1, n);
}

/** Batches of gradient statistics a selection over this build computes. */
export const nStats = (b: TrainingBuild) => Math.max(1, b.trainSpec.reselectBatches);

export interface PlainModel {
  build(): TrainingBuild;
  /** Its initial leaves (seeded). */
  store(): ParamStore;
  /** Initial full values by parameter name (what checkpoints diff selection weights against). */
  values(): Map<string, Float32Array>;
  readonly seed: number;
}

export function plainModel(
  source: string,
  file: string,
  opts: { recipe?: string; stage?: string },
  seed: number,
): PlainModel {
  let b: TrainingBuild | undefined;
  let st: ParamStore | undefined;
  let v: Map<string, Float32Array> | undefined;
  const build = () => {
    if (b) return b;
    const d = denseBuild(source, file, opts);
    if (!('graph' in d)) throw new FeedError(d.diagnostics);
    return (b = d);
  };
  const store = () => (st ??= build().initialValues(seed));
  return { build, store, values: () => (v ??= fullParams(build(), store())), seed };
}

export function startContext(
  plain: PlainModel,
  dir: string,
  carry?: { build: TrainingBuild; store: ParamStore },
  snapshot?: SelectionSnapshot,
): SelectionContext {
  if (snapshot)
    return {
      weights: snapshot.step > 0 ? new Map([...plain.values(), ...snapshot.weights]) : new Map(),
      grads: () => snapshot.grads,
      seed: plain.seed,
    };
  if (carry)
    return {
      weights: fullParams(carry.build, carry.store),
      seed: plain.seed,
      grads: () =>
        gradientStats(carry.build, carry.store, firstFeeds(carry.build.dataSpec, dir, nStats(carry.build))),
    };
  return {
    weights: new Map(),
    seed: plain.seed,
    grads: () =>
      gradientStats(
        plain.build(),
        plain.store(),
        firstFeeds(plain.build().dataSpec, dir, nStats(plain.build())),
      ),
  };
}

export function compileAtStart(source: string, file: string, opts: CompileOptions, seed = 0): Compiled {
  const plain = plainModel(source, file, { recipe: opts.recipe, stage: opts.stage }, seed);
  try {
    return compileSelected(source, file, opts, startContext(plain, dirname(file))).compiled;
  } catch (e) {
    if (e instanceof FeedError) return { diagnostics: e.diagnostics };
    throw e;
  }
}
