// Shared helpers of the wave-1b method tests: compile an inline recipe (through the full
// `compile()` pipeline, checker included) and train it a few steps on the CPU executor and on
// WebGPU from the same initial values and batches, returning both loss curves.

import { compile } from '../../compiler/compile.ts';
import { step as cpuStep, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { tokenBatch } from '../stdlib/helpers.ts';

export type Inputs = Map<string, TypedArray>;

/** The batch of step s for a (B, T, vocab) token recipe. */
export function tokenInputs(B: number, T: number, vocab: number, s: number): Inputs {
  const { tokens, loss_mask } = tokenBatch(B, T, vocab, s);
  return new Map<string, TypedArray>([
    ['tokens', tokens],
    ['loss_mask', loss_mask],
    ['step', Int32Array.of(s)],
    ['seed', Int32Array.of(s)],
  ]);
}

/** Compile `text` with `h`'s limits; throws with the diagnostics when it does not compile. */
export function compileFor(h: DeviceHandle, text: string, noFuse = false) {
  const res = compile(text, 'examples/inline.ftl', {
    limits: h.limits,
    isCPU: h.isCPU,
    disable: noFuse ? new Set(['fuse']) : undefined,
  });
  const errors = res.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !res.plan) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return res;
}

/**
 * `steps` training steps on WebGPU and on the CPU executor from the same initial values
 * (`edit` may change them first). Returns the two loss curves.
 */
export async function lossesBoth(
  h: DeviceHandle,
  text: string,
  steps: number,
  inputsOf: (s: number) => Inputs,
  edit?: (store: Map<string, TypedArray>) => void,
  noFuse = false,
): Promise<{ gpu: number[]; cpu: number[] }> {
  const res = compileFor(h, text, noFuse);
  const plan = res.plan!;
  const store = new Map<string, TypedArray>(res.build!.initialValues(0) as Map<string, TypedArray>);
  edit?.(store);
  for (const p of plan.params)
    if (!store.has(p.name)) store.set(p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1)));
  const ex = await WebGPUExecutor.load(plan, h.device);
  const gpu: number[] = [];
  const cpu: number[] = [];
  try {
    const inPlan = new Set(plan.params.map((p) => p.name));
    for (const [name, v] of store) if (inPlan.has(name)) ex.setParam(name, v as Float32Array);
    for (let s = 1; s <= steps; s++) {
      const inputs = inputsOf(s);
      const needed = new Set(plan.inputs?.map((i: { name: string }) => i.name) ?? [...inputs.keys()]);
      for (const [k, v] of inputs) if (needed.has(k)) ex.setInput(k, v as Float32Array);
      await ex.step();
      gpu.push((await ex.readOutputs(['loss'])).loss[0]);
      cpu.push(cpuStep(res.graph!, store, inputs).loss[0]);
    }
  } finally {
    ex.destroy();
  }
  return { gpu, cpu };
}
