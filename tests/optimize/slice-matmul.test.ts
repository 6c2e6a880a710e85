// narrowSlicedMatmuls (compiler/passes/slice-matmul.ts): a matmul read only through slices
// computes only the sliced block. Each case checks the matmuls left in the graph (shapes)
// and that the CPU reference executor gives the same values for the graph before and after,
// on fresh random inputs (awkward sizes).

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../compiler/ir/graph.ts';
import { roots, toposort } from '../../compiler/ir/graph.ts';
import { mk, numel, type Node } from '../../compiler/ir/node.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { narrowSlicedMatmuls } from '../../compiler/passes/slice-matmul.ts';
import { evaluate, type TypedArray } from '../../runtime/cpu/index.ts';
import { randomF32 } from '../webgpu/harness.ts';

const input = (name: string, shape: number[]) => mk('input', [], { name }, { shape });
const slice = (x: Node, starts: number[], ends: number[]) => mk('slice', [x], { starts, ends });
const matmuls = (g: Graph) =>
  toposort(roots(g))
    .filter((n) => n.op === 'matmul')
    .map((n) => n.shape.join('x'));

let seed = Date.now() % 100000;
function sameValues(before: Graph, after: Graph): void {
  const inputs = new Map<string, TypedArray>();
  for (const n of toposort(roots(before)))
    if (n.op === 'input') inputs.set((n.arg as { name: string }).name, randomF32(numel(n.shape), seed++));
  const [a, b] = [
    evaluate(before, { params: new Map(), inputs }),
    evaluate(after, { params: new Map(), inputs }),
  ];
  for (const k of Object.keys(a.outputs)) expect([...b.outputs[k]]).toEqual([...a.outputs[k]]);
}

describe('narrowSlicedMatmuls', () => {
  it("S2FT's selected-column gradient: slice(permute(h^T dY)) computes only the selected rows", () => {
    const h = input('h', [3, 7, 29]);
    const dy = input('dy', [3, 7, 5]);
    const full = mk(
      'matmul',
      [
        mk('permute', [mk('reshape', [h], { shape: [21, 29] })], { perm: [1, 0] }),
        mk('reshape', [dy], { shape: [21, 5] }),
      ],
      null,
    ); // [29, 5]
    const g: Graph = {
      outputs: { g: slice(mk('permute', [full], { perm: [1, 0] }), [0, 0], [5, 4]) },
      updates: [],
    };
    const n = narrowSlicedMatmuls(g);
    verify(n, 'narrow');
    expect(matmuls(g)).toEqual(['29x5']);
    expect(matmuls(n)).toEqual(['4x5']); // 4 of 29 channels
    sameValues(g, n);
  });

  it('batched, sliced on the batch, row and column axes at once', () => {
    const a = input('a', [2, 6, 9]);
    const b = input('b', [2, 9, 7]);
    const g: Graph = { outputs: { y: slice(mk('matmul', [a, b], null), [1, 2, 3], [2, 5, 6]) }, updates: [] };
    const n = narrowSlicedMatmuls(g);
    verify(n, 'narrow');
    expect(matmuls(n)).toEqual(['1x3x3']);
    sameValues(g, n);
  });

  it('leaves a matmul alone when a reader needs all of it', () => {
    const a = input('a', [5, 3]);
    const b = input('b', [3, 11]);
    const m = mk('matmul', [a, b], null);
    const g: Graph = { outputs: { s: slice(m, [0, 0], [5, 2]), e: mk('exp', [m], null) }, updates: [] };
    const n = narrowSlicedMatmuls(g);
    expect(matmuls(n)).toEqual(['5x11']);
    sameValues(g, n);
  });
});
