// The blocked vec4 matmul templates (compiler/codegen/matmul-vec4.ts) on WebGPU vs the CPU
// reference executor, on sizes that leave partial blocks in every direction (1, 3, 7, 33,
// 65, 129 rows; 4..132 columns), batched, with a fused epilogue (bias + tanh), for each
// layout: NN (A B), NT (A B^T through a folded permute), TN (A^T B). Each case also checks
// that the intended template was generated, so a layout change cannot silently bypass it.
// Inputs are fresh pseudo-random values per run (the seed is in the failure message).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import { gpu, mismatch, randomParam, runBoth } from './harness.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

const base = Date.now() % 100000;
let seed = base;

const param = (params: Map<string, TypedArray>, name: string, shape: number[]): Node =>
  randomParam(params, name, shape, seed++);

const swap = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];

/** [batch, M, K, N] per layout; NN needs K, N % 4, NT K % 4, TN M, N % 4. */
const SIZES: Record<'nn' | 'nt' | 'tn', [number[], number, number, number][]> = {
  nn: [
    [[], 1, 4, 4],
    [[], 3, 8, 12],
    [[], 7, 36, 68],
    [[], 33, 132, 4],
    [[], 65, 4, 132],
    [[3], 129, 12, 36],
  ],
  nt: [
    [[], 1, 4, 1],
    [[], 3, 8, 7],
    [[], 33, 36, 65],
    [[], 65, 132, 3],
    [[2], 129, 4, 33],
    [[], 7, 68, 129],
  ],
  tn: [
    [[], 4, 1, 4],
    [[], 12, 3, 8],
    [[], 36, 33, 132],
    [[], 68, 7, 4],
    [[2], 132, 65, 36],
    [[], 4, 129, 68],
  ],
};

describe('blocked vec4 matmul vs CPU', () => {
  for (const [kind, sizes] of Object.entries(SIZES))
    for (const [batch, M, K, N] of sizes)
      for (const epilogue of [false, true])
        it(`${kind} [${batch}] ${M}x${K}x${N}${epilogue ? ' + bias, tanh' : ''}`, async () => {
          const first = seed;
          const params = new Map<string, TypedArray>();
          const r = batch.length + 2;
          const a =
            kind === 'tn'
              ? mk('permute', [param(params, 'at', [...batch, K, M])], { perm: swap(r) })
              : param(params, 'a', [...batch, M, K]);
          const b =
            kind === 'nt'
              ? mk('permute', [param(params, 'bt', [...batch, N, K])], { perm: swap(r) })
              : param(params, 'b', [...batch, K, N]);
          let y: Node = mk('matmul', [a, b], null);
          if (epilogue) {
            const bias = param(params, 'bias', [N]);
            const bb = mk('expand', [mk('reshape', [bias], { shape: [...batch.map(() => 1), 1, N] })], {
              shape: y.shape,
            });
            y = mk('tanh', [mk('add', [y, bb], null)], null);
          }
          const res = await runBoth(h, { outputs: { y }, updates: [] }, params, new Map(), {
            matmul: 'register',
          });
          expect(res.plan.kernels.map((k) => k.name).join(' ')).toContain(`_vec4${kind}.`);
          expect(res.dispatches).toBe(1); // the epilogue is fused into the matmul's store
          const m = mismatch(res.gpu.y, res.cpu.y, 1e-5, Math.sqrt(K));
          expect(m.worst, `seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
        });
});

describe('matmul epilogue through a reshape vs CPU', () => {
  // y = tanh(reshape(x w, [b, t, N]) + bias): the reshape keeps C's flat index, so the
  // bias and tanh run on the accumulators (one dispatch), vec4 (N % 4 == 0) or scalar.
  for (const [b, t, K, N] of [
    [1, 1, 4, 4],
    [3, 11, 8, 12],
    [2, 33, 36, 7],
    [5, 13, 9, 65],
  ])
    it(`[${b}, ${t}] x [${K}, ${N}]`, async () => {
      const first = seed;
      const params = new Map<string, TypedArray>();
      const x = param(params, 'x', [b * t, K]);
      const w = param(params, 'w', [K, N]);
      const bias = param(params, 'bias', [N]);
      const mm = mk('reshape', [mk('matmul', [x, w], null)], { shape: [b, t, N] });
      const bb = mk('expand', [mk('reshape', [bias], { shape: [1, 1, N] })], { shape: [b, t, N] });
      const y = mk('tanh', [mk('add', [mm, bb], null)], null);
      const res = await runBoth(h, { outputs: { y }, updates: [] }, params, new Map(), {
        matmul: 'register',
      });
      expect(res.dispatches).toBe(1);
      expect(res.plan.kernels[0].name).toMatch(/^tanh_\d+_\w+_(vec4|reg)/);
      const m = mismatch(res.gpu.y, res.cpu.y, 1e-5, Math.sqrt(K));
      expect(m.worst, `seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
    });
});
