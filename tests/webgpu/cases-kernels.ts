// Test cases for the non-elementwise kernels: movement ops folded into index arithmetic,
// reductions (both templates), batched/transposed matmul (both templates), gather,
// scatter_add, rand. Awkward sizes throughout: 1, 3, 7, 33, 257, 1000+, non-multiples of
// the 4x4 register block and the 16x16 tile.

import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Shape } from '../../compiler/ir/ops.ts';
import { Builder, bin, c, un, type Case } from './cases.ts';

const reshape = (x: Node, shape: Shape) => mk('reshape', [x], { shape });
const permute = (x: Node, perm: number[]) => mk('permute', [x], { perm });
const expand = (x: Node, shape: Shape) => mk('expand', [x], { shape });

export function movementCases(): Case[] {
  const out: Case[] = [];
  {
    const b = new Builder();
    const x = b.param('x', [7, 33, 5]);
    out.push(
      b.done('reshape/permute/slice/pad', {
        r: reshape(x, [33, 35]),
        p: permute(x, [2, 0, 1]),
        s: mk('slice', [x], { starts: [1, 3, 0], ends: [6, 33, 4] }),
        pd: mk('pad', [x], { before: [1, 0, 2], after: [0, 3, 1] }),
        chain: un(
          'exp',
          permute(reshape(mk('slice', [x], { starts: [0, 1, 0], ends: [7, 31, 5] }), [35, 30]), [1, 0]),
        ),
      }),
    );
  }
  {
    const b = new Builder();
    const row = b.param('row', [1, 257]);
    const col = b.param('col', [3, 1]);
    out.push(
      b.done('broadcast via expand', {
        sum: bin('add', expand(row, [3, 257]), expand(col, [3, 257])),
        outer: bin('mul', expand(reshape(row, [257, 1]), [257, 3]), expand(reshape(col, [1, 3]), [257, 3])),
      }),
    );
  }
  {
    const b = new Builder();
    const a = b.param('a', [3, 7]);
    const d = b.param('d', [3, 1]);
    const e = b.param('e', [3, 33]);
    out.push(
      b.done('concat', {
        c1: mk('concat', [a, d, e], { axis: 1 }),
        c0: mk('concat', [a, un('neg', a)], { axis: 0 }),
        k: un('tanh', mk('concat', [e, e], { axis: 1 })),
      }),
    );
  }
  return out;
}

export function reduceCases(): Case[] {
  const out: Case[] = [];
  const shapes: [Shape, number[][]][] = [
    [
      [7, 33, 5],
      [[0], [1], [2], [0, 2], [0, 1, 2]],
    ],
    [
      [257, 3],
      [[0], [1]],
    ],
    [[1], [[0]]],
    [[4099], [[0]]],
    [[3, 1031], [[1]]],
  ];
  for (const [s, axesList] of shapes)
    for (const axes of axesList)
      for (const reduce of ['serial', 'workgroup'] as const) {
        const b = new Builder();
        const x = b.param('x', s);
        const k = b.ints('k', s, -100, 100);
        const n = axes.reduce((a, ax) => a * s[ax], 1);
        out.push(
          b.done(
            `reduce [${s}] axes [${axes}] ${reduce}`,
            {
              sum: mk('reduce_sum', [x], { axes }),
              max: mk('reduce_max', [x], { axes }),
              isum: mk('reduce_sum', [k], { axes }),
              imax: mk('reduce_max', [k], { axes }),
              fused: mk('reduce_sum', [un('exp', x)], { axes }),
            },
            { reduce, rtol: 1e-5, floor: Math.sqrt(n) } as Partial<Case>,
          ),
        );
      }
  return out;
}

/** Every template runs every size; `c` is plain (vec4-eligible), `ct` transposed and fused. */
export function matmulCases(): Case[] {
  const out: Case[] = [];
  const dims: [number[], number, number, number][] = [
    [[], 1, 1, 1],
    [[], 3, 7, 5],
    [[], 33, 17, 1],
    [[], 1, 257, 33],
    [[], 65, 33, 70],
    [[3], 7, 33, 5],
    [[2, 3], 17, 9, 18],
    [[], 257, 64, 129],
    // K, N multiples of 4: the vec4 register template (any M).
    [[], 33, 64, 36],
    [[2], 5, 8, 12],
    [[], 1, 4, 4],
    // M, N multiples of 4: the vec4 TN template for A^T B.
    [[], 36, 20, 8],
    [[3], 8, 5, 12],
  ];
  for (const [batch, M, K, N] of dims)
    for (const matmul of ['register', 'scalar', 'tiled'] as const) {
      const b = new Builder();
      const a = b.param('a', [...batch, M, K]);
      const w = b.param('w', [...batch, K, N]);
      const wt = b.param('wt', [...batch, N, K]);
      const at = b.param('at', [...batch, K, M]);
      const r = batch.length;
      const tperm = [...batch.map((_, i) => i), r + 1, r];
      out.push(
        b.done(
          `matmul [${batch}] ${M}x${K}x${N} ${matmul}`,
          {
            c: mk('matmul', [a, w], null),
            // B transposed through a folded permute, A computed by a fused chain.
            ct: mk('matmul', [un('tanh', a), permute(wt, tperm)], null),
            // A transposed through a folded permute (the vec4 TN template where eligible).
            tn: mk('matmul', [permute(at, tperm), w], null),
          },
          { matmul, rtol: 1e-5, floor: Math.sqrt(K) } as Partial<Case>,
        ),
      );
    }
  {
    // Batch broadcast: one weight for every batch entry, through reshape + expand.
    const b = new Builder();
    const x = b.param('x', [3, 7, 33]);
    const w = b.param('w', [33, 5]);
    out.push(
      b.done(
        'matmul batch-broadcast weight',
        { y: mk('matmul', [x, expand(reshape(w, [1, 33, 5]), [3, 33, 5])], null) },
        { floor: 6 },
      ),
    );
  }
  return out;
}

