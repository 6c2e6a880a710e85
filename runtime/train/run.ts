// `ftl run`: compile a recipe for a device, initialise its parameters, stream its data and
// train. Used by the CLI and by tests (which compare the CPU and WebGPU loss curves), so it
// prints nothing itself: progress goes through `onLog`, problems come back as diagnostics.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { compile, type Compiled, type Pass } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import { writeSafetensors } from '../checkpoint/safetensors.ts';
import { f32 } from '../checkpoint/tensor.ts';
import { CpuExecutor } from '../cpu/executor.ts';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../device/index.ts';
import type { Executor } from '../executor.ts';
import { MetricsLog, type MetricRecord } from '../metrics/log.ts';
import { WebGPUExecutor } from '../webgpu/executor.ts';
import { load as loadState, save as saveState, type TrainingState } from '../checkpoint/state.ts';
import { FeedError, openFeeder } from './feed.ts';
import { carryInto, type ParamStore } from './stages.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { captureState, checkResumable, restoreState, savedSeed, writeRunInfo } from './resume.ts';
import { NonFiniteLoss, trainLoop, type LoopResult } from './loop.ts';

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
  /** Called when a stage of a multi-stage recipe starts. */
  onStage?: (name: string, index: number, count: number) => void;
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
  outDir?: string;
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
    // previous stage's weights (runtime/train/stages.ts); each writes to <out>/<stage>/.
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
      const carry: Carry = { build: last.compiled!.build!, store: last.params! };
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
  const compiled = compile(source, file, {
    recipe: opts.recipe,
    stage: opts.stage,
    disable: opts.disable,
    ...(handle ? { limits: handle.limits, isCPU: handle.isCPU } : {}),
  });
  const build = compiled.build;
  if (!build || !compiled.graph || (handle && !compiled.plan))
    return { ok: false, diagnostics: compiled.diagnostics, compiled };

  let exec: Executor;
  try {
    exec = handle
      ? await WebGPUExecutor.load(
          compiled.plan!,
          handle.device,
          `webgpu: ${handle.adapterName} (${handle.backend})`,
        )
      : new CpuExecutor(compiled.graph);
  } catch (e) {
    return {
      ok: false,
      compiled,
      diagnostics: [
        runError(
          'FTL0902',
          `the device rejected a generated kernel: ${(e as Error).message}`,
          'this is a compiler bug: please report it with `ftl compile --emit wgsl`',
        ),
      ],
    };
  }
  const persistent = new Set(leavesOf(compiled.graph, 'param').map((p) => p.arg.name));
  const inputNames = new Set(leavesOf(compiled.graph, 'input').map((n) => n.arg.name));
  const totalSteps = opts.steps ?? build.trainSpec.steps;
  let resumed: TrainingState | undefined;
  if (opts.resume) {
    const st = loadState(resolve(opts.resume));
    if (!st.ok) return (exec.destroy(), { ok: false, compiled, diagnostics: st.diagnostics });
    const why = checkResumable(st.value, build, opts.resume, totalSteps);
    if (why.length) return (exec.destroy(), { ok: false, compiled, diagnostics: why });
    resumed = st.value;
  }
  const seed = (resumed && savedSeed(resumed)) ?? opts.seed ?? 0;
  const initial = carry ? carryInto(carry.build, carry.store, build, seed) : build.initialValues(seed);
  for (const [name, value] of initial)
    if (persistent.has(name)) exec.setParam(name, Float32Array.from(value as ArrayLike<number>));
  if (resumed) restoreState(exec, resumed);

  const fed = openFeeder(build.dataSpec, dirname(file), inputNames.has('seed'));
  if (!fed.ok) return (exec.destroy(), { ok: false, compiled, diagnostics: fed.diagnostics });
  const feeder = fed.value;
  if (resumed && feeder.loader) {
    const r = feeder.loader.restore(resumed.data);
    if (!r.ok) return (exec.destroy(), { ok: false, compiled, diagnostics: r.diagnostics });
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
      exec.destroy();
      return {
        ok: false,
        compiled,
        diagnostics: [runError('FTL0708', `cannot write to ${outDir}: ${(e as Error).message}`)],
      };
    }
  const log = new MetricsLog(outDir ? join(outDir, 'metrics.jsonl') : undefined);
  const first = (resumed?.step ?? 0) + 1;
  try {
    const loop = await trainLoop(exec, {
      steps: totalSteps - first + 1,
      firstStep: first,
      checkpointEvery: outDir && saveEvery > 0 ? saveEvery : undefined,
      onCheckpoint: async (step) => {
        const saved = saveState(resolve(outDir!), await captureState(exec, build, step, feeder.loader, seed));
        if (!saved.ok) throw new FeedError(saved.diagnostics);
      },
      logEvery: opts.logEvery ?? build.trainSpec.logEvery,
      tokensPerStep: feeder.tokensPerStep,
      // Only the inputs this graph reads (e.g. no `seed` without dropout).
      feed: (step) =>
        Object.fromEntries(Object.entries(feeder.feed(step)).filter(([k]) => inputNames.has(k))),
      log,
      onLog: opts.onLog,
    });
    const params = new Map<string, Float32Array>();
    for (const name of persistent) params.set(name, await exec.getParam(name));
    if (outDir) {
      const weights = Object.fromEntries(
        build.params
          .filter((p) => p.role === 'param' && !p.reference && params.has(p.name))
          .map((p) => [p.name, f32(p.shape, params.get(p.name)!)]),
      );
      const w = writeSafetensors(resolve(outDir, 'model.safetensors'), weights, {
        metadata: { format: 'pt', producer: 'ftl' },
      });
      if (!w.ok) return { ok: false, compiled, diagnostics: w.diagnostics };
    }
    return {
      ok: true,
      diagnostics: compiled.diagnostics,
      device: exec.description,
      compiled,
      loop,
      dispatchesPerStep: exec.dispatchesPerStep,
      params,
      outDir,
    };
  } catch (e) {
    if (e instanceof FeedError) return { ok: false, compiled, diagnostics: e.diagnostics };
    if (e instanceof NonFiniteLoss)
      return { ok: false, compiled, diagnostics: [runError('FTL0903', e.message)] };
    throw e;
  } finally {
    exec.destroy();
  }
}
