// Shared helpers of the method acceptance tests: compile an inline recipe (imports resolve
// to stdlib/), run it a few steps on the CPU executor or on WebGPU with deterministic
// batches, and read back full parameter values (row slices and mask deltas reassembled).

import { parse } from '../../grammar/index.ts';
import { buildTrainingGraph, type TrainingBuild } from '../../compiler/train/build.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { step as cpuStep, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { fullParams, type ParamStore } from '../../runtime/train/stages.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpu } from '../webgpu/harness.ts';

export const file = 'examples/inline.ftl';

export function build(text: string, stage?: string): TrainingBuild {
  const r = parse(text, file);
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const b = buildTrainingGraph({ file, program: r.ast }, { parse, stage });
  if (b.diagnostics.length)
    throw new Error(b.diagnostics.map((d) => `${d.code} ${d.message} ${d.hint ?? ''}`).join('\n'));
  return b as TrainingBuild;
}

/** Deterministic inputs for step s: tokens mod `vocab`, labels mod `classes`, x in [-1, 1). */
export function batchFor(b: TrainingBuild, s: number, vocab = 16, classes = 4): Map<string, TypedArray> {
  const out = new Map<string, TypedArray>();
  for (const n of leavesOf(b.graph, 'input')) {
    const size = n.shape.reduce((a, c) => a * c, 1);
    const name = n.arg.name;
    if (name === 'step') out.set(name, Int32Array.of(s));
    else if (name === 'seed') out.set(name, Int32Array.of(1000 + s));
    else if (name === 'tokens')
      out.set(
        name,
        Int32Array.from({ length: size }, (_, i) => (i * 7 + s * 13 + ((i * i) % 5)) % vocab),
      );
    else if (name === 'label')
      out.set(
        name,
        Int32Array.from({ length: size }, (_, i) => (i * 3 + s) % classes),
      );
    else if (name === 'loss_mask') out.set(name, new Float32Array(size).fill(1));
    else if (n.dtype === 'f32')
      out.set(
        name,
        Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7 + s * 0.3)),
      );
    else out.set(name, new Int32Array(size));
  }
  return out;
}

/** Run `steps` steps on the CPU executor from `store` (default: the initial values). */
export function runCpu(
  b: TrainingBuild,
  steps: number,
  store?: ParamStore,
  feed: (s: number) => Map<string, TypedArray> = (s) => batchFor(b, s),
): { store: ParamStore; losses: number[] } {
  const st = (store ?? new Map(b.initialValues(0))) as Map<string, TypedArray>;
  const losses: number[] = [];
  for (let s = 1; s <= steps; s++) losses.push(cpuStep(b.graph, st, feed(s)).loss[0]);
  return { store: st as ParamStore, losses };
}

/** Run `steps` steps on WebGPU; returns every persistent leaf read back, and the losses. */
export async function runGpu(
  h: DeviceHandle,
  b: TrainingBuild,
  steps: number,
  store?: ParamStore,
): Promise<{ store: ParamStore; losses: number[] }> {
  const plan = lowerToPlan(simplify(b.graph), h.limits, { isCPU: h.isCPU });
  const ex = await WebGPUExecutor.load(plan, h.device);
  const init = store ?? new Map(b.initialValues(0));
  for (const p of plan.params) {
    const v = init.get(p.name) ?? new Float32Array(p.shape.reduce((a, c) => a * c, 1));
    ex.setParam(p.name, v as Float32Array);
  }
  const losses: number[] = [];
  for (let s = 1; s <= steps; s++) {
    for (const [k, v] of batchFor(b, s)) ex.setInput(k, v as Float32Array);
    await ex.step();
    losses.push((await ex.readOutputs(['loss'])).loss[0]);
  }
  const out: ParamStore = new Map(init);
  for (const p of plan.params) out.set(p.name, await ex.getParam(p.name));
  ex.destroy();
  return { store: out, losses };
}

/** Full parameter values by parameter name. */
export const values = (b: TrainingBuild, store: ParamStore) => fullParams(b, store);

/** Names of model parameters whose value differs anywhere between two snapshots. */
export function changed(before: Map<string, Float32Array>, after: Map<string, Float32Array>): string[] {
  return [...before.keys()].filter((k) => before.get(k)!.some((v, i) => v !== after.get(k)![i])).sort();
}

/** Flat indices where two arrays differ (bitwise, via !==). */
export const diffIndices = (a: Float32Array, b: Float32Array) =>
  Array.from(a.keys()).filter((i) => a[i] !== b[i]);

/**
 * Run on WebGPU and on the CPU executor from the same store: losses agree within 1e-4
 * relative (asserted by the caller via the returned pairs), and the parameters that changed
 * on the GPU are returned with the GPU's full values.
 */
export async function gpuVsCpu(h: DeviceHandle, b: TrainingBuild, steps: number, store?: ParamStore) {
  const start = store ?? new Map(b.initialValues(0));
  const copy = () => new Map([...start].map(([k, v]) => [k, v.slice()])) as ParamStore;
  const g = await runGpu(h, b, steps, copy());
  const c = runCpu(b, steps, copy());
  const before = values(b, start);
  const after = values(b, g.store);
  const maxLossGap = Math.max(
    ...g.losses.map((l, i) => Math.abs(l - c.losses[i]) / Math.max(1e-6, Math.abs(c.losses[i]))),
  );
  return { changed: changed(before, after), after, cpuAfter: values(b, c.store), maxLossGap };
}

/** The build's trainable leaf names, sorted: what a run of it should change. */
export const trainableNames = (b: TrainingBuild): string[] =>
  b.params
    .filter((p) => p.trainable)
    .map((p) => p.name)
    .sort();

/**
 * A `describe('on WebGPU')` block: two steps on WebGPU and on the CPU from the same store;
 * losses agree within 1e-4 relative and exactly `want()` changed (default: the trainable
 * leaves). Builds are thunks so a failing build fails the test, not the file.
 */
export function webgpuChangesLikeCpu(title: string, b: () => TrainingBuild, want?: () => string[]): void {
  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it(
      title,
      async () => {
        const build = b();
        const r = await gpuVsCpu(h, build, 2);
        expect(r.maxLossGap).toBeLessThan(1e-4);
        expect(r.changed).toEqual(want ? want() : trainableNames(build));
      },
      60_000,
    );
  });
}
