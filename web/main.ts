// The browser entry of ftl: run a compiled Plan (`ftl compile --emit plan`) on `navigator.gpu`.
// Bundled by web/build.ts into web/ftl-web.js (ESM), which exports these functions and also
// sets `globalThis.ftl` so a page, a console or a DevTools-protocol client can call them.
//
//   runPlan(plan, params, batches, steps) -> losses (one number per step)
//     plan     the Plan as JSON text or as the parsed object
//     params   initial values by parameter name (plain arrays or typed arrays); optimizer state
//              not given starts at zero, as in Node
//     batches  inputs of step 1, 2, ... by slot name; i32 slots are converted to Int32Array.
//              Step s uses batches[(s-1) % batches.length], so one batch can be repeated.
//   adapterInfo() -> which adapter the browser gives (vendor, architecture, device, ...)

import type { Plan } from '../compiler/plan/plan.ts';
import { WebGPUExecutor } from '../runtime/webgpu/executor.ts';

type Numbers = ArrayLike<number>;

export interface WebAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  /** The limits the compiler plans against (compiler/plan/lower.ts PlanLimits and more). */
  limits: Record<string, number>;
}

const LIMIT_KEYS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'minStorageBufferOffsetAlignment',
] as const;

async function adapter(): Promise<GPUAdapter> {
  // The project's tsconfig has no DOM lib (Node code): reach navigator through globalThis.
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
  const a = await gpu.requestAdapter();
  if (!a) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  return a;
}

export async function adapterInfo(): Promise<WebAdapterInfo> {
  const a = await adapter();
  const { vendor, architecture, device, description } = a.info;
  const limits: Record<string, number> = {};
  for (const k of LIMIT_KEYS) limits[k] = a.limits[k];
  return { vendor, architecture, device, description, features: [...a.features], limits };
}

/** A device with the adapter's own limits (the defaults are lower than what plans may use). */
async function deviceFor(a: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMIT_KEYS) requiredLimits[k] = a.limits[k];
  return a.requestDevice({ requiredLimits });
}

export async function runPlan(
  planJson: string | Plan,
  params: Record<string, Numbers>,
  batches: readonly Record<string, Numbers>[],
  steps: number,
): Promise<number[]> {
  const plan: Plan = typeof planJson === 'string' ? JSON.parse(planJson) : planJson;
  if (plan.format !== 'ftl-plan') throw new Error(`not an ftl plan (format: ${String(plan.format)})`);
  if (!plan.outputs.some((o) => o.name === 'loss')) throw new Error('the plan has no loss output');
  if (!batches.length && plan.inputs.length) throw new Error('no batches given for the plan inputs');
  const device = await deviceFor(await adapter());
  const ex = await WebGPUExecutor.load(plan, device, 'webgpu: browser');
  try {
    for (const p of plan.params) {
      const v = params[p.name];
      if (v) ex.setParam(p.name, p.dtype === 'f32' ? Float32Array.from(v) : Int32Array.from(v));
      else if (p.role === 'param') throw new Error(`no initial value for parameter '${p.name}'`);
    }
    const losses: number[] = [];
    for (let s = 1; s <= steps; s++) {
      const b = batches[(s - 1) % batches.length];
      for (const slot of plan.inputs) {
        const v = b[slot.name];
        if (!v) throw new Error(`step ${s}: no value for input '${slot.name}'`);
        ex.setInput(slot.name, slot.dtype === 'f32' ? Float32Array.from(v) : Int32Array.from(v));
      }
      await ex.step();
      losses.push((await ex.readOutputs(['loss'])).loss[0]);
    }
    return losses;
  } finally {
    ex.destroy();
    device.destroy();
  }
}

(globalThis as unknown as { ftl: object }).ftl = { runPlan, adapterInfo };
