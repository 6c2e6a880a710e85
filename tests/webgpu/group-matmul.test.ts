// A multi-output group computing the matmul its members read (compiler/codegen/
// group-matmul.ts): an Adam-style update of a weight from its gradient dW = X^T dY, with
// the weight stored as dW's shape (direct) or transposed ([out, in]: the group reads dW^T,
// computed as dY^T X). WebGPU vs the CPU reference executor with fresh inputs on awkward
// sizes; each case checks that the gradient got no kernel (one dispatch) and its template.
// Also an activation kernel that stores the raw matmul it reads (group-matmul.ts rawMatmuls).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import { gpu, mismatch, randomParam, runBoth } from './harness.ts';
import { bin, c, un } from './cases.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

let seed = Date.now() % 100000;

/** [rows of X and dY, in, out]. */
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 7, 5],
  [33, 4, 8],
  [65, 12, 33],
  [7, 129, 4],
];

function build(transposed: boolean, [T, I, O]: number[]) {
  const params = new Map<string, TypedArray>();
  const first = seed;
  const p = (name: string, shape: number[], lo = -1) => randomParam(params, name, shape, seed++, lo);
  const x = p('x', [T, I]);
  const dy = p('dy', [T, O]);
  const t2 = (n: Node) => mk('permute', [n], { perm: [1, 0] });
  const dw = mk('matmul', [t2(x), dy], null); // [I, O]
  const shape = transposed ? [O, I] : [I, O];
  const g = transposed ? t2(dw) : dw;
  const w = p('w', shape);
  const m = p('m', shape);
  const v = p('v', shape, 0);
  const k = (x: number) => c(x, shape);
  const m2 = bin('add', bin('mul', k(0.9), m), bin('mul', k(0.1), g));
  const v2 = bin('add', bin('mul', k(0.999), v), bin('mul', k(0.001), bin('mul', g, g)));
  const w2 = bin('sub', w, bin('mul', k(0.01), bin('div', m2, bin('add', un('sqrt', v2), k(1e-8)))));
  const graph = {
    outputs: {},
    updates: [
      { target: w as Node<'param'>, value: w2 },
      { target: m as Node<'param'>, value: m2 },
      { target: v as Node<'param'>, value: v2 },
    ],
  };
  return { graph, params, first };
}

describe('group computing its matmul vs CPU', () => {
  for (const transposed of [false, true])
    for (const size of SIZES)
      it(`${transposed ? 'transposed' : 'direct'} [${size}]`, async () => {
        const { graph, params, first } = build(transposed, size);
        const res = await runBoth(h, graph, params, new Map(), { matmul: 'register' });
        expect(res.dispatches).toBe(1);
        expect(res.plan.kernels[0].name).toMatch(/^sub_\d+_\w+_(vec4|reg)\w*\.?\w*_x3$/);
        for (const name of ['w', 'm', 'v']) {
          const key = `update:${name}`;
          const m = mismatch(res.gpu[key], res.cpu[key], 1e-4, 1e-3);
          expect(m.worst, `${key} seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
        }
      });
});

describe('an activation kernel writing its raw matmul vs CPU', () => {
  // pre = x w + b is kept (a later kernel reads it: relu's backward mask); act = relu(pre)'s
  // kernel stores both, so there is no kernel for pre alone. `reshaped`: the activation reads
  // pre as [2, T/2, O] (a [B*T, F] matmul seen as [B, T, F], as every linear layer does).
  for (const [T, I, O, reshaped] of [
    [1, 4, 4, 0],
    [3, 8, 12, 0],
    [33, 12, 36, 0],
    [65, 20, 7, 0],
    [2, 4, 4, 1],
    [66, 12, 36, 1],
    [130, 20, 7, 1],
  ])
    it(`[${T}, ${I}] x [${I}, ${O}]${reshaped ? ' seen as [2, T/2, O]' : ''}`, async () => {
      const params = new Map<string, TypedArray>();
      const first = seed;
      const p = (name: string, shape: number[]) => randomParam(params, name, shape, seed++);
      const mm = mk('matmul', [p('x', [T, I]), p('w', [I, O])], null);
      const pre = reshaped ? mk('reshape', [mm], { shape: [2, T / 2, O] }) : mm;
      const act = bin('max', pre, c(0, pre.shape));
      const dy = p('dy', [T, O]);
      // The mask reads pre through a reduction over rows, so it is a kernel of its own after act.
      const masked = mk('reduce_sum', [mk('where', [bin('lt', c(0, [T, O]), mm), dy, c(0, [T, O])], null)], {
        axes: [0],
      });
      const graph = { outputs: { act, masked }, updates: [] };
      const res = await runBoth(h, graph, params, new Map(), { matmul: 'register', merge: false });
      expect(res.plan.kernels.map((k) => k.name).join(' ')).toMatch(/^max_\d+_\w+_(vec4|reg)\S*_x2 /);
      expect(res.dispatches).toBe(2);
      for (const name of ['act', 'masked']) {
        const m = mismatch(res.gpu[name], res.cpu[name], 1e-5, Math.sqrt(I * T));
        expect(m.worst, `${name} seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
      }
    });
});
