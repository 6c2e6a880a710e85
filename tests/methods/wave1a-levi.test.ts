// LEVI (stdlib/methods/levi.ftl, stdlib/nn/small_transformer.ftl): with the combination
// weights at zero the model is the frozen one exactly; the trainable count is exactly the
// small model + the adapters + the combination weights; the backbone is bit-identical after
// training while the loss falls; a WebGPU step equals the CPU executor. The catalog's
// spurious-feature test (levi-spurious.ts has the task): trained on data where a spurious
// token predicts the label perfectly, LEVI's ensemble is right on the OOD split where that
// token is a coin flip, while a linear probe on the frozen (core-blind) model follows the
// spurious token; full fine-tuning of the same model is no better than LEVI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { probeMethod, spuriousFollowerOod, spuriousRun } from './levi-spurious.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  logits,
  tiny,
  train,
  type Store,
} from './wave1a-helpers.ts';

const [V, D, LAYERS, SD, ADP, CTX] = [16, 16, 2, 8, 4, 16];
const apply = `apply levi(small_d: ${SD}, small_layers: 1, small_heads: 2, adapter: ${ADP}, ctx: ${CTX})`;
const opts = { imports: ['levi'] };

describe('levi', () => {
  it('starts as the frozen model exactly', () => {
    const p = forward(tiny(apply, opts)).initialValues(1);
    expect(Array.from(logits(forward(tiny(apply, opts)), p, batchInputs(4, 8, 0)))).toEqual(
      Array.from(logits(forward(tiny('')), p, batchInputs(4, 8, 0))),
    );
  });

  it('trains exactly small model + adapters + weights; backbone bit-identical; loss falls', () => {
    const b = train(tiny(apply, opts).replace('adamw(lr: 1e-2)', 'adamw(lr: 3e-2)'));
    const size = (pred: (n: string) => boolean) =>
      b.params
        .filter((p) => p.role === 'param' && p.trainable && pred(p.name))
        .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    const small = V * SD + CTX * SD + (12 * SD * SD + 13 * SD) + 2 * SD + (SD * D + D); // emb, pos, block, ln, out
    const adapters = LAYERS * (D * ADP + ADP + ADP * D + D);
    expect(size((n) => n.startsWith('wte.levi_small.'))).toBe(small);
    expect(size((n) => n.includes('.levi_adapter.'))).toBe(adapters);
    expect(size((n) => n === 'ln_f.levi_weights')).toBe(LAYERS + 1);
    expect(size(() => true)).toBe(small + adapters + LAYERS + 1);

    const store: Store = b.initialValues(2);
    const before = new Map(store);
    const inp = batchInputs(4, 8, 3, 1);
    const loss = () =>
      Number(evaluate(b.graph, { params: store as Map<string, TypedArray>, inputs: inp }).outputs.loss[0]);
    const l0 = loss();
    for (let s = 1; s <= 15; s++) step(b.graph, store, batchInputs(4, 8, 3, s));
    expect(loss()).toBeLessThan(l0);
    // every view learns: the adapters' up-projections (zero at init) and the small model's
    // output layer moved, so did every combination weight
    const moved = (k: string) => Array.from(store.get(k)!).some((v, i) => v !== before.get(k)![i]);
    for (const l of [0, 1]) expect(moved(`blocks.${l}.levi_adapter.up.weight`), `${l}`).toBe(true);
    expect(moved('wte.levi_small.out.weight')).toBe(true);
    const w0 = before.get('ln_f.levi_weights')!;
    expect(Array.from(w0)).toEqual(new Array(LAYERS + 1).fill(Math.fround(1 / (LAYERS + 1))));
    Array.from(store.get('ln_f.levi_weights')!).forEach((v, i) => expect(v).not.toBe(w0[i]));
    for (const [k, v] of before)
      if (!k.includes(':') && !k.includes('levi_')) expect(store.get(k)).toEqual(v);
  });
});

describe('levi on a spurious feature (OOD split)', () => {
  // 40 steps of batch 32; LEVI and full fine-tuning at AdamW lr 3e-2, the probe at 5e-2 (at
  // 3e-2 it fits the training split in 40 steps on 1 seed of 5; what is asserted of it, that
  // it fits and then follows the spurious token, does not depend on its rate). Measured on
  // seeds 1..5: LEVI OOD accuracy 1.000 on all five; the probe 0.457 on all five (= always
  // following the spurious token); full fine-tuning 1.000 on seeds 1..4 and does not fit the
  // training split on seed 5. (At lr 1e-2, 100 steps: LEVI 1.000 on all five, full FT 0.664
  // on seed 1. With the spurious token at the predicting position instead, position 4, core
  // at 0..3, nothing is robust: probe and full FT 0.457 on all five seeds, LEVI 0.457,
  // 0.699, 0.457, 0.457, 1.000 at lr 1e-2, 100 steps.)
  const levi = 'apply levi(small_d: 8, small_layers: 1, small_heads: 2, adapter: 4, ctx: 8)';
  const follower = spuriousFollowerOod();
  const leviRuns = new Map<number, ReturnType<typeof spuriousRun>>();
  const leviRun = (seed: number) => {
    if (!leviRuns.has(seed)) leviRuns.set(seed, spuriousRun(levi, '', seed));
    return leviRuns.get(seed)!;
  };

  it.each([1, 2])(
    'seed %i: LEVI is right out of distribution, the linear probe follows the spurious token',
    (seed) => {
      const p = spuriousRun('apply probe', probeMethod, seed, 5e-2);
      const l = leviRun(seed);
      // both fit the training distribution
      expect(p.train).toBe(1);
      expect(l.train).toBe(1);
      // the probe's OOD accuracy is that of reading the spurious token; LEVI's is (near) perfect
      expect(p.ood).toBe(follower);
      expect(follower).toBeLessThan(0.6);
      expect(l.ood).toBeGreaterThanOrEqual(0.95);
      // the frozen backbone is untouched (the core-blind embedding stays core-blind)
      const wte = l.store.get('wte.weight') as Float32Array;
      expect(Array.from(wte.subarray(9 * 16, 10 * 16))).toEqual(Array.from(wte.subarray(2 * 16, 3 * 16)));
    },
    60_000,
  );

  it('full fine-tuning of the same model is no better than LEVI (seed 1)', () => {
    const ft = spuriousRun('', '', 1);
    expect(ft.train).toBe(1);
    expect(leviRun(1).ood).toBeGreaterThanOrEqual(ft.ood);
  }, 60_000);
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    await gpuStepMatchesCpu(h, train(tiny(apply, { ...opts, layers: 1 })), batchInputs(4, 8, 4, 1));
  });
});
