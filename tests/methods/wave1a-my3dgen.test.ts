// My3DGen-style method (stdlib/methods/my3dgen.ftl): B = 0 gives the base output exactly;
// merge reproduces the adapter model to 1e-5 after training; the symmetry term (loss with
// symmetry 1 minus loss with symmetry 0) is exactly 0 for a palindromic batch and equals a
// host computation from the forward logits of the tokens and of their host-reversed copy
// (> 0) otherwise; a WebGPU step equals the CPU executor. Conv LoRA, on a two-conv NHWC toy
// CNN (std.nn.conv2d, one layer strided): B = 0 gives the base output exactly; after
// training, the merged kernel equals W + (alpha / r) reshape(B A, [cout, k, k, cin])
// computed here, and the base model with the merged kernels gives the adapter model's
// output to 1e-5; a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedParams } from '../../compiler/train/merge.ts';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import {
  batchInputs,
  forward,
  gpuStepMatchesCpu,
  inputs,
  logits,
  maxAbsDiff,
  tiny,
  train,
  type Store,
} from './wave1a-helpers.ts';

const [B, T, V] = [4, 8, 16];
const opts = { imports: ['my3dgen'] };
const apply = (sym: number) => `apply my3dgen(r: 2, symmetry: ${sym}, targets: "blocks.*.{attn.q,mlp.fc}")`;

const lossOf = (sym: number, p: Store, tokens: Int32Array) => {
  const b = train(tiny(apply(sym), opts));
  return Number(
    evaluate(b.graph, { params: p as Map<string, TypedArray>, inputs: inputs(tokens, undefined, 1) }).outputs
      .loss[0],
  );
};

/** Host: mean over (B, V) of (mean_t softmax(y) - mean_t softmax(y_mirror))^2. */
function hostSymmetry(y: Float32Array, ym: Float32Array): number {
  const pooled = (z: Float32Array) => {
    const out = new Float64Array(B * V);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const row = z.subarray((b * T + t) * V, (b * T + t + 1) * V);
        const mx = Math.max(...row);
        const e = Array.from(row, (v) => Math.exp(v - mx));
        const s = e.reduce((a, v) => a + v, 0);
        e.forEach((v, j) => (out[b * V + j] += v / s / T));
      }
    return out;
  };
  const [a, c] = [pooled(y), pooled(ym)];
  return a.reduce((acc, v, i) => acc + (v - c[i]) ** 2, 0) / (B * V);
}

describe('my3dgen', () => {
  it('B = 0 is the base model; merge equals the adapter model after training', () => {
    const p = forward(tiny(apply(0.1), opts)).initialValues(1);
    expect(Array.from(logits(forward(tiny(apply(0.1), opts)), p, batchInputs(B, T, 0)))).toEqual(
      Array.from(logits(forward(tiny('')), p, batchInputs(B, T, 0))),
    );
    const b = train(tiny(apply(0.1), opts));
    const store: Store = b.initialValues(2);
    for (let s = 1; s <= 3; s++) step(b.graph, store, batchInputs(B, T, s, s));
    const y = logits(forward(tiny(apply(0.1), opts)), store, batchInputs(B, T, 9));
    expect(
      maxAbsDiff(y, logits(forward(tiny('')), mergedParams(b.tree, store), batchInputs(B, T, 9))),
    ).toBeLessThan(1e-5);
    expect(maxAbsDiff(y, logits(forward(tiny('')), store, batchInputs(B, T, 9)))).toBeGreaterThan(1e-4);
  });

  it('the symmetry term is 0 on palindromes and matches the host formula otherwise', () => {
    const b = train(tiny(apply(0.1), opts));
    const store: Store = b.initialValues(2);
    for (let s = 1; s <= 2; s++) step(b.graph, store, batchInputs(B, T, s, s)); // non-zero adapters
    const pal = Int32Array.from({ length: B * T }, (_, i) => {
      const [r, t] = [Math.floor(i / T), i % T];
      return (r * 3 + Math.min(t, T - 1 - t) * 5) % V;
    });
    expect(lossOf(1, store, pal) - lossOf(0, store, pal)).toBe(0);

    const tok = batchInputs(B, T, 5).get('tokens') as Int32Array;
    const rev = Int32Array.from(tok, (_, i) => tok[Math.floor(i / T) * T + (T - 1 - (i % T))]);
    const f = forward(tiny(apply(0.1), opts));
    const host = hostSymmetry(logits(f, store, inputs(tok)), logits(f, store, inputs(rev)));
    const term = lossOf(1, store, tok) - lossOf(0, store, tok);
    expect(host).toBeGreaterThan(0);
    expect(Math.abs(term - host)).toBeLessThan(1e-6 + 1e-3 * host);
  });
});

