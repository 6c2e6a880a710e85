// X-Cross (stdlib/methods/xcross.ftl): with identity integration and the output weights on
// source s, the model equals source s's own LoRA model; training changes only the
// integration parameters (the sources' LoRAs and the backbone are bit-identical); CPU and
// WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) => 'import std.methods.xcross\n' + gptRecipe(apply);
const [N, R, D] = [3, 2, 16];
const XC = `apply xcross(sources: ${N}, r: ${R}, alpha: 4.0)`;
const SITES = [0, 1, 2].flatMap((l) => [`blocks.${l}.attn.q`, `blocks.${l}.attn.v`]);

describe('xcross', () => {
  for (const s of [0, 2])
    it(`identity integration with the output on source ${s} equals that source's LoRA model`, () => {
      const f = forward(rec(XC));
      const st = f.initialValues(4);
      st.set(
        'xc_out',
        Float32Array.from({ length: N }, (_, j) => (j === s ? 30 : -200)),
      );
      const lf = forward(rec(`apply lora(r: ${R}, alpha: 4.0, targets: "blocks.*.attn.{q,v}")`));
      const ls = lf.initialValues(4);
      for (const site of SITES) {
        ls.set(`${site}.lora_a`, st.get(`${site}.xc_a`)!.slice(s * R * D, (s + 1) * R * D));
        ls.set(`${site}.lora_b`, st.get(`${site}.xc_b`)!.slice(s * D * R, (s + 1) * D * R));
      }
      const inp = tokenInputs(4, 8, 16, 3);
      const y = evaluate(f.graph, { params: st, inputs: inp }).outputs.output;
      const yl = evaluate(lf.graph, { params: ls, inputs: inp }).outputs.output;
      const y0 = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
      let moved = 0;
      y.forEach((v, i) => {
        expect(Math.abs(v - yl[i])).toBeLessThan(1e-6);
        moved = Math.max(moved, Math.abs(yl[i] - y0[i]));
      });
      expect(moved).toBeGreaterThan(1e-4);
    });

  it('only integration parameters change; no gradient reaches the sources or the backbone', () => {
    const b = train(rec(XC));
    const own = /^(xc_out|blocks\.\d\.xc_mix)$/;
    expect(b.params.filter((p) => p.trainable).every((p) => own.test(p.name))).toBe(true);
    const st = b.initialValues(2);
    const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
    for (let s = 1; s <= 2; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
    for (const p of b.params.filter((q) => !q.name.includes(':'))) {
      const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
      expect(same, p.name).toBe(!own.test(p.name));
    }
  });
});

describe('xcross on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(XC), 2, (s) => tokenInputs(4, 8, 16, s));
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
