// compiler/codegen/view.ts: the (size, stride) sub-axis description of reshape/permute
// chains, checked element by element against the chain evaluated directly (row-major
// reshape, permute as an index shuffle) on random chains over awkward shapes, and the vec4
// rescaling against the scalar index at every aligned position.

import { describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { axisTerm, vec4View, viewOf, type View } from '../../compiler/codegen/view.ts';

/** The buffer index of view element `idx` by walking the chain (independent of view.ts). */
function direct(n: Node, idx: number[]): number {
  if (n.op === 'param') return idx.reduce((f, d, i) => f * n.shape[i] + d, 0);
  if (n.op === 'permute') {
    const perm = (n.arg as { perm: number[] }).perm;
    const src: number[] = [];
    perm.forEach((p, i) => (src[p] = idx[i]));
    return direct(n.src[0], src);
  }
  // reshape: through the row-major flat index.
  let flat = idx.reduce((f, d, i) => f * n.shape[i] + d, 0);
  const s = n.src[0].shape;
  const src = new Array<number>(s.length);
  for (let i = s.length - 1; i >= 0; i--) {
    src[i] = flat % s[i];
    flat = Math.floor(flat / s[i]);
  }
  return direct(n.src[0], src);
}

/** Evaluate a view's index expression (WGSL i32 arithmetic on non-negative values) with BigInt. */
function viaView(v: View, idx: number[]): number {
  let total = 0n;
  idx.forEach((d, axis) => {
    const expr = axisTerm(v, axis, 'x').replace(/\b(\d+)\b/g, '$1n');
    total += new Function('x', `return ${expr};`)(BigInt(d)) as bigint;
  });
  return Number(total);
}

function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx: number[] = [];
    let r = f;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = r % shape[i];
      r = Math.floor(r / shape[i]);
    }
    yield idx;
  }
}

const param = (shape: number[]) => mk('param', [], { name: 'p', role: 'param' }, { shape });
const mat = (n: Node) => n.op === 'param';

// [buffer shape, chain]: each step a permute (array) or a reshape ({ shape }).
type Step = number[] | { shape: number[] };
const CHAINS: [number[], Step[]][] = [
  [[3, 7], [[1, 0]]],
  [
    [2, 3, 4, 8],
    [[0, 2, 1, 3], { shape: [8, 24] }],
  ], // merged heads
  [
    [2, 3, 4, 8],
    [[0, 2, 1, 3], { shape: [8, 24] }, [1, 0]],
  ], // merged heads, transposed
  [[33], [{ shape: [3, 11] }, [1, 0], { shape: [33, 1] }]],
  [
    [2, 65],
    [{ shape: [2, 5, 13] }, [2, 0, 1], { shape: [13, 10] }],
  ],
  [
    [1, 12, 1],
    [{ shape: [4, 3] }, [1, 0], { shape: [12] }],
  ],
  [
    [4, 6, 8],
    [[2, 1, 0], { shape: [8, 2, 3, 4] }, [0, 3, 1, 2], { shape: [32, 6] }],
  ],
];

describe('views of reshape/permute chains', () => {
  for (const [shape, steps] of CHAINS)
    it(`[${shape}] ${JSON.stringify(steps)}`, () => {
      let n: Node = param(shape);
      for (const s of steps)
        n = Array.isArray(s) ? mk('permute', [n], { perm: s }) : mk('reshape', [n], { shape: s.shape });
      const v = viewOf(n, mat);
      // Every chain here is expressible (each reshape splits sub-axes evenly).
      expect(v).toBeDefined();
      for (const idx of indices([...n.shape])) expect(viaView(v!, idx), `[${idx}]`).toBe(direct(n, idx));
      const v4 = vec4View(v!);
      const r = n.shape.length;
      let aligned = true;
      for (const idx of indices([...n.shape]))
        if (idx[r - 1] % 4 === 0) {
          const f = direct(n, idx);
          const run = [1, 2, 3].every(
            (j) =>
              idx[r - 1] + j < n.shape[r - 1] && direct(n, [...idx.slice(0, -1), idx[r - 1] + j]) === f + j,
          );
          aligned &&= run && f % 4 === 0;
          if (v4) expect(4 * viaView(v4, [...idx.slice(0, -1), idx[r - 1] / 4])).toBe(f);
        }
      // vec4View accepts exactly the views whose aligned runs of 4 are contiguous and aligned.
      expect(v4 !== undefined).toBe(aligned);
    });

  it('an uneven reshape split is not a view', () => {
    const t = mk('permute', [param([4, 3])], { perm: [1, 0] });
    const n = mk('reshape', [t], { shape: [2, 6] });
    expect(viewOf(n, mat)).toBeUndefined();
  });
});
