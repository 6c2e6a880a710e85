// DiffRate (stdlib/methods/diffrate.ftl): with all probability on "keep every token" the
// model equals the uncompressed one; after training toward a FLOPs target, the host cost
// model for the argmax rates is within 5% of the target; only the rate logits train and the
// backbone is bit-identical; a WebGPU step equals the CPU executor. Token merging
// (`merge: true`): merging nothing is the base model exactly; the merged logits equal an
// independent plain-TypeScript GPT-2 with the documented merge (diffrate-oracle.ts) on a tiny
// case where tokens really merge; the merge rates train toward the target; WebGPU agrees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { mergedGpt2 } from './diffrate-oracle.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  logits,
  tiny,
  train,
  trainableNames,
  type Store,
} from './wave1a-helpers.ts';

const RATES = [1.0, 0.75, 0.5, 0.25];
const opts = { imports: ['diffrate'], layers: 3 };

/** Host cost model: mean over layers of the product of the earlier layers' keep rates. */
function flops(keep: number[]): number {
  let acc = 1;
  let total = 0;
  for (const e of keep) {
    total += acc;
    acc *= e;
  }
  return total / keep.length;
}

describe('diffrate', () => {
  it('keeping every token gives the uncompressed model', () => {
    const f = forward(tiny('apply diffrate(target: 0.75)', opts));
    const p = f.initialValues(1);
    const y = logits(f, p, batchInputs(4, 8, 0));
    expect(Array.from(y)).toEqual(Array.from(logits(forward(tiny('', opts)), p, batchInputs(4, 8, 0))));
  });

  it('trains the rates to the FLOPs target (argmax within 5%); backbone bit-identical', () => {
    ratesReachTarget(false);
  });
});

/**
 * 80 steps toward a 0.75 FLOPs target: only the rate logits train, the backbone stays
 * bit-identical, and the argmax rates' expected FLOPs are within 5% of the target.
 */
function ratesReachTarget(merge: boolean): void {
  const text = tiny(
    `apply diffrate(target: 0.75, weight: 50.0, keep_bias: 0.0${merge ? ', merge: true' : ''})`,
    opts,
  ).replace('adamw(lr: 1e-2)', 'adamw(lr: 5e-2)');
  const b = train(text);
  expect(trainableNames(b)).toEqual(['0', '1', '2'].map((l) => `blocks.${l}.attn.diffrate_logits`));
  const store: Store = b.initialValues(1);
  const before = new Map(store);
  for (let s = 1; s <= 80; s++) step(b.graph, store, batchInputs(4, 8, s, s));
  for (const [k, v] of before)
    if (!k.includes(':') && !k.includes('diffrate')) expect(store.get(k)).toEqual(v);
  const keep = ['0', '1', '2'].map((l) => {
    const z = Array.from(store.get(`blocks.${l}.attn.diffrate_logits`)!);
    return RATES[z.indexOf(Math.max(...z))];
  });
  expect(Math.abs(flops(keep) - 0.75)).toBeLessThanOrEqual(0.05 * 0.75);
}

describe('diffrate token merging', () => {
  it('merging nothing gives the uncompressed model exactly', () => {
    const base = forward(tiny('', opts));
    for (const apply of ['apply diffrate(rates: [1.0], merge: true)', 'apply diffrate(merge: true)']) {
      const f = forward(tiny(apply, opts));
      const p = f.initialValues(1);
      expect(Array.from(logits(f, p, batchInputs(4, 8, 0)))).toEqual(
        Array.from(logits(base, p, batchInputs(4, 8, 0))),
      );
    }
  });

  it.each([
    ['rates: [0.5]', [4], [1]],
    ['rates: [1.0, 0.5], keep_bias: 0.0', [8, 4], [0.5, 0.5]],
    ['rates: [1.0, 0.75, 0.5, 0.25], keep_bias: 0.0', [8, 6, 4, 2], [0.25, 0.25, 0.25, 0.25]],
  ])('merged logits (%s) equal the plain-TypeScript merge within 1e-5', (args, counts, probs) => {
    const f = forward(tiny(`apply diffrate(${args}, merge: true)`, opts));
    const p = f.initialValues(1);
    const inp = batchInputs(4, 8, 0);
    const y = logits(f, p, inp);
    const base = logits(forward(tiny('', opts)), p, inp);
    const tokens = inp.get('tokens') as Int32Array;
    let merges = 0;
    let worst = 0;
    let moved = 0;
    for (let b = 0; b < 4; b++) {
      const seq = Array.from(tokens.slice(b * 8, b * 8 + 8));
      const r = mergedGpt2(p as Map<string, Float32Array>, seq, {
        vocab: 16,
        d: 16,
        heads: 2,
        layers: 3,
        counts,
        probs,
      });
      merges += r.merges;
      r.logits.forEach((row, t) =>
        row.forEach((v, k) => {
          const i = (b * 8 + t) * 16 + k;
          worst = Math.max(worst, Math.abs(v - y[i]));
          moved = Math.max(moved, Math.abs(y[i] - base[i]));
        }),
      );
    }
    expect(merges).toBeGreaterThan(0); // tokens really merged (not only dropped)
    expect(moved).toBeGreaterThan(1e-3); // and the outputs moved
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('trains the merge rates to the FLOPs target (argmax within 5%); backbone bit-identical', () => {
    ratesReachTarget(true);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    const b = train(tiny('apply diffrate(target: 0.75, keep_bias: 0.0)', { ...opts, layers: 2 }));
    await gpuStepMatchesCpu(h, b, batchInputs(4, 8, 4, 1));
  });
  it('a training step with token merging equals the CPU executor', async () => {
    const b = train(
      tiny('apply diffrate(target: 0.75, keep_bias: 0.0, merge: true)', { ...opts, layers: 2 }),
    );
    await gpuStepMatchesCpu(h, b, batchInputs(4, 8, 4, 1));
  });
});
