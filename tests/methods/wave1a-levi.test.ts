// LEVI (stdlib/methods/levi.ftl, stdlib/nn/small_transformer.ftl): with the combination
// weights at zero the model is the frozen one exactly; the trainable count is exactly the
// small model + the adapters + the combination weights; the backbone is bit-identical after
// training while the loss falls; a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
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
    for (const [k, v] of before)
      if (!k.includes(':') && !k.includes('levi_')) expect(store.get(k)).toEqual(v);
  });
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
