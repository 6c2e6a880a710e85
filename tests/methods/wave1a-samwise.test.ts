// SAMWISE-style adapters (stdlib/methods/samwise.ftl, stdlib/nn/cross_temporal_adapter.ftl):
// zero-initialised output projections reproduce the frozen model exactly; the trainable
// count is exactly the adapters'; the backbone is bit-identical after training while the
// adapters move; a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  logits,
  maxAbsDiff,
  tiny,
  train,
  trainableNames,
  type Store,
} from './wave1a-helpers.ts';

const [D, SIZE, LAYERS] = [16, 4, 2];
const apply = `apply samwise(size: ${SIZE}, caption: 3)`;
const opts = { imports: ['samwise'] };

describe('samwise', () => {
  it('starts as the frozen model exactly', () => {
    const p = forward(tiny(apply, opts)).initialValues(1);
    const y = logits(forward(tiny(apply, opts)), p, batchInputs(4, 8, 0));
    expect(Array.from(y)).toEqual(Array.from(logits(forward(tiny('')), p, batchInputs(4, 8, 0))));
  });

  it('trains exactly the adapters; the backbone stays bit-identical', () => {
    const b = train(tiny(apply, opts));
    const names = trainableNames(b);
    expect(names.every((n) => /^blocks\.\d\.samwise_adapter\./.test(n))).toBe(true);
    const count = b.params
      .filter((p) => p.trainable)
      .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    // down (d*size + size) + prev (d*size) + cond (d*size) + up (size*d + d), per block
    expect(count).toBe(LAYERS * (4 * D * SIZE + SIZE + D));
    const store: Store = b.initialValues(2);
    const before = new Map(store);
    for (let s = 1; s <= 3; s++) step(b.graph, store, batchInputs(4, 8, s, s));
    for (const [k, v] of before) {
      if (k.includes(':')) continue;
      if (k.includes('samwise_adapter')) continue;
      expect(store.get(k)).toEqual(v);
    }
    expect(
      maxAbsDiff(
        store.get('blocks.0.samwise_adapter.up.weight')!,
        before.get('blocks.0.samwise_adapter.up.weight')!,
      ),
    ).toBeGreaterThan(0);
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
