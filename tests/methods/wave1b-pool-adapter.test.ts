// InfMLLM's pool-adapter (stdlib/nn/pool_adapter.ftl) and stage-wise trainable sets
// (stdlib/methods/train_only.ftl): a 16x16 grid pools to 8x8 = 64 tokens in raster order,
// equal to window means computed here; stage 1 (train_only the adapter) leaves everything
// else bit-identical; CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, train } from '../stdlib/helpers.ts';
import { lossesBoth, type Inputs } from './wave1b-helpers.ts';

const recipe = (grid: number, pooled: number, d: number, apply = '') => `
import std.nn.pool_adapter
import std.nn.linear
import std.losses.classification
import std.optim.adamw
import std.methods.train_only
model toy_vlm(grid: int, pooled: int, d: int, classes: int = 3) {
  pool = pool_adapter(d, grid, pooled, d)
  head = linear(pooled * pooled * d, classes)
  forward(x: f32[B, D]) {
    return reshape(pool(reshape(x, [x.shape[0], grid * grid, d])), [x.shape[0], pooled * pooled * d])
  }
}
model toy_cls(grid: int, pooled: int, d: int, classes: int = 3) {
  pool = pool_adapter(d, grid, pooled, d)
  head = linear(pooled * pooled * d, classes)
  forward(x: f32[B, D]) = head(reshape(pool(reshape(x, [x.shape[0], grid * grid, d])), [x.shape[0], pooled * pooled * d]))
}
recipe r {
  model = ${apply ? 'toy_cls' : 'toy_vlm'}(grid: ${grid}, pooled: ${pooled}, d: ${d})
  data = synthetic_classification(n: 64, dim: ${grid * grid * d}, classes: 3, seed: 0) |> batch(8)
  ${apply}
  loss = classification
  optim = adamw(lr: 1e-2)
  train(steps: 5)
}`;
const xs = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.31 + s));
const inputs = (n: number, s: number): Inputs =>
  new Map<string, Float32Array | Int32Array>([
    ['x', xs(n, s)],
    ['label', Int32Array.from({ length: 8 }, (_, i) => (i + s) % 3)],
    ['step', Int32Array.of(s)],
  ]);

describe('pool-adapter', () => {
  it('16x16 -> 8x8 = 64 tokens in raster order, each the mean of its 2x2 window', () => {
    const [G, P, D, B] = [16, 8, 2, 8];
    const f = forward(recipe(G, P, D));
    const st = f.initialValues(0);
    st.set('pool.proj.weight', Float32Array.from([1, 0, 0, 1])); // identity projection
    st.set('pool.proj.bias', new Float32Array(2));
    const x = xs(B * G * G * D, 1);
    const inp = new Map<string, Float32Array | Int32Array>([
      ['x', x],
      ['label', new Int32Array(B)],
    ]);
    const y = evaluate(f.graph, { params: st, inputs: inp }).outputs.output;
    expect(y.length).toBe(B * P * P * D);
    for (let b = 0; b < B; b++)
      for (let r = 0; r < P; r++)
        for (let c = 0; c < P; c++)
          for (let k = 0; k < D; k++) {
            let s = 0;
            for (const [dr, dc] of [
              [0, 0],
              [0, 1],
              [1, 0],
              [1, 1],
            ])
              s += x[((b * G + 2 * r + dr) * G + 2 * c + dc) * D + k];
            expect(y[((b * P + r) * P + c) * D + k]).toBeCloseTo(s / 4, 6);
          }
  });

  it('stage 1 (train_only the adapter) updates only the adapter', () => {
    const b = train(recipe(4, 2, 2, 'apply train_only("pool.**")'));
    expect(
      b.params
        .filter((p) => p.trainable)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['pool.proj.bias', 'pool.proj.weight']);
    const st = b.initialValues(1);
    const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
    for (let s = 1; s <= 3; s++) step(b.graph, st, inputs(8 * 32, s));
    for (const p of b.params.filter((q) => !q.name.includes(':'))) {
      const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
      expect(same, p.name).toBe(!p.name.startsWith('pool.'));
    }
  });
});

describe('pool-adapter on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('stage-1 training equals the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, recipe(4, 2, 2, 'apply train_only("pool.**")'), 3, (s) =>
      inputs(8 * 32, s),
    );
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
