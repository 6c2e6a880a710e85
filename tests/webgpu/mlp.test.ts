// A 2-layer MLP training graph built with `mk` directly (hand-written backward, SGD
// update) runs 5 steps on WebGPU and on the CPU reference executor: equal losses within
// 1e-5 relative at every step, and equal parameters after the last.
// The graph: mlp-graph.ts.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { B, D, H, O, mlp } from './mlp-graph.ts';
import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { dispatchCount } from '../../compiler/plan/plan.ts';
import { step as cpuStep, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { gpu, mismatch, randomF32 } from './harness.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

for (const fuse of [true, false])
  it(`2-layer MLP: 5 SGD steps on WebGPU equal the CPU executor (fuse: ${fuse})`, async () => {
    const g = mlp();
    const init: [string, number][] = [
      ['W1', D * H],
      ['b1', H],
      ['W2', H * O],
      ['b2', O],
    ];
    const store = new Map<string, TypedArray>(
      init.map(([n, len], i) => [n, randomF32(len, 100 + i, -0.5, 0.5)]),
    );
    const plan = lowerToPlan(g, h.limits, { isCPU: h.isCPU, fuse });
    const ex = await WebGPUExecutor.load(plan, h.device);
    for (const [n, v] of store) ex.setParam(n, v as Float32Array);
    const gpuLoss: number[] = [];
    const cpuLoss: number[] = [];
    for (let s = 0; s < 5; s++) {
      const x = randomF32(B * D, 200 + s);
      const y = randomF32(B * O, 300 + s);
      ex.setInput('x', x);
      ex.setInput('y', y);
      await ex.step();
      gpuLoss.push((await ex.readOutputs(['loss'])).loss[0]);
      cpuLoss.push(
        cpuStep(
          g,
          store,
          new Map([
            ['x', x],
            ['y', y],
          ]),
        ).loss[0],
      );
    }
    expect(mismatch(gpuLoss, cpuLoss, 1e-5, 0).worst, `gpu ${gpuLoss} vs cpu ${cpuLoss}`).toBeLessThanOrEqual(
      1,
    );
    expect(cpuLoss[4]).toBeLessThan(cpuLoss[0]); // it trains
    for (const [n] of init) {
      const m = mismatch(await ex.getParam(n), store.get(n)!, 1e-5, 1e-2);
      expect(m.worst, `${n}: ${m.g} vs ${m.c}`).toBeLessThanOrEqual(1);
    }
    if (fuse) {
      // Fusion: fewer dispatches than one kernel per op (the exact count is in fusion.test.ts).
      const unfused = lowerToPlan(g, h.limits, { isCPU: h.isCPU, fuse: false });
      expect(ex.dispatchesPerStep).toBeLessThan(dispatchCount(unfused));
    }
    ex.destroy();
  });
