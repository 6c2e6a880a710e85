// DiffuseKronA (stdlib/methods/diffusekrona.ftl, stdlib/nn/kron.ftl): the reshape-based
// Kronecker matvec equals kron(A, B) @ x built on the host, dW = 0 at init gives the base
// model exactly, merge reproduces the adapter model to 1e-5, only A and B change, and a
// WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu, randomF32 } from '../webgpu/harness.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  logits,
  maxAbsDiff,
  tiny,
  train,
  trainableNames,
} from './wave1a-helpers.ts';

const opts = { imports: ['diffusekrona'] };
const apply = 'apply diffusekrona(a1: 4, a2: 2, scale: 0.5, targets: "blocks.*.attn.{q,v}")';

/** Host Kronecker product a[a1, a2] (x) b[b1, b2], row-major. */
function kronHost(a: Float32Array, [a1, a2]: number[], b: Float32Array, [b1, b2]: number[]) {
  const out = new Float32Array(a1 * b1 * a2 * b2);
  for (let i = 0; i < a1; i++)
    for (let j = 0; j < a2; j++)
      for (let k = 0; k < b1; k++)
        for (let l = 0; l < b2; l++)
          out[(i * b1 + k) * (a2 * b2) + j * b2 + l] = a[i * a2 + j] * b[k * b2 + l];
  return out;
}

describe('diffusekrona', () => {
  it('starts as the base model exactly; only kron_a / kron_b train', () => {
    const p = forward(tiny(apply, opts)).initialValues(1);
    const y = logits(forward(tiny(apply, opts)), p, batchInputs(4, 8, 0));
    expect(Array.from(y)).toEqual(Array.from(logits(forward(tiny('')), p, batchInputs(4, 8, 0))));
    expect(trainableNames(train(tiny(apply, opts)))).toEqual(
      ['0', '1'].flatMap((l) =>
        ['q', 'v'].flatMap((m) => [`blocks.${l}.attn.${m}.kron_a`, `blocks.${l}.attn.${m}.kron_b`]),
      ),
    );
  });

  it('the Kronecker matvec equals the host kron(A, B) folded into W', () => {
    const fwd = forward(tiny(apply, opts));
    const p = fwd.initialValues(1);
    // Non-zero B everywhere so the branch is active.
    for (const k of [...p.keys()].filter((k) => k.endsWith('kron_b')))
      p.set(k, randomF32(4 * 8, k.length + 3));
    const y = logits(fwd, p, batchInputs(4, 8, 2));
    const host = new Map(p);
    for (const k of [...p.keys()].filter((k) => k.endsWith('kron_a'))) {
      const mod = k.slice(0, -'.kron_a'.length);
      const dw = kronHost(p.get(k) as Float32Array, [4, 2], p.get(`${mod}.kron_b`) as Float32Array, [4, 8]);
      const w = Float32Array.from(p.get(`${mod}.weight`) as Float32Array, (v, i) => v + 0.5 * dw[i]);
      host.set(`${mod}.weight`, w);
    }
    expect(maxAbsDiff(y, logits(forward(tiny('')), host, batchInputs(4, 8, 2)))).toBeLessThan(1e-5);
  });

  it('after training, merge gives the adapter model within 1e-5; only A and B changed', () => {
    const b = train(tiny(apply, opts));
    const store = b.initialValues(2);
    const before = new Map(store);
    for (let s = 1; s <= 3; s++) step(b.graph, store, batchInputs(4, 8, s, s));
    for (const [k, v] of before)
      if (!k.includes(':') && !k.includes('.kron_')) expect(store.get(k)).toEqual(v);
    const y = logits(forward(tiny(apply, opts)), store, batchInputs(4, 8, 9));
    const ym = logits(forward(tiny('')), mergedParams(b.tree, store), batchInputs(4, 8, 9));
    const y0 = logits(forward(tiny('')), store, batchInputs(4, 8, 9));
    expect(maxAbsDiff(y, ym)).toBeLessThan(1e-5);
    expect(maxAbsDiff(y, y0)).toBeGreaterThan(1e-4);
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
