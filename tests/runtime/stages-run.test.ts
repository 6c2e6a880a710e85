// `ftl run` on a recipe with stages: every stage trains in order, each starting from the
// previous stage's weights, on the CPU and on WebGPU alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice, isDeviceError, type DeviceHandle } from '../../runtime/device/index.ts';
import { runRecipe } from '../../runtime/train/run.ts';

const LPFT = 'examples/methods/lp_ft.ftl';

describe('multi-stage runs', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    const r = await acquireDevice();
    if (isDeviceError(r)) throw new Error(`${r.error} ${r.fix}`);
    h = r;
  });
  afterAll(() => h?.destroy());

  it('trains probe, finetune and calibrate in order, carrying the weights', async () => {
    const all = await runRecipe(LPFT, { device: 'cpu' });
    expect(all.ok, JSON.stringify(all.diagnostics)).toBe(true);
    expect(all.stages!.map((s) => s.name)).toEqual(['probe', 'finetune', 'calibrate']);
    // The fine-tuning stage alone starts from the initial weights: its loss after 10 steps is
    // far above what it reaches when it starts from the probed head.
    const alone = await runRecipe(LPFT, { device: 'cpu', stage: 'finetune' });
    const carried = all.stages![1].loop.losses[0];
    const fresh = alone.loop!.losses[0];
    expect(carried[0]).toBe(fresh[0]);
    expect(carried[1]).toBeLessThan(0.5 * fresh[1]);
  });

  it('gives the same losses per stage on WebGPU as on the CPU', async () => {
    const [cpu, gpu] = [
      await runRecipe(LPFT, { device: 'cpu' }),
      await runRecipe(LPFT, { device: 'webgpu', handle: h }),
    ];
    expect(gpu.ok, JSON.stringify(gpu.diagnostics)).toBe(true);
    cpu.stages!.forEach((s, i) =>
      s.loop.losses.forEach(([step, loss], j) => {
        const [gs, gl] = gpu.stages![i].loop.losses[j];
        expect(gs).toBe(step);
        expect(Math.abs(gl - loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(loss)));
      }),
    );
  });
});
