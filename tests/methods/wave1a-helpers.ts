// Shared helpers of the wave-1a method tests: a tiny GPT-2 recipe with a chosen sequence
// length and methods, input maps, and one training step on WebGPU against the CPU executor.
import { expect } from 'vitest';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { mismatch, runBoth } from '../webgpu/harness.ts';
import { tokenBatch, type Store } from '../stdlib/helpers.ts';

export { forward, train, trainDiagnostics, tokenBatch, type Store } from '../stdlib/helpers.ts';

export interface TinyOpts {
  seq?: number;
  layers?: number;
  d?: number;
  heads?: number;
  imports?: string[];
  steps?: number;
  extra?: string;
}

/** A tiny GPT-2 (vocab 16) recipe applying `apply` (one or more statements). */
export function tiny(apply: string, o: TinyOpts = {}): string {
  const imports = (o.imports ?? []).map((m) => `import std.methods.${m}`).join('\n');
  return `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
${imports}
recipe r {
  model = gpt2(vocab: 16, ctx: 16, d: ${o.d ?? 16}, heads: ${o.heads ?? 2}, layers: ${o.layers ?? 2})
  data = text("x.txt") |> chunks(seq: ${o.seq ?? 8}) |> batch(4)
  ${apply}
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  ${o.extra ?? ''}
  train(steps: ${o.steps ?? 10})
}`;
}

export function inputs(tokens: Int32Array, loss_mask?: Float32Array, step?: number): Map<string, TypedArray> {
  const m = new Map<string, TypedArray>([['tokens', tokens]]);
  m.set('loss_mask', loss_mask ?? new Float32Array(tokens.length).fill(1));
  if (step !== undefined) m.set('step', Int32Array.of(step));
  return m;
}

export function batchInputs(B: number, T: number, salt: number, step?: number): Map<string, TypedArray> {
  const { tokens, loss_mask } = tokenBatch(B, T, 16, salt);
  return inputs(tokens, loss_mask, step);
}

/** Logits of a forward graph. */
export function logits(
  g: { graph: Parameters<typeof evaluate>[0] },
  params: Store,
  inp: Map<string, TypedArray>,
) {
  return evaluate(g.graph, { params: params as Map<string, TypedArray>, inputs: inp }).outputs
    .output as Float32Array;
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/** Names of the trainable parameters of a training build. */
export const trainableNames = (b: TrainingBuild) => b.params.filter((p) => p.trainable).map((p) => p.name);

/**
 * One training step of `b` on WebGPU and on the CPU executor from the same state: the loss
 * and every updated parameter agree within 1e-4 relative (1e-5 absolute near zero); returns the CPU results.
 */
export async function gpuStepMatchesCpu(h: DeviceHandle, b: TrainingBuild, inp: Map<string, TypedArray>) {
  const params = new Map(b.initialValues(3) as Map<string, TypedArray>);
  const r = await runBoth(h, b.graph, params, inp, {});
  expect(Object.keys(r.gpu).filter((k) => k.startsWith('update:')).length).toBeGreaterThan(0);
  for (const k of Object.keys(r.cpu)) {
    // Absolute floor 1e-5 (rtol 1e-4 x 0.1): parameters whose exact gradient is zero (a
    // key bias under softmax) get rounding-noise gradients that differ between devices.
    const m = mismatch(r.gpu[k], r.cpu[k], 1e-4, 0.1);
    expect(m.worst, `${k}: gpu ${m.g} cpu ${m.c}`).toBeLessThanOrEqual(1);
  }
  return r.cpu;
}
