// Memory planning: temps with disjoint lifetimes share one arena. The MLP training step
// with and without the arena gives bit-identical losses and parameters over 3 steps, the
// arena plan allocates fewer bytes, and no two temps alive at the same step overlap.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { lowerToPlan } from '../../compiler/plan/lower.ts';
import { planBytes, type Plan } from '../../compiler/plan/plan.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { gpu, randomF32 } from './harness.ts';
import { B, D, H, O, mlp } from './mlp-graph.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

async function train(plan: Plan): Promise<number[][]> {
  const ex = await WebGPUExecutor.load(plan, h.device);
  const init: [string, number][] = [
    ['W1', D * H],
    ['b1', H],
    ['W2', H * O],
    ['b2', O],
  ];
  init.forEach(([n, len], i) => ex.setParam(n, randomF32(len, 100 + i, -0.5, 0.5)));
  const out: number[][] = [];
  for (let s = 0; s < 3; s++) {
    ex.setInput('x', randomF32(B * D, 200 + s));
    ex.setInput('y', randomF32(B * O, 300 + s));
    await ex.step();
    out.push(Array.from((await ex.readOutputs(['loss'])).loss));
  }
  for (const [n] of init) out.push(Array.from(await ex.getParam(n)));
  ex.destroy();
  return out;
}

it('an arena-planned MLP step equals the unplanned one bit for bit, in fewer bytes', async () => {
  const g = mlp();
  const planned = lowerToPlan(g, h.limits, { isCPU: h.isCPU, merge: false });
  const separate = lowerToPlan(g, h.limits, { isCPU: h.isCPU, merge: false, planMemory: false });
  expect(planned.arenas?.length).toBe(1);
  expect(planBytes(planned)).toBeLessThan(planBytes(separate));
  // Temps written by the same dispatch or alive across it never share bytes.
  const live = (p: Plan, id: number) => {
    const steps = p.step.flatMap((s, i) =>
      s.op === 'dispatch'
        ? p.kernels[s.kernel].bindings.some((b) => b.buffer === id)
          ? [i]
          : []
        : s.src === id || s.dst === id
          ? [i]
          : [],
    );
    return [Math.min(...steps), Math.max(...steps)];
  };
  const inArena = planned.buffers.filter((b) => b.arena !== undefined);
  for (const a of inArena)
    for (const b of inArena) {
      if (a.id >= b.id) continue;
      const [la, ra] = live(planned, a.id);
      const [lb, rb] = live(planned, b.id);
      const timeOverlap = la <= rb && lb <= ra;
      const byteOverlap = a.offset! < b.offset! + b.byteSize && b.offset! < a.offset! + a.byteSize;
      expect(timeOverlap && byteOverlap, `${a.name} and ${b.name}`).toBe(false);
    }
  expect(await train(planned)).toEqual(await train(separate));
});