/** A two-conv NHWC CNN on 5x5x2 images (flattened rows of 50), with `apply` and an MSE loss. */
const cnn = (apply: string) => `
import std.nn.conv2d
import std.optim.adamw
import std.methods.my3dgen
model cnn() {
  c1 = conv2d(2, 4, k: 3, stride: 1, pad: 1)
  c2 = conv2d(4, 3, k: 3, stride: 2, pad: 1)
  forward(x: f32[N, 50]) = c2(relu(c1(reshape(x, [x.shape[0], 5, 5, 2]))))
}
recipe r {
  model = cnn()
  data = synthetic_classification(n: 8, dim: 50, classes: 2, seed: 1) |> batch(2)
  ${apply}
  loss = (m, b) => mean((m(b.x) - 0.3) ^ 2)
  optim = adamw(lr: 5e-2)
  train(steps: 4)
}`;
const convApply = 'apply my3dgen(r: 2, alpha: 4.0, symmetry: 0.0, targets: "c{1,2}")'; // scale 2
const images = (salt: number, s?: number) => {
  const m = new Map<string, TypedArray>([
    ['x', Float32Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.3 + salt * 0.7))],
  ]);
  if (s !== undefined) m.set('step', Int32Array.of(s));
  return m;
};

describe('my3dgen on convolutions', () => {
  it('B = 0 is the base CNN; the merged kernels W + reshape(B A) give the adapter output', () => {
    const fa = forward(cnn(convApply));
    const base = forward(cnn(''));
    const p = fa.initialValues(1);
    expect(Array.from(logits(fa, p, images(0)))).toEqual(Array.from(logits(base, p, images(0))));

    const b = train(cnn(convApply));
    expect(b.params.filter((q) => q.trainable).map((q) => q.name)).toEqual([
      'c1.lora_a',
      'c1.lora_b',
      'c2.lora_a',
      'c2.lora_b',
    ]);
    const store: Store = b.initialValues(2);
    for (let s = 1; s <= 3; s++) step(b.graph, store, images(s, s));
    const merged = mergedParams(b.tree, store);
    // Host: W[o, i, j, c] + 2 * sum_r B[o, r] A[r, (i k + j) cin + c]; the flat index of
    // [cout, k, k, cin] is o * (k k cin) + (i k + j) cin + c, so reshape is the flat B A.
    for (const [c, cout, kkc] of [
      ['c1', 4, 18],
      ['c2', 3, 36],
    ] as const) {
      const w = store.get(`${c}.weight`) as Float32Array;
      const a = store.get(`${c}.lora_a`) as Float32Array;
      const bb = store.get(`${c}.lora_b`) as Float32Array;
      expect(bb.some((v) => v !== 0)).toBe(true);
      const want = Float32Array.from(w, (v, n) => {
        const [o, q] = [Math.floor(n / kkc), n % kkc];
        return v + 2 * (bb[o * 2] * a[q] + bb[o * 2 + 1] * a[kkc + q]);
      });
      expect(want.length).toBe(cout * kkc);
      expect(maxAbsDiff(merged.get(`${c}.weight`)!, want)).toBeLessThan(1e-6);
    }
    const y = logits(fa, store, images(9));
    expect(maxAbsDiff(y, logits(base, merged, images(9)))).toBeLessThan(1e-5);
    expect(maxAbsDiff(y, logits(base, store, images(9)))).toBeGreaterThan(1e-3);
  });
});

describe('on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('a training step equals the CPU executor', async () => {
    await gpuStepMatchesCpu(h, train(tiny(apply(0.5), { ...opts, layers: 1 })), batchInputs(B, T, 4, 1));
  });
  it('a conv LoRA training step equals the CPU executor', async () => {
    await gpuStepMatchesCpu(h, train(cnn(convApply)), images(4, 1));
  });
});
