// stdlib/nn/conv2d.ftl: conv2d (stride 2, pad 1 on a 5x5 input) and depthwise_conv2d
// against direct loops: the loss L = sum(conv(x) * R) and, from one SGD step, the weight
// and bias gradients dL/dW; on the CPU executor and on WebGPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { batchFor, build, runCpu, runGpu } from './helpers.ts';

const [B, H, C, O, K, S, P] = [2, 5, 3, 4, 3, 2, 1];
const Ho = Math.floor((H + 2 * P - K) / S) + 1;
const recipe = (layer: string, outC: number, ho: number) => `
import std.nn.conv2d
import std.optim.sgd
model one() {
  c = ${layer}
  forward(x: f32[N, ${H}, ${H}, ${C}]) = c(x)
}
recipe r {
  model = one()
  data = synthetic_classification(n: 8, dim: ${H * H * C}, classes: 2, seed: 1) |> batch(${B})
  loss = (m, b) => sum(m(reshape(b.x, [${B}, ${H}, ${H}, ${C}])) * reshape(sin(float(arange(${B * ho * ho * outC}))), [${B}, ${ho}, ${ho}, ${outC}]))
  optim = sgd(lr: 1.0)
  train(steps: 1)
}`;
const R = (n: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i));

/** Direct loops: loss, dW [O, K, K, C] (or [K, K, C] depthwise), db. */
function reference(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  depthwise: boolean,
  s: number,
  ho: number,
) {
  const oc = depthwise ? C : O;
  const r = R(B * ho * ho * oc);
  const xi = (b: number, y: number, xx: number, c: number) =>
    y < 0 || xx < 0 || y >= H || xx >= H ? 0 : x[((b * H + y) * H + xx) * C + c];
  let loss = 0;
  const dW = new Float64Array(w.length);
  const db = new Float64Array(oc);
  for (let b = 0; b < B; b++)
    for (let y = 0; y < ho; y++)
      for (let xx = 0; xx < ho; xx++)
        for (let o = 0; o < oc; o++) {
          const g = r[((b * ho + y) * ho + xx) * oc + o];
          let v = bias[o];
          for (let i = 0; i < K; i++)
            for (let j = 0; j < K; j++)
              for (let c = 0; c < C; c++) {
                if (depthwise && c !== o) continue;
                const widx = depthwise ? (i * K + j) * C + c : ((o * K + i) * K + j) * C + c;
                const xv = xi(b, y * s + i - P, xx * s + j - P, c);
                v += w[widx] * xv;
                dW[widx] += g * xv;
              }
          loss += v * g;
          db[o] += g;
        }
  return { loss, dW, db };
}

const cases = [
  {
    name: 'conv2d',
    layer: `conv2d(${C}, ${O}, k: ${K}, stride: ${S}, pad: ${P})`,
    depthwise: false,
    s: S,
    ho: Ho,
    oc: O,
  },
  {
    name: 'depthwise_conv2d',
    layer: `depthwise_conv2d(${C}, k: ${K}, stride: 1, pad: ${P})`,
    depthwise: true,
    s: 1,
    ho: H,
    oc: C,
  },
];

function check(
  c: (typeof cases)[number],
  b: ReturnType<typeof build>,
  loss: number,
  after: Map<string, unknown>,
) {
  const init = b.initialValues(0);
  const x = batchFor(b, 1).get('x') as Float32Array;
  const ref = reference(x, init.get('c.weight')!, init.get('c.bias')!, c.depthwise, c.s, c.ho);
  expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.loss)));
  const w1 = after.get('c.weight') as Float32Array;
  init.get('c.weight')!.forEach((w0, i) => expect(Math.abs(w0 - w1[i] - ref.dW[i])).toBeLessThan(1e-4));
  const b1 = after.get('c.bias') as Float32Array;
  init.get('c.bias')!.forEach((b0, i) => expect(Math.abs(b0 - b1[i] - ref.db[i])).toBeLessThan(1e-4));
}

describe('conv2d', () => {
  for (const c of cases)
    it(`${c.name}: loss and gradients equal direct loops (CPU)`, () => {
      const b = build(recipe(c.layer, c.oc, c.ho));
      const r = runCpu(b, 1);
      check(c, b, r.losses[0], r.store);
    });

  describe('on WebGPU', () => {
    let h: DeviceHandle;
    beforeAll(async () => (h = await gpu()));
    afterAll(() => h?.destroy());
    for (const c of cases)
      it(`${c.name}: loss and gradients equal direct loops`, async () => {
        const b = build(recipe(c.layer, c.oc, c.ho));
        const r = await runGpu(h, b, 1);
        check(c, b, r.losses[0], r.store);
      }, 60_000);
  });
});
