// The executor's contract: rand uniforms bit-exact with runtime/rng.ts, a Plan that
// survives JSON, one dispatch per kernel per step, inputs fed per step, updates committed
// after every kernel read the old values (a swap), and clear errors on unknown names.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { mk } from '../../compiler/ir/node.ts';
import { lowerToPlan } from '../../compiler/plan/lower.ts';
import type { Plan } from '../../compiler/plan/plan.ts';
import { dispatchCount } from '../../compiler/plan/plan.ts';
import { evaluate } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { WebGPUExecutor } from '../../runtime/webgpu/executor.ts';
import { Builder, bin, c } from './cases.ts';
import { gpu, mismatch, randomF32 } from './harness.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

it('rand: uniforms bit-exact with the CPU for any seed; normals within 2e-6', async () => {
  const seed = mk('input', [], { name: 'seed' }, { shape: [], dtype: 'i32' });
  const g = {
    outputs: {
      u: mk('rand', [seed], { stream: 5, dist: 'uniform' }, { shape: [3, 1031] }),
      n: mk('rand', [seed], { stream: 6, dist: 'normal' }, { shape: [257] }),
    },
    updates: [],
  };
  const ex = await WebGPUExecutor.load(lowerToPlan(g, h.limits, { isCPU: h.isCPU }), h.device);
  for (const s of [0, 1, -1, 2147483647, -2147483648, 987654321]) {
    const seedV = Int32Array.of(s);
    ex.setInput('seed', seedV);
    await ex.step();
    const got = await ex.readOutputs(['u', 'n']);
    const want = evaluate(g, { params: new Map(), inputs: new Map([['seed', seedV]]) }).outputs;
    expect(Array.from(got.u)).toEqual(Array.from(want.u));
    expect(mismatch(got.n, want.n, 2e-6, 1).worst).toBeLessThanOrEqual(1);
  }
  ex.destroy();
});

it('a Plan round-trips through JSON and runs; updates see old values (swap)', async () => {
  const a = mk('param', [], { name: 'a', role: 'param' }, { shape: [7] });
  const b = mk('param', [], { name: 'b', role: 'param' }, { shape: [7] });
  const x = mk('input', [], { name: 'x' }, { shape: [7] });
  const g = {
    outputs: { dot: mk('reduce_sum', [bin('mul', a, x)], { axes: [0] }) },
    // a := b, b := a + x: both computed from the old a and b.
    updates: [
      { target: a, value: b },
      { target: b, value: bin('add', a, x) },
    ],
  };
  const plan = JSON.parse(JSON.stringify(lowerToPlan(g, h.limits, { isCPU: h.isCPU }))) as Plan;
  expect(plan.params.map((p) => [p.name, p.trainable])).toEqual([
    ['a', true],
    ['b', true],
  ]);
  expect(plan.inputs.map((s) => s.name)).toEqual(['x']);
  const ex = await WebGPUExecutor.load(plan, h.device);
  expect(ex.dispatchesPerStep).toBe(dispatchCount(plan));
  let av = randomF32(7, 1);
  let bv = randomF32(7, 2);
  ex.setParam('a', av);
  ex.setParam('b', bv);
  for (let s = 0; s < 3; s++) {
    const xv = randomF32(7, 10 + s);
    ex.setInput('x', xv);
    await ex.step();
    const dot = (await ex.readOutputs(['dot'])).dot[0];
    expect(dot).toBeCloseTo(
      av.reduce((acc, v, i) => acc + v * xv[i], 0),
      5,
    );
    [av, bv] = [bv, av.map((v, i) => v + xv[i])];
    expect(Array.from(await ex.getParam('a'))).toEqual(Array.from(av));
    expect(mismatch(await ex.getParam('b'), bv, 1e-6).worst).toBeLessThanOrEqual(1);
  }
  expect(() => ex.setInput('nope', new Float32Array(7))).toThrow(/no input named 'nope'/);
  expect(() => ex.setParam('a', new Float32Array(3))).toThrow(/expected 7/);
  await expect(ex.readOutputs(['nope'])).rejects.toThrow(/no output named 'nope'/);
  ex.destroy();
});

it('an output that is a constant or a param is still readable', async () => {
  const bld = new Builder();
  const p = bld.param('p', [3]);
  const g = { outputs: { k: c(2.5, [3]), p, q: bin('mul', p, c(2, [3])) }, updates: [] };
  const ex = await WebGPUExecutor.load(lowerToPlan(g, h.limits, { isCPU: h.isCPU }), h.device);
  ex.setParam('p', bld.params.get('p') as Float32Array);
  await ex.step();
  const r = await ex.readOutputs(['k', 'p', 'q']);
  expect(Array.from(r.k)).toEqual([2.5, 2.5, 2.5]);
  expect(Array.from(r.p)).toEqual(Array.from(bld.params.get('p')!));
  ex.destroy();
});
