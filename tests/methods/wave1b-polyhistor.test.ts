// Polyhistor (stdlib/methods/polyhistor.ftl): the generated adapter of (task, layer) is the
// product of hypernetwork outputs recomputed here in TypeScript (checked by loading those
// weights into a plain bottleneck adapter and comparing outputs); it starts as the base model;
// only embeddings and hypernetworks train (the backbone stays bit-identical); the parameter
// count matches the formula (full and Lite); CPU and WebGPU agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, step } from '../../runtime/cpu/index.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import { gpu } from '../webgpu/harness.ts';
import { forward, gptRecipe, train, type Store } from '../stdlib/helpers.ts';
import { lossesBoth, tokenInputs } from './wave1b-helpers.ts';

const rec = (apply: string) =>
  'import std.methods.polyhistor\nimport std.methods.adapter\n' + gptRecipe(apply);
const [S, K, E, TASKS, D, L] = [4, 2, 3, 2, 16, 3];
const POLY = (lite = false) =>
  `apply polyhistor(size: ${S}, k: ${K}, emb: ${E}, tasks: ${TASKS}, task: 1, lite: ${lite})`;

/** a (n, m) @ b (m, p), row-major. */
const mm = (a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number, p: number) => {
  const o = new Float64Array(n * p);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) for (let t = 0; t < m; t++) o[i * p + j] += a[i * m + t] * b[t * p + j];
  return o;
};
const tr = (a: Float64Array, n: number, p: number) =>
  Float64Array.from({ length: n * p }, (_, i) => a[(i % n) * p + Math.floor(i / n)]);

describe('polyhistor', () => {
  it('starts as the base model exactly', () => {
    const inp = tokenInputs(4, 8, 16, 1);
    const f = forward(rec(POLY()));
    const y = evaluate(f.graph, { params: f.initialValues(1), inputs: inp }).outputs.output;
    const y0 = evaluate(forward(rec('')).graph, { params: forward(rec('')).initialValues(1), inputs: inp })
      .outputs.output;
    expect(Array.from(y)).toEqual(Array.from(y0));
  });

  for (const lite of [false, true])
    it(`generated adapters equal the hypernetwork products recomputed independently${lite ? ' (Lite)' : ''}`, () => {
      const f = forward(rec(POLY(lite)));
      const st: Store = f.initialValues(3);
      st.set(
        'poly_h_layer_up',
        Float32Array.from({ length: E * D * K }, (_, i) => 0.2 * Math.sin(i * 0.9)),
      );
      const g = (n: string) => st.get(n) as Float32Array;
      const et = g('poly_task_emb').slice(1 * E, 2 * E); // task 1
      const a = forward(rec(`apply adapter(size: ${S})`));
      const as: Store = a.initialValues(3);
      for (let l = 0; l < L; l++) {
        const el = g('poly_layer_emb').slice(l * E, (l + 1) * E);
        const td = mm(et, g('poly_h_task_down'), 1, E, S * K); // (S, K)
        const wDown = mm(td, mm(el, g('poly_h_layer_down'), 1, E, K * D), S, K, D);
        const tu = lite ? tr(td, S, K) : mm(et, g('poly_h_task_up'), 1, E, K * S); // (K, S)
        const wUp = mm(mm(el, g('poly_h_layer_up'), 1, E, D * K), tu, D, K, S);
        as.set(`blocks.${l}.mlp.adapter.down.weight`, Float32Array.from(wDown));
        as.set(`blocks.${l}.mlp.adapter.up.weight`, Float32Array.from(wUp));
      }
      const inp = tokenInputs(4, 8, 16, 2);
      const y = evaluate(f.graph, { params: st, inputs: inp }).outputs.output;
      const ya = evaluate(a.graph, { params: as, inputs: inp }).outputs.output;
      const y0 = evaluate(forward(rec('')).graph, { params: st, inputs: inp }).outputs.output;
      let moved = 0;
      y.forEach((v, i) => {
        expect(Math.abs(v - ya[i])).toBeLessThan(1e-5);
        moved = Math.max(moved, Math.abs(v - y0[i]));
      });
      expect(moved).toBeGreaterThan(1e-4);
    });

  it('trains only embeddings and hypernetworks, with the formula parameter count', () => {
    for (const lite of [false, true]) {
      const b = train(rec(POLY(lite)));
      const t = b.params.filter((p) => p.trainable);
      for (const p of t) expect(p.name).toMatch(/^poly_/);
      const count = t.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
      expect(count).toBe(TASKS * E + L * E + E * S * K + E * K * D + E * D * K + (lite ? 0 : E * K * S));
      const st = b.initialValues(2);
      const before = new Map([...st].map(([k, v]) => [k, Array.from(v)]));
      for (let s = 1; s <= 2; s++) step(b.graph, st, tokenInputs(4, 8, 16, s));
      for (const p of b.params.filter((q) => !q.name.includes(':'))) {
        const same = JSON.stringify(Array.from(st.get(p.name)!)) === JSON.stringify(before.get(p.name));
        if (!p.name.startsWith('poly_')) expect(same, p.name).toBe(true);
      }
      // gradients reach the hypernetworks: the zero-initialised up hypernetwork moved
      expect(Array.from(st.get('poly_h_layer_up')!).some((v) => v !== 0)).toBe(true);
    }
  });
});

describe('polyhistor on WebGPU', () => {
  let h: DeviceHandle;
  beforeAll(async () => {
    h = await gpu();
  });
  afterAll(() => h?.destroy());
  it('training steps equal the CPU executor within 1e-4', async () => {
    const r = await lossesBoth(h, rec(POLY()), 2, (s) => tokenInputs(4, 8, 16, s));
    r.gpu.forEach((g, i) => expect(Math.abs(g - r.cpu[i])).toBeLessThan(1e-4 * Math.abs(r.cpu[i])));
  }, 120_000);
});
