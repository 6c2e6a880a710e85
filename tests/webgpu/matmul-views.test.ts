// The vec4 matmul templates on views (compiler/codegen/view.ts): operands that are attention
// heads split or merged by reshape/permute, loaded as vec4 without a copy. WebGPU vs the CPU
// reference executor with fresh inputs on awkward sizes; each case checks which template ran
// (a view whose runs of 4 are not contiguous and aligned must fall back to the scalar one).

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

let seed = Date.now() % 100000;

/** [B, H, T, Dh] and the output width N. */
const SIZES: [number, number, number, number, number][] = [
  [1, 1, 1, 4, 4],
  [2, 3, 5, 8, 12],
  [1, 4, 8, 4, 33],
  [3, 2, 12, 12, 1],
];

type Kind = 'merged-nn' | 'merged-nt' | 'merged-tn' | 'split-nn' | 'unaligned';

function build(kind: Kind, [B, H, T, Dh, N]: number[]) {
  const params = new Map<string, TypedArray>();
  const first = seed;
  const p = (name: string, shape: number[]) => randomParam(params, name, shape, seed++);
  const D = H * Dh;
  // Heads [B, H, T, Dh] merged into rows [B*T, H*Dh] (attention output before its projection).
  const merged = (o: Node) =>
    mk('reshape', [mk('permute', [o], { perm: [0, 2, 1, 3] })], { shape: [B * T, D] });
  const t2 = (x: Node) => mk('permute', [x], { perm: [1, 0] });
  let y: Node;
  let want: string;
  if (kind === 'merged-nn') {
    y = mk('matmul', [merged(p('o', [B, H, T, Dh])), p('w', [D, N])], null);
    want = N % 4 === 0 ? '_vec4nn.' : N === 1 ? '_vec4nt.' : '_reg4x4'; // w^T [1, D] is contiguous
  } else if (kind === 'merged-nt') {
    y = mk('matmul', [merged(p('o', [B, H, T, Dh])), t2(p('w', [N, D]))], null);
    want = '_vec4nt.';
  } else if (kind === 'merged-tn') {
    // dW = X^T dO_merged: A^T plain [B*T, N] transposed, B a merged-heads view.
    y = mk('matmul', [t2(p('x', [B * T, N])), merged(p('o', [B, H, T, Dh]))], null);
    want = N === 1 ? '_vec4nn.' : N % 4 === 0 ? '_vec4tn.' : '_reg4x4'; // [1, B*T] is contiguous
  } else if (kind === 'split-nn') {
    // P @ V with V's heads split out of rows [B*T, H*Dh]: a batched NN on a view.
    const v = mk('permute', [mk('reshape', [p('v', [B * T, D])], { shape: [B, T, H, Dh] })], {
      perm: [0, 2, 1, 3],
    });
    y = mk('matmul', [p('pr', [B, H, T, T]), v], null);
    want = T % 4 === 0 ? '_vec4nn.' : '_reg4x4'; // P is loaded as vec4 along T
  } else {
    // Heads of width 6: K = 2 * 6 is a multiple of 4 but runs of 4 straddle heads.
    const m = mk('reshape', [mk('permute', [p('o', [B, 2, T, 6])], { perm: [0, 2, 1, 3] })], {
      shape: [B * T, 12],
    });
    y = mk('matmul', [m, p('w', [12, N])], null);
    want = T === 1 ? '_vec4nn.' : '_reg4x4'; // one position: the heads are contiguous again
  }
  return { graph: { outputs: { y }, updates: [] }, params, first, want, K: kind === 'merged-tn' ? B * T : D };
}

describe('vec4 matmul on views vs CPU', () => {
  for (const kind of ['merged-nn', 'merged-nt', 'merged-tn', 'split-nn', 'unaligned'] as const)
    for (const size of SIZES)
      it(`${kind} [${size}]`, async () => {
        const { graph, params, first, want, K } = build(kind, size);
        const res = await runBoth(h, graph, params, new Map(), { matmul: 'register' });
        expect(res.plan.kernels.map((k) => k.name).join(' ')).toContain(want);
        expect(res.dispatches).toBe(1); // no copy of the view
        const m = mismatch(res.gpu.y, res.cpu.y, 1e-5, Math.sqrt(K));
        expect(m.worst, `seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(1);
      });
});
