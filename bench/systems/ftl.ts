// ftl as a bench System: compile the workload's recipe (bench/systems/ftl-recipes.ts) to a
// Plan, load it on a WebGPU device with the WebGPU executor, and run steps fed with the same
// batches as the peer.
//
// The compiler and executor are loaded at run time (compiler/compile.ts: `compile(source,
// file, { limits, isCPU }) -> { plan, build, diagnostics }`; runtime/webgpu/executor.ts:
// `WebGPUExecutor.load(plan, device, description)`), so the bench still runs the peer, with a
// clear note, when either is missing or rejects a recipe.
//
// Input slots (runtime/train/feed.ts) are filled with the peer's batches: tokens i32 [B, T],
// loss_mask f32 [B, T] (all ones), x f32 [B, 784] and label i32 [B] for the MLP, and the
// scalars step (1-based) and seed. Initial values come from the build's `initialValues(seed)`
// (the recipe's own init); bench/systems/ftl-init.ts applies the same scheme by name if a
// compile result ever lacks them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import type { Executor, HostArray } from '../../runtime/executor.ts';
import { mlpBatch, randomBytes, tokenBatch } from '../data.ts';
import type { Workload } from '../workloads.ts';
import { recipeFor } from './ftl-recipes.ts';
import { hostInit } from './ftl-init.ts';
import type { BenchData, Prepared, System, Unavailable, Weights } from './types.ts';

interface Slot {
  name: string;
  shape: readonly number[];
  dtype: string;
}
interface PlanLike {
  inputs: readonly Slot[];
  outputs: readonly Slot[];
  params: readonly Slot[];
}
interface DiagnosticLike {
  code?: string;
  severity?: string;
  message: string;
}
interface ParamEntryLike {
  name: string;
  role: string;
  reference?: unknown;
}
interface CompileResult {
  plan?: PlanLike;
  build?: {
    initialValues?: (seed: number) => Map<string, Float32Array>;
    params?: readonly ParamEntryLike[];
  };
  diagnostics: readonly DiagnosticLike[];
}
interface CompilerModule {
  /** The passes compile() can switch off (`disable`). */
  PASSES?: readonly string[];
  compile(source: string, file: string, options?: object): CompileResult | Promise<CompileResult>;
}
interface SelectModule {
  compileAtStart: CompilerModule['compile'];
  plainModel(source: string, file: string, opts: object, seed: number): unknown;
  startContext(plain: unknown, dir: string): { weights: Weights };
  compileSelected(
    source: string,
    file: string,
    opts: object,
    ctx: { weights: Weights; seed: number },
  ): { compiled: CompileResult };
}
interface StagesModule {
  fullParams(build: object, store: Map<string, Float32Array>): Map<string, Float32Array>;
}
interface ExecutorModule {
  WebGPUExecutor: { load(plan: PlanLike, device: GPUDevice, description?: string): Promise<Executor> };
}

const COMPILER = new URL('../../compiler/compile.ts', import.meta.url).href;
const EXECUTOR = new URL('../../runtime/webgpu/executor.ts', import.meta.url).href;
const SELECT = new URL('../../runtime/train/select.ts', import.meta.url).href;
const STAGES = new URL('../../runtime/train/stages.ts', import.meta.url).href;

