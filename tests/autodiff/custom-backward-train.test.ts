// A recipe whose model uses a fn with a custom backward rule (a clipped straight-through
// sign, BinaryConnect-style): the lower layer trains only through the rule (plain autodiff
// of sign gives it no gradient), the loss falls on the CPU, the compiled graph holds no
// marker, and WebGPU matches the CPU within 1e-5 per parameter after 3 SGD steps.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { toposort, roots } from '../../compiler/ir/graph.ts';
import { buildForwardGraph, buildTrainingGraph, type ForwardBuild } from '../../compiler/train/build.ts';
import { evaluate } from '../../runtime/cpu/index.ts';
import { verify } from '../../compiler/ir/verify.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, changed, gpuVsCpu, runCpu, values } from '../methods/helpers.ts';

const recipe = (act: string) => `
import std.nn.linear
import std.losses.classification
import std.optim.sgd
fn sign_ste(x) = sign(x) backward(g) = where(abs(x) <= 1.0, g, 0.0)
model bin_mlp(dim: int, hidden: int, classes: int) {
  fc1 = linear(dim, hidden)
  fc2 = linear(hidden, classes)
  forward(x: f32[B, dim]) -> f32[B, classes] = fc2(${act}(fc1(x)))
}
recipe r {
  model = bin_mlp(8, 16, 4)
  data = synthetic_classification(n: 64, dim: 8, classes: 4, seed: 1) |> batch(8)
  loss = classification
  optim = sgd(lr: 0.1)
  train(steps: 30)
}`;

describe('a recipe with a custom backward rule', () => {
  const ste = build(recipe('sign_ste'));

  it('the lower layer trains through the rule only; the loss falls; no marker is left', () => {
    const plain = build(recipe('sign'));
    const start = values(plain, new Map(plain.initialValues(0)));
    expect(changed(start, values(plain, runCpu(plain, 2).store))).toEqual(['fc2.bias', 'fc2.weight']);
    expect(changed(start, values(ste, runCpu(ste, 2).store))).toEqual([
      'fc1.bias',
      'fc1.weight',
      'fc2.bias',
      'fc2.weight',
    ]);
    const fixed = batchFor(ste, 1);
    const { losses } = runCpu(ste, 30, undefined, () => fixed);
    expect(losses[29]).toBeLessThan(0.7 * losses[0]);
    expect(toposort(roots(ste.graph)).some((n) => n.op === 'custom_vjp')).toBe(false);
    expect(() => verify(ste.graph, 'build')).not.toThrow();
  });

  it('a forward-only graph of the same recipe holds no marker and evaluates on the CPU', () => {
    const file = 'examples/inline.ftl';
    const fb = buildForwardGraph({ file, program: parse(recipe('sign_ste'), file).ast }, { parse });
    expect(fb.diagnostics).toEqual([]);
    const f = fb as ForwardBuild;
    expect(toposort(roots(f.graph)).some((n) => n.op === 'custom_vjp')).toBe(false);
    const out = evaluate(f.graph, { params: f.initialValues(0), inputs: batchFor(ste, 1) });
    expect(out.outputs.loss[0]).toBeCloseTo(runCpu(ste, 1).losses[0], 5);
  });

  it('a rule giving a wrong-shaped gradient is a diagnostic at the rule, not a throw', () => {
    const file = 'examples/inline.ftl';
    const text = recipe('sign_ste').replace(
      'backward(g) = where(abs(x) <= 1.0, g, 0.0)',
      'backward(g) = sum(g)',
    );
    const r = buildTrainingGraph({ file, program: parse(text, file).ast }, { parse });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FTL0203']);
    expect(r.diagnostics[0].span?.line).toBe(5);
    expect(r.diagnostics[0].message).toMatch(/gives `x` \(f32\[8, 16\]\) a gradient of f32\[\]/);
  });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    it('matches the CPU within 1e-5', async () => {
      const r = await gpuVsCpu(h, ste, 3);
      expect(r.maxLossGap).toBeLessThan(1e-5);
      expect(r.changed).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
      for (const [k, v] of r.after)
        v.forEach((x, i) => expect(Math.abs(x - r.cpuAfter.get(k)![i])).toBeLessThan(1e-5));
    }, 120_000);
  });
});
