// ftl as a bench System: compile the workload's recipe (bench/systems/ftl-recipes.ts) to a
// Plan, load it on a WebGPU device with the WebGPU executor, and run steps fed with the same
// batches as the peer.
//
// The compiler and executor are found at run time (compiler/compile.ts: `compile(source,
// options) -> { plan, diagnostics }`; runtime/webgpu/executor.ts: `WebGPUExecutor.load(plan,
// device, description)`), so the bench runs the peer alone, with a clear "not available" note,
// while either is missing or rejects a recipe.
//
// Input slots are matched to the workload's batch by dtype and shape (i32 [B, T]: tokens;
// f32 [B, 784]: MLP inputs; i32 [B]: labels; a scalar whose name contains "step": the 1-based
// step). Initial parameter values come from the compile result when it carries them
// (`initialParams`/`init`/`params`: name -> Float32Array); otherwise ftl's init scheme is
// applied here by parameter name, which times the same work.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import type { Executor, HostArray } from '../../runtime/executor.ts';
import { mlpBatch, randomBytes, tokenBatch } from '../data.ts';
import type { Workload } from '../workloads.ts';
import { recipeFor } from './ftl-recipes.ts';
import { hostInit } from './ftl-init.ts';
import type { BenchData, Prepared, System, Unavailable } from './types.ts';

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
interface CompileResult {
  plan?: PlanLike;
  diagnostics: readonly DiagnosticLike[];
  initialParams?: unknown;
  init?: unknown;
  params?: unknown;
}
interface CompilerModule {
  compile(source: string, options?: object): CompileResult | Promise<CompileResult>;
}
interface ExecutorModule {
  WebGPUExecutor: { load(plan: PlanLike, device: GPUDevice, description?: string): Promise<Executor> };
}

const COMPILER = new URL('../../compiler/compile.ts', import.meta.url).href;
const EXECUTOR = new URL('../../runtime/webgpu/executor.ts', import.meta.url).href;

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
 * Compile time of a recipe without running it (issue 10: a 12-layer GPT-2-small recipe), on
 * the device's limits. Returns milliseconds and the plan's dispatch count, or why not.
 */
export async function ftlCompileTime(
  w: Workload,
  limits: object,
): Promise<{ ms: number; kernels: number } | { unavailable: string }> {
  const compiler = await load<CompilerModule>(COMPILER, 'compiler/compile.ts');
  if (typeof compiler === 'string') return { unavailable: compiler };
  const source = recipeFor(w, join(tmpdir(), 'ftl-bench-unused.bin'));
  const t = performance.now();
  const res = await compiler.compile(source, { file: `${w.name}.ftl`, limits });
  const ms = performance.now() - t;
  const first = res.diagnostics.find((d) => (d.severity ?? 'error') === 'error');
  if (first || !res.plan)
    return { unavailable: first ? `compile: ${first.code ?? ''} ${first.message}` : 'no plan' };
  const plan = res.plan as PlanLike & { step?: readonly { op: string }[] };
  return { ms, kernels: plan.step?.filter((s) => s.op === 'dispatch').length ?? 0 };
}

/** Start ftl: find the compiler and executor, acquire the device. */
export async function ftlSystem(): Promise<System | Unavailable> {
  const compiler = await load<CompilerModule>(COMPILER, 'compiler/compile.ts');
  if (typeof compiler === 'string') return { name: 'ftl', role: 'ftl', unavailable: compiler };
  if (typeof compiler.compile !== 'function')
    return { name: 'ftl', role: 'ftl', unavailable: 'compiler/compile.ts exports no compile()' };
  const executor = await load<ExecutorModule>(EXECUTOR, 'runtime/webgpu/executor.ts');
  if (typeof executor === 'string') return { name: 'ftl', role: 'ftl', unavailable: executor };
  const dev = await acquireDevice();
  if (isDeviceError(dev)) return { name: 'ftl', role: 'ftl', unavailable: `${dev.error} ${dev.fix}` };
  const description = `ftl on Dawn/${dev.backend} (${dev.adapterName})`;
  const dir = join(tmpdir(), `ftl-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return {
    name: 'ftl',
    role: 'ftl',
    description,
    dispatchesKernels: true,
    gpuDevice: () => dev.device,
    prepare: (w, data) => prepare(compiler, executor, dev, description, dir, w, data),
    destroy: () => dev.destroy(),
  };
}

async function prepare(
  compiler: CompilerModule,
  executor: ExecutorModule,
  dev: DeviceHandle,
  description: string,
  dir: string,
  w: Workload,
  data: BenchData,
): Promise<Prepared> {
  const dataPath = writeData(dir, w, data);
  const file = join(dir, `${w.name}.ftl`);
  const source = recipeFor(w, dataPath);
  writeFileSync(file, source);
  const res = await compiler.compile(source, { file, limits: dev.limits, isCPU: dev.isCPU });
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
  const init = initialValues(res) ?? hostInit(plan.params);
  for (const [name, value] of init) exec.setParam(name, value);
  return {
    session: {
      step: async (s) => {
        for (const [name, value] of Object.entries(feed(s))) exec.setInput(name, value);
        await exec.step();
        return (await exec.readOutputs([lossName]))[lossName][0];
      },
      dispose: () => exec.destroy(),
    },
  };
}

/** Name -> initial value from the compile result, if it carries them. */
function initialValues(res: CompileResult): Map<string, Float32Array> | undefined {
  for (const v of [res.initialParams, res.init, res.params]) {
    if (v instanceof Map) return v as Map<string, Float32Array>;
    if (v && typeof v === 'object' && Object.values(v).every((x) => x instanceof Float32Array))
      return new Map(Object.entries(v as Record<string, Float32Array>));
  }
  return undefined;
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
    if (numel === 1 && /step/i.test(slot.name)) {
      parts.push((s) => (slot.dtype === 'i32' ? Int32Array.of(s + 1) : Float32Array.of(s + 1)));
    } else if (c.kind === 'gpt' && slot.dtype === 'i32' && dims === `${c.batch},${c.ctx}`) {
      parts.push((s) => tokenBatch(data.bytes, c.batch, c.ctx, s));
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

/** The workload's data as the recipe's data line reads it (the harness feeds batches itself). */
function writeData(dir: string, w: Workload, data: BenchData): string {
  const c = w.config;
  if (c.kind === 'gpt') {
    const path = join(dir, 'corpus.bin');
    writeFileSync(path, data.bytes.length ? data.bytes : randomBytes(1, 1 << 16));
    return path;
  }
  const path = join(dir, 'mlp.jsonl');
  const b = mlpBatch(c.batch, c.sizes[0], c.sizes[c.sizes.length - 1], 0);
  const rows: string[] = [];
  for (let r = 0; r < c.batch; r++)
    rows.push(
      JSON.stringify({
        x: Array.from(b.x.subarray(r * c.sizes[0], (r + 1) * c.sizes[0])),
        label: b.labels[r],
      }),
    );
  writeFileSync(path, rows.join('\n') + '\n');
  return path;
}
