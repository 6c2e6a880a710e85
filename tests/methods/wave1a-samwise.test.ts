// SAMWISE-style adapters + tracking-bias modules (stdlib/methods/samwise.ftl,
// stdlib/nn/cross_temporal_adapter.ftl, stdlib/nn/tracking_bias.ftl): zero-initialised
// output projections reproduce the frozen model exactly; the trainable count is exactly
// adapters + tracking modules; the backbone is bit-identical after training while both
// modules (the tracking gate included) move; the tracking module computes
// g * up(down(u - y)) with g = sigmoid(w (a_u - a_y) + b) (checked against the formula in
// plain TS); a WebGPU step equals the CPU executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
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

  it('trains exactly the adapters and tracking modules (loss falls); the backbone stays bit-identical', () => {
    const b = train(tiny(apply, opts));
    const names = trainableNames(b);
    expect(names.every((n) => /^blocks\.\d\.samwise_(adapter|tracking)\./.test(n))).toBe(true);
    const count = b.params
      .filter((p) => p.trainable)
      .reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    // adapter: down (d*size + size) + prev (d*size) + cond (d*size) + up (size*d + d);
    // tracking: text, key, down (d*size each) + up (size*d + d) + w + b; per block
    const adapter = 4 * D * SIZE + SIZE + D;
    const tracking = 4 * D * SIZE + D + 2;
    expect(count).toBe(LAYERS * (adapter + tracking));
    const store: Store = b.initialValues(2);
    const before = new Map(store);
    const lossOn = (inp: ReturnType<typeof batchInputs>) =>
      evaluate(b.graph, { params: store as never, inputs: inp as never }).outputs.loss[0];
    const l0 = lossOn(batchInputs(4, 8, 1, 1));
    for (let s = 1; s <= 3; s++) step(b.graph, store, batchInputs(4, 8, s, s));
    expect(lossOn(batchInputs(4, 8, 1, 1))).toBeLessThan(l0);
    for (const [k, v] of before) {
      if (k.includes(':') || /samwise_(adapter|tracking)/.test(k)) continue;
      expect(store.get(k), k).toEqual(v);
    }
    // every part moves: both output projections, and (once `up` is non-zero) the gate
    for (const n of ['samwise_adapter.up.weight', 'samwise_tracking.up.weight', 'samwise_tracking.w'])
      expect(maxAbsDiff(store.get(`blocks.0.${n}`)!, before.get(`blocks.0.${n}`)!), n).toBeGreaterThan(0);
    expect(
      maxAbsDiff(
        store.get('blocks.0.samwise_tracking.key.weight')!,
        before.get('blocks.0.samwise_tracking.key.weight')!,
      ),
    ).toBeGreaterThan(0);
  });

  it('the tracking module computes g * up(down(u - y)), g = sigmoid(w (a_u - a_y) + b)', () => {
    // A model that is only the module: u = the input as (B, T, d), y = tanh(u), c = the
    // mean of the first 2 positions; random parameters, output compared with plain TS.
    const [B, T, d, s] = [2, 3, 8, 4];
    const f = forward(`
import std.nn.tracking_bias
import std.optim.sgd
module probe(T: int, d: int) {
  tb = tracking_bias(d, ${s})
  forward(x: f32[B, n]) -> f32[B, n] {
    let u = reshape(x, [x.shape[0], T, d])
    let c = mean(u[:, :2], axis: 1, keepdim: true)
    return reshape(tb(u, tanh(u), c), [x.shape[0], T * d])
  }
}
recipe r {
  model = probe(T: ${T}, d: ${d})
  data = synthetic_classification(n: 8, dim: ${T * d}, classes: 2) |> batch(${B})
  loss = (m, b) => mean(m(b.x) * m(b.x))
  optim = sgd(lr: 0.1)
  train(steps: 1)
}`);
    const rnd = (n: number, k: number) =>
      Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(1.7 * i + k));
    const P = {
      text: rnd(s * d, 1),
      key: rnd(s * d, 2),
      down: rnd(s * d, 3),
      up: rnd(d * s, 4),
      upb: rnd(d, 5),
      w: Float32Array.of(1.3),
      b: Float32Array.of(-0.2),
    };
    const params: Store = new Map([
      ['tb.text.weight', P.text],
      ['tb.key.weight', P.key],
      ['tb.down.weight', P.down],
      ['tb.up.weight', P.up],
      ['tb.up.bias', P.upb],
      ['tb.w', P.w],
      ['tb.b', P.b],
    ]);
    const x = rnd(B * T * d, 6).map((v) => 3 * v);
    const y = evaluate(f.graph, { params: params as never, inputs: new Map([['x', x]]) as never }).outputs
      .output as Float32Array;
    // W [out, in] row-major: (W v)_o = sum_i W[o, i] v_i
    const mv = (W: Float32Array, v: number[], out: number) =>
      Array.from({ length: out }, (_, o) => v.reduce((a, vi, i) => a + W[o * v.length + i] * vi, 0));
    const want: number[] = [];
    for (let bi = 0; bi < B; bi++) {
      const u = (t: number) => Array.from(x.subarray((bi * T + t) * d, (bi * T + t + 1) * d));
      const c = u(0).map((v, i) => (v + u(1)[i]) / 2);
      const q = mv(P.text, c, s);
      const align = (v: number[]) => mv(P.key, v, s).reduce((a, k, i) => a + k * q[i], 0) / Math.sqrt(s);
      for (let t = 0; t < T; t++) {
        const ut = u(t);
        const yt = ut.map(Math.tanh);
        const g = 1 / (1 + Math.exp(-(P.w[0] * (align(ut) - align(yt)) + P.b[0])));
        const h = mv(
          P.down,
          ut.map((v, i) => v - yt[i]),
          s,
        );
        mv(P.up, h, d).forEach((v, o) => want.push(g * (v + P.upb[o])));
      }
    }
    expect(maxAbsDiff(y, want)).toBeLessThan(1e-5);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1);
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
