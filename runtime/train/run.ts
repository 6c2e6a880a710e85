// `ftl run`: compile a recipe for a device, initialise its parameters, stream its data and
// train. Used by the CLI and by tests (which compare the CPU and WebGPU loss curves), so it
// prints nothing itself: progress goes through `onLog`, problems come back as diagnostics.
//
// Every compile goes through select.ts `compileSelected`: a stage's methods choose their
// trainable set from the weights and gradient statistics at that point (nothing trained yet
// at the start; the previous stage's at a stage change). With `train(reselect_every: n)` the
// choice is made again every n steps inside the stage: the stage is recompiled, weights and
// optimizer state carry over (reselect.ts carryWindow), and the step counter, schedule,
// data position, logging and checkpoints continue as if nothing happened (window.ts).

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CompileOptions, Compiled, Pass } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { writeSafetensors } from '../checkpoint/safetensors.ts';
import { load as loadState, save as saveState, type TrainingState } from '../checkpoint/state.ts';
import { f32 } from '../checkpoint/tensor.ts';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../device/index.ts';
import { MetricsLog, type MetricRecord } from '../metrics/log.ts';
import { FeedError, openFeeder } from './feed.ts';
import { gradientStats } from './grad-stats.ts';
import { NonFiniteLoss, trainLoop, type LoopResult } from './loop.ts';
import { carryWindow } from './reselect.ts';
import {
  captureState,
  checkResumable,
  restoredStore,
  savedSeed,
  savedSelection,
  writeRunInfo,
} from './resume.ts';
import {
  compileSelected,
  nStats,
  plainModel,
  startContext,
  peekFeeds,
  type SelectionContext,
  type SelectionRecord,
} from './select.ts';
import { fullParams, stageCarry, type ParamStore } from './stages.ts';
import { openWindow, readStore, snapshotOf } from './window.ts';

export interface RunOptions {
  device: 'webgpu' | 'cpu';
  /** Override the recipe's `train(steps: ...)`. */
  steps?: number;
  logEvery?: number;
  /** Parameter-initialisation seed. */
  seed?: number;
  /** Where metrics and the final weights go (default: the recipe's `save:`, else none). */
  out?: string;
  disable?: ReadonlySet<Pass>;
  recipe?: string;
  /** Reuse a device (tests); otherwise one is acquired and destroyed. */
  handle?: DeviceHandle;
  onLog?: (r: MetricRecord, line: string) => void;
  /** Continue from the training checkpoint in this folder (a `save:` folder or a step folder). */
  resume?: string;
  /** Train only this stage of a recipe with stages (default: every stage, in order). */
  stage?: string;
  /** Called after each re-selection (`train(reselect_every:)`), with the builds and stores around it. */
  onReselect?: (r: Reselection, detail: ReselectDetail) => void;
  /** Called when a stage of a multi-stage recipe starts. */
  onStage?: (name: string, index: number, count: number) => void;
}

/**
 * One re-selection: after which step; the recompile's time (parse to plan, the methods' own
 * host calibration included), the gradient statistics' time (0 when nothing read them) and
 * the new executor's load time (WebGPU: pipeline creation).
 */
export interface Reselection {
  step: number;
  compileMs: number;
  statsMs: number;
  loadMs: number;
}

/** What a re-selection saw and produced (for tests and tools). */
export interface ReselectDetail {
  prev: TrainingBuild;
  /** Every leaf of `prev` at the boundary. */
  prevStore: ParamStore;
  next: TrainingBuild;
  /** Every leaf of `next` as its first step starts. */
  start: ParamStore;
  /** The weights and gradient statistics the selection read. */
  record: SelectionRecord;
}

/** The previous stage of a multi-stage run: its build and final leaf values. */
interface Carry {
  build: TrainingBuild;
  store: ParamStore;
}

export interface RunResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Which device ran ("webgpu: llvmpipe … (opengles)"). */
  device?: string;
  compiled?: Compiled;
  loop?: LoopResult;
  dispatchesPerStep?: number;
  /** Final values of every persistent tensor (parameters and optimizer state). */
  params?: Map<string, Float32Array>;
  /** Final value of every leaf, unused frozen ones included (what the next stage carries from). */
  store?: ParamStore;
  outDir?: string;
  /** `train(reselect_every:)`: when each re-selection happened and what it cost. */
  reselections?: Reselection[];
  /** Per stage, for recipes with stages (the fields above are the last stage's). */
  stages?: { name: string; loop: LoopResult }[];
}

const runError = (code: string, message: string, hint?: string): Diagnostic => ({
  code,
  severity: 'error',
  message,
  hint,
});

