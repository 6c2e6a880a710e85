// Shared helpers of the WebGPU tests: one device per test file, a graph run on both the
// WebGPU executor and the CPU reference executor, with every non-leaf buffer poisoned
// (f32 NaN, i32 0x7fffffff) before the run so elements a kernel forgets to write fail.

import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { Graph } from '../../compiler/ir/graph.ts';
import { lowerToPlan, type LowerOptions } from '../../compiler/plan/lower.ts';
import type { Plan } from '../../compiler/plan/plan.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';

/** The device, or a thrown error: GPU tests must fail loudly, never skip, without an adapter. */
export async function gpu(): Promise<DeviceHandle> {
  const h = await acquireDevice();
  if (isDeviceError(h)) throw new Error(`no WebGPU adapter: ${h.error} Fix: ${h.fix}`);
  return h;
}

/** Deterministic pseudo-random data (xorshift), so a failing case can be rerun. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}

/** An f32 param leaf named `name` whose value, uniform in [lo, hi) from `seed`, goes into `params`. */
export function randomParam(
  params: Map<string, TypedArray>,
  name: string,
  shape: readonly number[],
  seed: number,
  lo = -1,
  hi = 1,
): Node {
  params.set(
    name,
    randomF32(
      shape.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
  );
  return mk('param', [], { name, role: 'param' }, { shape: [...shape] });
}

export function randomI32(n: number, seed: number, lo: number, hi: number): Int32Array {
  return Int32Array.from(
    randomF32(n, seed, 0, 1),
    (u) => lo + Math.min(hi - lo - 1, Math.floor(u * (hi - lo))),
  );
}

export interface BothResult {
  plan: Plan;
  gpu: Record<string, TypedArray>;
  cpu: Record<string, TypedArray>;
  dispatches: number;
}

/** One step of `g` on WebGPU and on the CPU; outputs and updated params (as `update:<name>`). */
export async function runBoth(
  h: DeviceHandle,
  g: Graph,
  params: Map<string, TypedArray>,
  inputs: Map<string, TypedArray> = new Map(),
  opts: LowerOptions = {},
): Promise<BothResult> {
  const plan = lowerToPlan(g, h.limits, { isCPU: h.isCPU, ...opts });
  const ex = await WebGPUExecutor.load(plan, h.device);
  try {
    poison(ex, plan);
    for (const [k, v] of params) ex.setParam(k, v as Float32Array);
    for (const [k, v] of inputs) ex.setInput(k, v as Float32Array);
    await ex.step();
    const names = plan.outputs.map((o) => o.name);
    const outs = await ex.readBuffers(plan.outputs.map((o) => o.buffer));
    const gpuRes: Record<string, TypedArray> = {};
    names.forEach((n, i) => (gpuRes[n] = outs[i]));
    const upd = g.updates.map((u) => u.target.arg.name);
    const updBufs = upd.map((n) => plan.params.find((p) => p.name === n)!.buffer);
    (await ex.readBuffers(updBufs)).forEach((v, i) => (gpuRes[`update:${upd[i]}`] = v));
    const cpu = evaluate(g, { params, inputs });
    const cpuRes: Record<string, TypedArray> = { ...cpu.outputs };
    for (const [k, v] of cpu.updates) cpuRes[`update:${k}`] = v;
    return { plan, gpu: gpuRes, cpu: cpuRes, dispatches: ex.dispatchesPerStep };
  } finally {
    ex.destroy();
  }
}

/** Fill every computed buffer with a value no kernel produces by accident. */
export function poison(ex: WebGPUExecutor, plan: Plan): void {
  for (const b of plan.buffers) {
    if (b.role === 'param' || b.role === 'state' || b.role === 'input') continue;
    const n = b.byteSize / 4;
    ex.writeBuffer(
      b.id,
      b.dtype === 'f32' ? new Float32Array(n).fill(NaN) : new Int32Array(n).fill(0x7fffffff),
    );
  }
}

/**
 * Max violation of |gpu - cpu| <= rtol * (|cpu| + floor); <= 1 passes. `floor` is the
 * scale below which errors are judged absolutely (sums and matmuls cancel).
 */
export function mismatch(
  gpu: ArrayLike<number>,
  cpu: ArrayLike<number>,
  rtol: number,
  floor = 1,
): { worst: number; at: number; g: number; c: number } {
  if (gpu.length !== cpu.length) throw new Error(`length ${gpu.length} vs ${cpu.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < cpu.length; i++) {
    const c = cpu[i];
    const gv = gpu[i];
    let r: number;
    if (Number.isNaN(c) || Number.isNaN(gv)) r = Number.isNaN(c) && Number.isNaN(gv) ? 0 : Infinity;
    else if (!Number.isFinite(c)) r = gv === c ? 0 : Infinity;
    else r = Math.abs(gv - c) / (rtol * (Math.abs(c) + floor));
    if (r > worst || at < 0) [worst, at] = [Math.max(r, worst), i];
  }
  return { worst, at, g: gpu[at], c: cpu[at] };
}
