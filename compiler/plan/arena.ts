// Memory planning of a Plan's temporaries: each temp lives from the dispatch that writes it
// to the last step (dispatch or update copy) that reads it; temps whose lifetimes are
// disjoint share bytes of one arena (compiler/optimize/memory.ts: greedy first-fit, offsets
// aligned for storage bindings). Outputs, parameters, state and inputs keep their own
// buffers (they outlive the step).
//
// WebGPU forbids one buffer bound read-only and read-write in the same dispatch, and every
// arena temp lives in the same GPUBuffer; binding several disjoint ranges of one buffer as
// read_write in one dispatch is allowed. So every binding of an arena temp is declared
// read_write (the WGSL is regenerated from the binding list, the single source of truth).
// An arena larger than the device's buffer or binding limits is not planned.

import type { Plan, PlanBuffer, PlanKernel } from './plan.ts';
import { planMemory, type Lifetime } from '../optimize/memory.ts';
import { kernelSource } from '../codegen/kernel.ts';

export interface ArenaLimits {
  readonly maxBufferSize: number;
  readonly minStorageBufferOffsetAlignment?: number;
}

/** `plan` with its temps placed in one arena; unchanged if nothing is gained or it cannot fit. */
export function planArena(plan: Plan, limits: ArenaLimits): Plan {
  const temps = new Set(plan.buffers.filter((b) => b.role === 'temp').map((b) => b.id));
  // A temp bound twice by one kernel (as f32 and as vec4 in a merged kernel) would be two
  // overlapping writable ranges, which WebGPU rejects: it keeps its own buffer.
  for (const k of plan.kernels) {
    const seen = new Set<number>();
    for (const b of k.bindings) {
      if (seen.has(b.buffer)) temps.delete(b.buffer);
      seen.add(b.buffer);
    }
  }
  if (temps.size < 2) return plan;
  const start = new Map<number, number>();
  const end = new Map<number, number>();
  plan.step.forEach((s, i) => {
    const touch = (id: number, write: boolean) => {
      if (!temps.has(id)) return;
      if (write && !start.has(id)) start.set(id, i);
      end.set(id, Math.max(end.get(id) ?? i, i));
    };
    if (s.op === 'copy') {
      touch(s.src, false);
      touch(s.dst, true);
    } else for (const b of plan.kernels[s.kernel].bindings) touch(b.buffer, b.access === 'read_write');
  });
  const lives: Lifetime[] = [...temps]
    .filter((id) => start.has(id))
    .map((id) => ({ id, bytes: plan.buffers[id].byteSize, start: start.get(id)!, end: end.get(id)! }));
  const alignment = Math.max(256, limits.minStorageBufferOffsetAlignment ?? 256);
  const mem = planMemory(lives, alignment);
  if (mem.arenaBytes > limits.maxBufferSize || mem.arenaBytes >= mem.unplannedBytes) return plan;
  const buffers: PlanBuffer[] = plan.buffers.map((b) =>
    mem.offsets.has(b.id) ? { ...b, arena: 0, offset: mem.offsets.get(b.id)! } : b,
  );
  const kernels: PlanKernel[] = plan.kernels.map((k) => {
    if (!k.bindings.some((b) => mem.offsets.has(b.buffer))) return k;
    const bindings = k.bindings.map((b) =>
      mem.offsets.has(b.buffer) ? { ...b, access: 'read_write' as const } : b,
    );
    const body = k.wgsl.slice(k.wgsl.indexOf('\n\n') + 2); // after the generated declarations
    return {
      ...k,
      bindings,
      wgsl: kernelSource({ name: k.name, bindings, workgroupSize: k.workgroupSize, body }).trimEnd() + '\n',
    };
  });
  return { ...plan, buffers, kernels, arenas: [{ id: 0, byteSize: mem.arenaBytes }] };
}
