// HFT (stdlib/methods/hft.ftl) over two stages: in each block exactly half of the attention
// matrices and half of the MLP matrices change per stage, the rest stay bit-identical; the
// halves are reproducible from the seed and differ between stages; frozen matrices get no
// weight-gradient matmul; stage 2 starts from stage 1's weights (CPU and WebGPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toposort } from '../../compiler/ir/graph.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { carryInto } from '../../runtime/train/stages.ts';
import { gpu } from '../webgpu/harness.ts';
import { build, changed, gpuVsCpu, runCpu, values } from './helpers.ts';

const recipe = (body: string) => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.adamw
import std.methods.hft
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 16, heads: 2, layers: 2)
  data = text("x.txt") |> chunks(seq: 8) |> batch(2)
  loss = causal_lm
  optim = adamw(lr: 1e-2)
  ${body}
}`;
const staged = recipe(`
  stage one { apply hft(seed: 1); train(steps: 2) }
  stage two { apply hft(seed: 2); train(steps: 2) }`);

const matmuls = (b: TrainingBuild) => {
  const g = simplify(b.graph);
  return toposort([...Object.values(g.outputs), ...g.updates.map((u) => u.value)]).filter(
    (n) => n.op === 'matmul',
  ).length;
};
const trainable = (b: TrainingBuild) =>
  b.params
    .filter((p) => p.trainable)
    .map((p) => p.name)
    .sort();

function checkHalves(names: string[]) {
  for (const blk of [0, 1]) {
    const attn = names.filter((n) => n.startsWith(`blocks.${blk}.attn.`) && n.endsWith('.weight'));
    const mlp = names.filter((n) => n.startsWith(`blocks.${blk}.mlp.`) && n.endsWith('.weight'));
    expect([attn.length, mlp.length]).toEqual([2, 1]);
  }
  expect(names.every((n) => /^blocks\.\d\.(attn|mlp)\.\w+\.weight$/.test(n))).toBe(true);
}

describe('hft', () => {
  const one = build(staged, 'one');
  const two = build(staged, 'two');

  it('trains half of each block, reproducibly, redrawn per stage, without frozen dW matmuls', () => {
    checkHalves(trainable(one));
    checkHalves(trainable(two));
    expect(trainable(build(staged, 'one'))).toEqual(trainable(one));
    expect(trainable(two)).not.toEqual(trainable(one));
    // Full fine-tuning computes a dW matmul for every one of the 6 frozen block matrices.
    expect(matmuls(one)).toBeLessThanOrEqual(matmuls(build(recipe('train(steps: 2)'))) - 6);
  });

  it('changes exactly the selected half in each stage, carrying weights over', () => {
    const s1 = runCpu(one, 2).store;
    const v0 = values(one, new Map(one.initialValues(0)));
    const v1 = values(one, s1);
    expect(changed(v0, v1)).toEqual(trainable(one));
    const start = carryInto(one, s1, two);
    expect(changed(v1, values(two, start))).toEqual([]); // stage 2 starts at stage 1's end
    const v2 = values(two, runCpu(two, 2, start).store);
    expect(changed(v1, v2)).toEqual(trainable(two));
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('stage 2 from carried weights changes exactly its half, like the CPU', async () => {
      const start = carryInto(one, runCpu(one, 2).store, two);
      const r = await gpuVsCpu(h, two, 2, start);
      expect(r.maxLossGap).toBeLessThan(1e-4);
      expect(r.changed).toEqual(trainable(two));
    }, 60_000);
  });
});
