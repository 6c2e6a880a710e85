// Row kernels (compiler/codegen/row-groups.ts, row-kernel.ts): reductions over the same rows
// and the elementwise nodes that read them back over those rows, in one kernel with one
// invocation per row. Layernorm forward and backward, softmax forward and backward (with an
// elementwise member read back in a later pass), a two-axis reduction, on awkward row counts
// and widths, on WebGPU vs the CPU reference executor with fresh inputs. Each case checks
// the structure too: the whole computation is one dispatch with the expected number of
// passes over the row (no reduction recomputed per element), or, where another kernel reads
// the first reduction before the rest can run, that the group was not formed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import { gpu, mismatch, randomParam, runBoth } from './harness.ts';
import { bcast, bin, c, un } from './cases.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

let seed = Date.now() % 100000;
const sum = (x: Node, axes: number[]) => mk('reduce_sum', [x], { axes });
const max = (x: Node, axes: number[]) => mk('reduce_max', [x], { axes });

/** x is [rows, width] or, with a leading batch, [2, rows, width]; reductions over the last axis. */
const SHAPES: number[][] = [
  [1, 1],
  [3, 7],
  [33, 3],
  [7, 65],
  [2, 65, 33],
  [129, 129],
];

type Kind =
  | 'layernorm'
  | 'layernorm-backward'
  | 'softmax'
  | 'softmax-backward'
  | 'two-axes'
  | 'bool-member'
  | 'early-reader';
/** Passes over the row each kind's kernel makes (see row-kernel.ts). */
const PASSES: Record<Exclude<Kind, 'early-reader'>, number> = {
  layernorm: 3, // mean | var | y
  'layernorm-backward': 4, // mean, sum(dxhat) | var | sum(dxhat * xhat) | dx
  softmax: 3, // max | e, sum(e) | y (e read back)
  'softmax-backward': 2, // sum(dy * y) | dx
  'two-axes': 3,
  'bool-member': 3, // mean | mask, count | y (mask read back)
};

function graphOf(kind: Kind, shape: number[]) {
  const params = new Map<string, TypedArray>();
  const first = seed;
  const leaf = (name: string, s: number[] = shape, lo = -3, hi = 3) =>
    randomParam(params, name, s, seed++, lo, hi);
  const x = kind === 'softmax-backward' ? undefined! : leaf('x');
  const axes = kind === 'two-axes' ? [shape.length - 2, shape.length - 1] : [shape.length - 1];
  const w = axes.reduce((a, i) => a * shape[i], 1);
  const rowShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const back = (r: Node) => bcast(r, shape);
  const stats = () => {
    const mean = bin('div', sum(x, axes), c(w, rowShape));
    const xc = bin('sub', x, back(mean));
    const v = bin('div', sum(bin('mul', xc, xc), axes), c(w, rowShape));
    const rstd = un('recip', un('sqrt', bin('add', v, c(1e-5, rowShape))));
    return { xc, v, rstd, xhat: bin('mul', xc, back(rstd)) };
  };
  let outputs: Record<string, Node>;
  if (kind === 'layernorm' || kind === 'two-axes') {
    const { xc, xhat } = stats();
    const g = leaf('g');
    // The sum of squares is an output too (written by the row kernel, as any member).
    outputs = { y: bin('add', bin('mul', xhat, g), c(0.5, shape)), ss: sum(bin('mul', xc, xc), axes) };
  } else if (kind === 'layernorm-backward') {
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g.
    const { rstd, xhat } = stats();
    const dxhat = bin('mul', leaf('dy'), leaf('g'));
    const m1 = bin('div', sum(dxhat, axes), c(w, rowShape));
    const m2 = bin('div', sum(bin('mul', dxhat, xhat), axes), c(w, rowShape));
    const inner = bin('sub', bin('sub', dxhat, back(m1)), bin('mul', xhat, back(m2)));
    outputs = { dx: bin('mul', inner, back(rstd)) };
  } else if (kind === 'softmax') {
    // `e` is an output too: written in the sum's pass and read back (not recomputed) by y's.
    const e = un('exp', bin('sub', x, back(max(x, axes))));
    outputs = { e, y: bin('div', e, back(sum(e, axes))) };
  } else if (kind === 'softmax-backward') {
    const y = leaf('y', shape, 0, 1); // probabilities
    const dy = leaf('dy');
    outputs = { dx: bin('mul', y, bin('sub', dy, back(sum(bin('mul', dy, y), axes)))) };
  } else if (kind === 'bool-member') {
    // A bool member (an output: stored as i32 0/1) written in one pass and read back in the next.
    const mean = bin('div', sum(x, axes), c(w, rowShape));
    const mask = mk('lt', [back(mean), x], null);
    const count = sum(mk('cast', [mask], { to: 'f32' }), axes);
    outputs = { mask, y: bin('mul', mk('where', [mask, x, c(0, shape)], null), back(count)) };
  } else {
    // The mean is also read by a kernel that cannot join (an output at the row shape) and
    // comes before the variance.
    const mean = sum(x, axes);
    const early = bin('mul', mean, c(2, rowShape));
    const xc = bin('sub', x, back(mean));
    outputs = { early, v: sum(bin('mul', xc, xc), axes) };
  }
  return { graph: { outputs, updates: [] }, params, first };
}

describe('row kernels vs CPU', () => {
  const kinds: Kind[] = [
    'layernorm',
    'layernorm-backward',
    'softmax',
    'softmax-backward',
    'two-axes',
    'bool-member',
    'early-reader',
  ];
  for (const kind of kinds)
    for (const shape of kind === 'two-axes' ? SHAPES.filter((s) => s.length === 3) : SHAPES)
      it(`${kind} [${shape}]`, async () => {
        const { graph, params, first } = graphOf(kind, shape);
        const res = await runBoth(h, graph, params, new Map(), { reduce: 'serial', merge: false });
        const rows = res.plan.kernels.filter((k) => /\+row\d/.test(k.name));
        if (kind === 'early-reader') expect(rows).toHaveLength(0);
        else {
          expect(res.plan.kernels.map((k) => k.name)).toEqual([rows[0]?.name]);
          expect(rows[0].wgsl.match(/\bfor \(/g)).toHaveLength(PASSES[kind]);
        }
        for (const name of Object.keys(graph.outputs)) {
          // dy - sum(dy * y) cancels: f32 rounding of the row sum scales with sqrt(width).
          const floor = kind === 'softmax-backward' ? Math.sqrt(shape[shape.length - 1]) : 1;
          const m = mismatch(res.gpu[name], res.cpu[name], 1e-5, floor);
          expect(m.worst, `${name} seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(
            1,
          );
        }
      });
});
