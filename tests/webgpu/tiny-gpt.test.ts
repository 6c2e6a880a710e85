// examples/tiny-gpt.ftl compiled to a Plan and trained on WebGPU, step by step against the
// CPU reference executor on the same batches: losses equal within 1e-4 relative, and the
// step takes far fewer dispatches than one per op.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { dispatchCount } from '../../compiler/plan/plan.ts';
import { step as cpuStep, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { gpu } from './harness.ts';

const [B, T, STEPS] = [8, 32, 20];

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

it(`tiny-gpt: ${STEPS} steps on WebGPU equal the CPU executor within 1e-4`, async () => {
  const file = 'examples/tiny-gpt.ftl';
  const res = compile(readFileSync(file, 'utf8'), file, { limits: h.limits, isCPU: h.isCPU });
  expect(res.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const plan = res.plan!;
  const unfused = compile(readFileSync(file, 'utf8'), file, {
    limits: h.limits,
    isCPU: h.isCPU,
    disable: new Set(['fuse']),
  });
  expect(dispatchCount(plan) * 2).toBeLessThan(dispatchCount(unfused.plan!));

  const ex = await WebGPUExecutor.load(plan, h.device);
  const store = new Map<string, TypedArray>(res.build!.initialValues(0) as Map<string, TypedArray>);
  for (const p of plan.params)
    if (!store.has(p.name)) store.set(p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1)));
  for (const [name, v] of store) ex.setParam(name, v as Float32Array);
  const bytes = readFileSync('examples/data/corpus.txt');
  const chunks = Math.floor(bytes.length / T);
  for (let s = 1; s <= STEPS; s++) {
    const tokens = new Int32Array(B * T);
    for (let i = 0; i < B; i++)
      for (let t = 0; t < T; t++) tokens[i * T + t] = bytes[(((s - 1) * B + i) % chunks) * T + t];
    const inputs = new Map<string, TypedArray>([
      ['tokens', tokens],
      ['loss_mask', new Float32Array(B * T).fill(1)],
      ['step', Int32Array.of(s)],
    ]);
    for (const [k, v] of inputs) ex.setInput(k, v as Float32Array);
    await ex.step();
    const gpuLoss = (await ex.readOutputs(['loss'])).loss[0];
    const cpuLoss = cpuStep(res.graph!, store, inputs).loss[0];
    expect(Math.abs(gpuLoss - cpuLoss), `step ${s}: gpu ${gpuLoss} cpu ${cpuLoss}`).toBeLessThanOrEqual(
      1e-4 * Math.abs(cpuLoss),
    );
  }
  ex.destroy();
}, 180_000);