export async function runRecipe(file: string, opts: RunOptions): Promise<RunResult> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      ok: false,
      diagnostics: [
        runError('FTL0001', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`, 'check the path'),
      ],
    };
  }
  let handle = opts.handle;
  if (opts.device === 'webgpu' && !handle) {
    const h = await acquireDevice();
    if (isDeviceError(h))
      return {
        ok: false,
        diagnostics: [runError('FTL0901', h.error, `${h.fix}; or train on the CPU with --device cpu`)],
      };
    handle = h;
  }
  try {
    const first = await runCompiled(file, source, opts, handle);
    const stages = first.compiled?.build?.stages ?? [];
    if (!first.ok || opts.stage || stages.length < 2) return first;
    // A recipe with stages: each stage compiles to its own graph and starts from the
    // previous stage's weights (runtime/train/stages.ts stageCarry: the parameters of a
    // method the stage drops do not carry; `drop m merged` folds them into the base
    // weights first); each writes to <out>/<stage>/.
    if (opts.resume)
      return {
        ok: false,
        diagnostics: [
          runError(
            'FTL0710',
            'resuming a recipe with stages is not supported yet',
            'resume one stage with --stage NAME',
          ),
        ],
      };
    let last = first;
    const done = [{ name: stages[0], loop: first.loop! }];
    for (let i = 1; i < stages.length; i++) {
      opts.onStage?.(stages[i], i, stages.length);
      const carry: Carry = { build: last.compiled!.build!, store: last.store ?? last.params! };
      const r = await runCompiled(file, source, { ...opts, stage: stages[i] }, handle, carry);
      if (!r.ok) return { ...r, stages: done };
      done.push({ name: stages[i], loop: r.loop! });
      last = r;
    }
    return { ...last, stages: done };
  } finally {
    if (handle && !opts.handle) handle.destroy();
  }
}

async function runCompiled(
  file: string,
  source: string,
  opts: RunOptions,
  handle?: DeviceHandle,
  carry?: Carry,
): Promise<RunResult> {
  const copts: CompileOptions = {
    recipe: opts.recipe,
    stage: opts.stage,
    disable: opts.disable,
    ...(handle ? { limits: handle.limits, isCPU: handle.isCPU } : {}),
  };
  let resumed: TrainingState | undefined;
  if (opts.resume) {
    const st = loadState(resolve(opts.resume));
    if (!st.ok) return { ok: false, diagnostics: st.diagnostics };
    resumed = st.value;
  }
  const seed = (resumed && savedSeed(resumed)) ?? opts.seed ?? 0;
  const dir = dirname(file);
  const statsMs: number[] = [];
  const timed = (f: () => ReadonlyMap<string, Float32Array>) => () => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      statsMs.push(performance.now() - t0);
    }
  };
  const plain = plainModel(source, file, { recipe: opts.recipe, stage: opts.stage }, seed);
  const snap = resumed && savedSelection(resumed);
  const ctx = startContext(plain, dir, carry, snap);
  let first0;
  try {
    first0 = compileSelected(source, file, copts, { ...ctx, grads: timed(ctx.grads) });
  } catch (e) {
    if (e instanceof FeedError) return { ok: false, diagnostics: e.diagnostics };
    throw e;
  }
  const compiled = first0.compiled;
  const build = compiled.build;
  if (!build || !compiled.graph || (handle && !compiled.plan))
    return { ok: false, diagnostics: compiled.diagnostics, compiled };
  const totalSteps = opts.steps ?? build.trainSpec.steps;
  if (resumed) {
    const why = checkResumable(resumed, build, opts.resume!, totalSteps);
    if (why.length) return { ok: false, compiled, diagnostics: why };
  }
  const init = build.initialValues(seed);
  const start0 = resumed
    ? restoredStore(init, resumed)
    : carry
      ? stageCarry(carry.build, carry.store, build, seed)
      : init;
  const opened = await openWindow(compiled, handle, start0, init, first0.record, snap?.step ?? 0);
  if (Array.isArray(opened)) return { ok: false, compiled, diagnostics: opened };
  let w = opened;

  const fed = openFeeder(build.dataSpec, dir, w.inputs.has('seed'));
  if (!fed.ok) return (w.exec.destroy(), { ok: false, compiled, diagnostics: fed.diagnostics });
  const feeder = fed.value;
  if (resumed && feeder.loader) {
    const r = feeder.loader.restore(resumed.data);
    if (!r.ok) return (w.exec.destroy(), { ok: false, compiled, diagnostics: r.diagnostics });
  }
  // `save:` is relative to the recipe's folder, like its data paths; --out to the cwd.
  const save = build.trainSpec.save;
  const baseOut = opts.out ?? (save !== undefined ? resolve(dirname(file), save) : undefined);
  const outDir = baseOut && build.stages.length > 1 ? join(baseOut, build.stage ?? build.stages[0]) : baseOut;
  const saveEvery = Number(build.trainSpec.options.save_every ?? 0);
  if (outDir)
    try {
      writeRunInfo(outDir, { recipe: resolve(file), name: opts.recipe ?? null, seed });
    } catch (e) {
      w.exec.destroy();
      return {
        ok: false,
        compiled,
        diagnostics: [runError('FTL0708', `cannot write to ${outDir}: ${(e as Error).message}`)],
      };
    }
  const every = build.trainSpec.reselectEvery ?? 0;
  if (every < 0 || !Number.isInteger(every))
    return (
      w.exec.destroy(),
      {
        ok: false,
        compiled,
        diagnostics: [
          runError(
            'FTL0401',
            `reselect_every must be a positive whole number of steps, got ${every}`,
            'train(reselect_every: 50) re-selects every 50 steps; leave it out to select once per stage',
          ),
        ],
      }
    );
  const reselections: Reselection[] = [];
  // Re-selection at the boundary after step b = step - 1: recompile with the current
  // weights and the gradient statistics of the next batches, carry, swap the executor.
  const reselect = async (step: number) => {
    const b = step - 1;
    if (every === 0 || b <= 0 || b % every !== 0 || b === w.selectedAt) return undefined;
    // A selection that read no weights or statistics (LoRA, a seeded random mask) would
    // choose the same set again: nothing to do.
    if (!w.record.readAny) return undefined;
    const store = await readStore(w);
    const prev = w;
    statsMs.length = 0;
    const r = compileSelected(source, file, copts, {
      weights: fullParams(prev.build, store),
      grads: timed(() => gradientStats(prev.build, store, peekFeeds(feeder, step, nStats(prev.build)))),
      seed,
    });
    const nb = r.compiled.build;
    if (!nb || !r.compiled.graph || (handle && !r.compiled.plan)) throw new FeedError(r.compiled.diagnostics);
    const nextInit = nb.initialValues(seed);
    const start = carryWindow(prev.build, store, nb, seed, { prev: prev.init, next: nextInit });
    const t1 = performance.now();
    const nw = await openWindow(r.compiled, handle, start, nextInit, r.record, b);
    const loadMs = performance.now() - t1;
    if (Array.isArray(nw)) throw new FeedError(nw);
    prev.exec.destroy();
    w = nw;
    const stats = statsMs.reduce((x, y) => x + y, 0);
    const info = {
      step: b,
      compileMs: +(r.ms - stats).toFixed(1),
      statsMs: +stats.toFixed(1),
      loadMs: +loadMs.toFixed(1),
    };
    reselections.push(info);
    opts.onReselect?.(info, { prev: prev.build, prevStore: store, next: nb, start, record: r.record });
    return nw.exec;
  };
  const log = new MetricsLog(outDir ? join(outDir, 'metrics.jsonl') : undefined);
  const first = (resumed?.step ?? 0) + 1;
  try {
    const loop = await trainLoop(w.exec, {
      steps: totalSteps - first + 1,
      firstStep: first,
      checkpointEvery: outDir && saveEvery > 0 ? saveEvery : undefined,
      onCheckpoint: async (step) => {
        const sel = every > 0 ? snapshotOf(w, plain.values()) : undefined;
        const state = await captureState(w.exec, w.build, step, feeder.loader, seed, sel);
        const saved = saveState(resolve(outDir!), state);
        if (!saved.ok) throw new FeedError(saved.diagnostics);
      },
      beforeStep: every > 0 ? reselect : undefined,
      logEvery: opts.logEvery ?? build.trainSpec.logEvery,
      tokensPerStep: feeder.tokensPerStep,
      // Only the inputs this graph reads (e.g. no `seed` without dropout).
      feed: (step) => Object.fromEntries(Object.entries(feeder.feed(step)).filter(([k]) => w.inputs.has(k))),
      log,
      onLog: opts.onLog,
    });
    const params = new Map<string, Float32Array>();
    for (const name of w.persistent) params.set(name, await w.exec.getParam(name));
    // Every leaf, frozen ones the step never reads included (a pruned LM head, a Locret
    // model's unused MLPs): the output folder holds the whole model, so export and
    // generation do not depend on what this recipe's graph happened to use.
    const store = await readStore(w);
    if (outDir) {
      const weights = Object.fromEntries(
        w.build.params
          .filter((p) => p.role === 'param' && !p.reference && store.has(p.name))
          .map((p) => [p.name, f32(p.shape, Float32Array.from(store.get(p.name)!))]),
      );
      const wr = writeSafetensors(resolve(outDir, 'model.safetensors'), weights, {
        metadata: { format: 'pt', producer: 'ftl' },
      });
      if (!wr.ok) return { ok: false, compiled: w.compiled, diagnostics: wr.diagnostics };
    }
    return {
      ok: true,
      diagnostics: w.compiled.diagnostics,
      device: w.exec.description,
      compiled: w.compiled,
      loop,
      dispatchesPerStep: w.exec.dispatchesPerStep,
      params,
      store,
      outDir,
      ...(every > 0 ? { reselections } : {}),
    };
  } catch (e) {
    if (e instanceof FeedError) return { ok: false, compiled: w.compiled, diagnostics: e.diagnostics };
    if (e instanceof NonFiniteLoss)
      return { ok: false, compiled: w.compiled, diagnostics: [runError('FTL0903', e.message)] };
    throw e;
  } finally {
    w.exec.destroy();
  }
}
