// stdlib/models/mobilenet_v2.ftl and vit.ftl: each fits a fixed batch (loss falls below
// half its start in 30-60 Adam steps on the CPU), trains on WebGPU like the CPU, and MobileTL
// on the CNN keeps its top block's norm scales bit-identical while shifts and convs move.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, changed, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = (model: string, apply = '', lr = '1e-2') => `
import std.models.mobilenet_v2
import std.models.vit
import std.losses.classification
import std.optim.adamw
import std.methods.mobiletl
recipe r {
  model = ${model}
  data = synthetic_classification(n: 64, dim: 192, classes: 4, seed: 1) |> batch(8)
  ${apply}
  loss = classification
  optim = adamw(lr: ${lr})
  train(steps: 30)
}`;
const models = {
  mobilenet_v2: 'mobilenet_v2(classes: 4, image: 8, width: 8, depth: 2)',
  vit: 'vit(classes: 4, image: 8, patch: 4, d: 16, heads: 2, layers: 2)',
};
const fit = { mobilenet_v2: { lr: '1e-2', steps: 30 }, vit: { lr: '2e-3', steps: 60 } };

describe('vision models', () => {
  for (const [name, m] of Object.entries(models))
    it(`${name} fits a fixed batch`, () => {
      const { lr, steps } = fit[name as keyof typeof fit];
      const b = build(recipe(m, '', lr));
      const fixed = batchFor(b, 1);
      const { losses } = runCpu(b, steps, undefined, () => fixed);
      expect(losses[steps - 1]).toBeLessThan(0.5 * losses[0]);
    });

  it('mobiletl on the CNN trains the top block without norm scales', () => {
    const b = build(recipe(models.mobilenet_v2, 'apply mobiletl(blocks: 1, norm_scales: "norm_*.weight")'));
    const t = b.params
      .filter((p) => p.trainable)
      .map((p) => p.name)
      .sort();
    expect(t).toEqual([
      'blocks.1.dw.weight',
      'blocks.1.expand_conv.weight',
      'blocks.1.norm_1.bias',
      'blocks.1.norm_2.bias',
      'blocks.1.norm_3.bias',
      'blocks.1.project.weight',
    ]);
    expect(changed(values(b, new Map(b.initialValues(0))), values(b, runCpu(b, 2).store))).toEqual(t);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    for (const [name, m] of Object.entries(models))
      it(`${name} trains like the CPU`, async () => {
        const b = build(recipe(m));
        const r = await gpuVsCpu(h, b, 2);
        expect(r.maxLossGap).toBeLessThan(1e-4);
        for (const [k, v] of r.after)
          v.forEach((x, i) => expect(Math.abs(x - r.cpuAfter.get(k)![i])).toBeLessThan(1e-4));
      }, 120_000);
  });
});