async function load<T>(url: string, what: string): Promise<T | string> {
  try {
    return (await import(url)) as T;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return /Cannot find module|ERR_MODULE_NOT_FOUND/.test(msg) ||
      (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
      ? `not available yet (${what} missing)`
      : `${what} failed to load: ${msg}`;
  }
}

/**
 * Compile time of a recipe without running it (issue 10: a 12-layer GPT-2-small recipe).
 * Lowered for the device's limits with the per-binding and per-buffer sizes raised to 1 GiB,
 * as on a discrete GPU: llvmpipe binds at most 128 MiB, less than GPT-2's 154 MB embedding.
 * Returns milliseconds and the plan's dispatch count, or why not.
 */
export async function ftlCompileTime(
  w: Workload,
  limits: object,
  isCPU: boolean,
): Promise<{ ms: number; kernels: number } | { unavailable: string }> {
  const compiler = await load<CompilerModule>(COMPILER, 'compiler/compile.ts');
  if (typeof compiler === 'string') return { unavailable: compiler };
  const source = recipeFor(w, join(tmpdir(), 'ftl-bench-unused.bin'));
  const t = performance.now();
  const big = { ...limits, maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };
  const res = await compiler.compile(source, join(tmpdir(), `${w.name}.ftl`), { limits: big, isCPU });
  const ms = performance.now() - t;
  const first = res.diagnostics.find((d) => (d.severity ?? 'error') === 'error');
  if (first || !res.plan)
    return { unavailable: first ? `compile: ${first.code ?? ''} ${first.message}` : 'no plan' };
  const plan = res.plan as PlanLike & { step?: readonly { op: string }[] };
  return { ms, kernels: plan.step?.filter((s) => s.op === 'dispatch').length ?? 0 };
}

/**
 * Start ftl: find the compiler and executor, acquire the device. `unoptimized`: every pass
 * compile() can switch off is off (the `--no-opt` ablation of issue 6), named 'ftl-unopt'.
 */
export async function ftlSystem(unoptimized = false): Promise<System | Unavailable> {
  const name = unoptimized ? 'ftl-unopt' : 'ftl';
  const role = unoptimized ? 'ablation' : 'ftl';
  const compiler = await load<CompilerModule>(COMPILER, 'compiler/compile.ts');
  if (typeof compiler === 'string') return { name, role, unavailable: compiler };
  if (typeof compiler.compile !== 'function')
    return { name, role, unavailable: 'compiler/compile.ts exports no compile()' };
  const executor = await load<ExecutorModule>(EXECUTOR, 'runtime/webgpu/executor.ts');
  if (typeof executor === 'string') return { name, role, unavailable: executor };
  const dev = await acquireDevice();
  if (isDeviceError(dev)) return { name, role, unavailable: `${dev.error} ${dev.fix}` };
  const passes = unoptimized ? (compiler.PASSES ?? []) : [];
  const description = `ftl${unoptimized ? ` with passes off (${passes.join(', ')})` : ''} on Dawn/${dev.backend} (${dev.adapterName})`;
  const options = { limits: dev.limits, isCPU: dev.isCPU, disable: new Set(passes) };
  const dir = join(tmpdir(), `ftl-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return {
    name,
    role,
    description,
    dispatchesKernels: true,
    gpuDevice: () => dev.device,
    prepare: (w, data) => prepare(compiler, executor, dev, options, description, dir, w, data),
    destroy: () => dev.destroy(),
  };
}

async function prepare(
  compiler: CompilerModule,
  executor: ExecutorModule,
  dev: DeviceHandle,
  options: object,
  description: string,
  dir: string,
  w: Workload,
  data: BenchData,
): Promise<Prepared> {
  const dataPath = writeData(dir, data);
  const file = join(dir, `${w.name}.ftl`);
  const source = recipeFor(w, dataPath);
  writeFileSync(file, source);
  const res = await compileStage(compiler, source, file, options, data.selectionWeights);
  if (typeof res === 'string') return { unavailable: res };
  const errors = res.diagnostics.filter((d) => (d.severity ?? 'error') === 'error');
  if (errors.length || !res.plan) {
    const first = errors[0];
    return {
      unavailable: first
        ? `compile: ${first.code ?? ''} ${first.message}`.trim()
        : 'compile produced no plan',
    };
  }
  const plan = res.plan;
  const feed = feeder(w, data, plan.inputs);
  if (typeof feed === 'string') return { unavailable: feed };
  const lossName = plan.outputs.some((o) => o.name === 'loss') ? 'loss' : plan.outputs[0]?.name;
  if (!lossName) return { unavailable: 'the plan has no outputs (no loss to read back)' };
  const exec = await executor.WebGPUExecutor.load(plan, dev.device, description);
  const init = res.build?.initialValues?.(0) ?? hostInit(plan.params);
  for (const [name, value] of init) exec.setParam(name, value);
  let steps = 0;
  return {
    session: {
      step: async (s) => {
        for (const [name, value] of Object.entries(feed(s))) exec.setInput(name, value);
        await exec.step();
        steps++;
        return (await exec.readOutputs([lossName]))[lossName][0];
      },
      dispose: () => exec.destroy(),
      initialValues: init,
      trained: async () => ({ values: await trainedValues(exec, res), steps }),
      compiled: { result: res, source, file },
    },
  };
}

/**
 * Compile a workload as `ftl run` compiles a first stage: selections reading gradient
 * statistics get the plain model's; with `weights` (an earlier phase's, by full parameter
 * name) the selections read those instead, as a stage after a trained stage does
 * (runtime/train/select.ts compileSelected; LT-SFT's theta1). A string says why not.
 */
export async function compileStage(
  compiler: CompilerModule,
  source: string,
  file: string,
  options: object,
  weights?: Weights,
): Promise<CompileResult | string> {
  const select = await load<SelectModule>(SELECT, 'runtime/train/select.ts');
  if (typeof select === 'string') return weights ? select : compiler.compile(source, file, options);
  if (!weights) return select.compileAtStart(source, file, options);
  const plain = select.plainModel(source, file, {}, 0);
  try {
    // Seed 0: delta_mask's theta0 is the init drawn with the seed the bench initialises with.
    const ctx = { ...select.startContext(plain, dirname(file)), weights, seed: 0 };
    return select.compileSelected(source, file, options, ctx).compiled;
  } catch (e) {
    return `compile with phase 1's weights: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Every model parameter's value now, by full name (mask and slice leaves joined back). */
async function trainedValues(exec: Executor, res: CompileResult): Promise<Weights> {
  const stages = await load<StagesModule>(STAGES, 'runtime/train/stages.ts');
  if (typeof stages === 'string') throw new Error(stages);
  if (!res.build?.params) throw new Error('the compile result lists no parameters');
  const store = new Map<string, Float32Array>();
  for (const e of res.build.params)
    if (e.role === 'param' && !e.reference) store.set(e.name, await exec.getParam(e.name));
  return stages.fullParams(res.build, store);
}

/** Batch s (0-based) for each input slot, matched by dtype and shape; or why not. */
function feeder(
  w: Workload,
  data: BenchData,
  slots: readonly Slot[],
): ((s: number) => Record<string, HostArray>) | string {
  const c = w.config;
  const parts: ((s: number) => HostArray)[] = [];
  for (const slot of slots) {
    const dims = slot.shape.join(',');
    const numel = slot.shape.reduce((a, x) => a * x, 1);
    const scalar = (v: (s: number) => number) => (s: number) =>
      slot.dtype === 'i32' ? Int32Array.of(v(s)) : Float32Array.of(v(s));
    if (numel === 1 && slot.name === 'step') {
      parts.push(scalar((s) => s + 1));
    } else if (numel === 1 && slot.name === 'seed') {
      parts.push(scalar((s) => s));
    } else if (c.kind === 'gpt' && slot.dtype === 'i32' && dims === `${c.batch},${c.ctx}`) {
      parts.push((s) => tokenBatch(data.bytes, c.batch, c.ctx, s));
    } else if (c.kind === 'gpt' && slot.dtype === 'f32' && dims === `${c.batch},${c.ctx}`) {
      const ones = new Float32Array(c.batch * c.ctx).fill(1); // loss_mask: every position counts
      parts.push(() => ones);
    } else if (c.kind === 'mlp' && slot.dtype === 'f32' && dims === `${c.batch},${c.sizes[0]}`) {
      parts.push((s) => mlpBatch(c.batch, c.sizes[0], c.sizes[c.sizes.length - 1], s).x);
    } else if (c.kind === 'mlp' && slot.dtype === 'i32' && dims === `${c.batch}`) {
      parts.push((s) => mlpBatch(c.batch, c.sizes[0], c.sizes[c.sizes.length - 1], s).labels);
    } else {
      return `input slot ${slot.name}: ${slot.dtype}[${dims}] does not match the workload's batch`;
    }
  }
  return (s) => Object.fromEntries(slots.map((slot, i) => [slot.name, parts[i](s)]));
}

/** The byte corpus the GPT recipes name (the harness feeds the batches itself). */
function writeData(dir: string, data: BenchData): string {
  const path = join(dir, 'corpus.bin');
  writeFileSync(path, data.bytes.length ? data.bytes : randomBytes(1, 1 << 16));
  return path;
}
