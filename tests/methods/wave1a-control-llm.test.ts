// Control LLM (stdlib/methods/control_llm.ftl, copy_params in compiler/features/host-init.ts):
// right after expansion the model equals the original for any alpha (1e-6); the original
// blocks are bit-identical after training while the copies move; the parameter count grows
// by exactly the expanded blocks; a WebGPU step equals the CPU executor.
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

const opts = { imports: ['control_llm'] };
const apply = (alpha: number, targets = 'blocks.1', div = 0) =>
  `apply control_llm(alpha: ${alpha}, divergence: ${div}, targets: "${targets}")`;
const numel = (b: ReturnType<typeof train>, pred: (n: string) => boolean) =>
  b.params
    .filter((p) => p.role === 'param' && pred(p.name))
    .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);

describe('control_llm', () => {
  it.each([0, 0.3, 1])('alpha %s: the expanded model starts equal to the original', (alpha) => {
    const f = forward(tiny(apply(alpha, 'blocks.*'), opts));
    const p = f.initialValues(1);
    const y = logits(f, p, batchInputs(4, 8, 0));
    expect(maxAbsDiff(y, logits(forward(tiny('')), p, batchInputs(4, 8, 0)))).toBeLessThan(1e-6);
  });

  it('grows by exactly the expanded blocks, trains only them, originals bit-identical', () => {
    const b = train(tiny(apply(0.5, 'blocks.1', 0.1), opts));
    const base = train(tiny(''));
    const block1 = numel(base, (n) => n.startsWith('blocks.1.'));
    expect(numel(b, () => true) - numel(base, () => true)).toBe(block1);
    expect(trainableNames(b).every((n) => n.startsWith('blocks.1.expanded.'))).toBe(true);
    expect(numel(b, (n) => trainableNames(b).includes(n))).toBe(block1);
    const store: Store = b.initialValues(2);
    const before = new Map(store);
    for (let s = 1; s <= 3; s++) step(b.graph, store, batchInputs(4, 8, s, s));
    for (const [k, v] of before) {
      if (k.includes(':')) continue;
      if (k.includes('.expanded.')) continue;
      expect(store.get(k)).toEqual(v);
    }
    expect(
      maxAbsDiff(
        store.get('blocks.1.expanded.mlp.fc.weight')!,
        before.get('blocks.1.expanded.mlp.fc.weight')!,
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
  it('a training step (with the divergence loss) equals the CPU executor', async () => {
    await gpuStepMatchesCpu(
      h,
      train(tiny(apply(0.5, 'blocks.0', 0.1), { ...opts, layers: 1 })),
      batchInputs(4, 8, 4, 1),
    );
  });
});