export function indexingCases(): Case[] {
  const out: Case[] = [];
  {
    const b = new Builder();
    const table = b.param('emb', [65, 7]);
    const idx = b.ints('tok', [3, 11], 0, 65);
    const upd = b.param('g', [3, 11, 7]);
    out.push(
      b.done(
        'gather and scatter_add',
        {
          rows: mk('gather', [table, idx], null),
          grad: mk('scatter_add', [idx, upd], { rows: 65 }),
          fused: mk('scatter_add', [idx, un('exp', upd)], { rows: 65 }),
          g2: bin('mul', mk('gather', [table, idx], null), c(2, [3, 11, 7])),
        },
        { floor: 4 },
      ),
    );
  }
  {
    // `sorted` indices (element masks): binary search for the row's run. Repeats, gaps,
    // rows before the first and after the last index; the fused f32->i32 cast of a mask.
    const b = new Builder();
    const raw = b.ints('pos', [301], 0, 1500);
    (b.inputs.get('pos') as Int32Array).sort();
    const upd = b.param('d', [301, 1]);
    const fidx = b.param('fidx', [5]);
    b.params.set('fidx', Float32Array.of(3, 3, 40, 41, 999));
    const d5 = b.param('d5', [5, 2]);
    out.push(
      b.done(
        'scatter_add: sorted indices (binary search)',
        {
          mask: mk('scatter_add', [raw, upd], { rows: 1601, sorted: true }),
          cast: mk('scatter_add', [mk('cast', [fidx], { to: 'i32' }), d5], { rows: 1003, sorted: true }),
        },
        { floor: 4 },
      ),
    );
  }
  {
    // >= 256 rows, unsorted: one invocation owns each output row (zeroes it, adds its hits in
    // place); repeated indices, rows no index names, a fused update and a 2-D row.
    const b = new Builder();
    const idx = b.ints('tok', [5, 67], 0, 257);
    const upd = b.param('g', [5, 67, 3]);
    const u2 = b.param('g2', [5, 67, 2, 5]);
    out.push(
      b.done(
        'scatter_add: a row per invocation',
        {
          grad: mk('scatter_add', [idx, upd], { rows: 301 }),
          fused: mk('scatter_add', [idx, un('exp', upd)], { rows: 301 }),
          grad2: mk('scatter_add', [idx, u2], { rows: 257 }),
        },
        { floor: 4 },
      ),
    );
  }
  {
    // Rows of 37 columns: three column blocks, the last one partial; repeated indices.
    const b = new Builder();
    const idx = b.ints('tok', [257], 0, 9);
    const upd = b.param('g', [257, 37]);
    const u3 = b.param('g3', [257, 2, 3]);
    out.push(
      b.done(
        'scatter_add: column blocks, repeated rows',
        {
          grad: mk('scatter_add', [idx, upd], { rows: 9 }),
          grad3: mk('scatter_add', [idx, u3], { rows: 9 }),
        },
        { floor: 16 },
      ),
    );
  }
  {
    const b = new Builder();
    const seed = b.input('seed', [], 'i32', Int32Array.of(-12345));
    out.push(
      b.done(
        'rand uniform/normal',
        {
          u: mk('rand', [seed], { stream: 3, dist: 'uniform' }, { shape: [7, 1031] }),
          n: mk('rand', [seed], { stream: 7, dist: 'normal' }, { shape: [33, 33] }),
          scaled: bin(
            'add',
            mk('rand', [seed], { stream: 1, dist: 'uniform' }, { shape: [257] }),
            c(1, [257]),
          ),
          // Uniforms are exact (checked bit for bit in rand.test.ts); normals go through f32
          // log/cos, so they agree to ~1e-6 absolute.
        },
        { floor: 0.1 },
      ),
    );
  }
  return out;
}
