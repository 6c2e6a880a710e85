// Reduce-prologue fusion (compiler/codegen/reduce-pairs.ts): a reduction read back over
// its rows by a second reduction is computed and written by the second one's kernel.
// Layernorm statistics and softmax on awkward row counts and widths, on WebGPU vs the CPU
// reference executor with fresh inputs; each case checks that the pair was formed (one
// kernel named `+pre`, exactly two loops: no reduction recomputed per element) or, where a
// third kernel reads the first reduction before the second runs, that it was not.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { DeviceHandle } from '../../runtime/device/index.ts';
import type { TypedArray } from '../../runtime/cpu/index.ts';
import { gpu, mismatch, randomF32, runBoth } from './harness.ts';
import { bcast, bin, c, un } from './cases.ts';

let h: DeviceHandle;
beforeAll(async () => {
  h = await gpu();
});
afterAll(() => h?.destroy());

let seed = Date.now() % 100000;
const sum = (x: Node, axis: number) => mk('reduce_sum', [x], { axes: [axis] });
const max = (x: Node, axis: number) => mk('reduce_max', [x], { axes: [axis] });

/** [rows, width] of x; x is [rows, width] or, with a leading batch, [2, rows, width]. */
const SHAPES: number[][] = [
  [1, 1],
  [3, 7],
  [33, 3],
  [7, 65],
  [2, 65, 33],
  [129, 129],
];

function graphOf(kind: 'layernorm' | 'softmax' | 'early-reader', shape: number[]) {
  const params = new Map<string, TypedArray>();
  const first = seed;
  params.set(
    'x',
    randomF32(
      shape.reduce((a, b) => a * b, 1),
      seed++,
      -3,
      3,
    ),
  );
  const x = mk('param', [], { name: 'x', role: 'param' }, { shape });
  const ax = shape.length - 1;
  const w = shape[ax];
  const rowShape = shape.map((d, i) => (i === ax ? 1 : d));
  const back = (r: Node) => bcast(r, shape);
  let outputs: Record<string, Node>;
  if (kind === 'layernorm') {
    const mean = bin('div', sum(x, ax), c(w, rowShape));
    const xc = bin('sub', x, back(mean));
    const v = bin('div', sum(bin('mul', xc, xc), ax), c(w, rowShape));
    const y = bin('div', xc, back(un('sqrt', bin('add', v, c(1e-5, rowShape)))));
    outputs = { y, v };
  } else if (kind === 'softmax') {
    const e = un('exp', bin('sub', x, back(max(x, ax))));
    outputs = { y: bin('div', e, back(sum(e, ax))) };
  } else {
    // The mean is also read by a kernel (an output) that comes before the variance.
    const mean = sum(x, ax);
    const early = bin('mul', back(mean), x);
    const xc = bin('sub', x, back(mean));
    outputs = { early, v: sum(bin('mul', xc, xc), ax) };
  }
  return { graph: { outputs, updates: [] }, params, first };
}

describe('reduction pairs vs CPU', () => {
  for (const kind of ['layernorm', 'softmax', 'early-reader'] as const)
    for (const shape of SHAPES)
      it(`${kind} [${shape}]`, async () => {
        const { graph, params, first } = graphOf(kind, shape);
        const res = await runBoth(h, graph, params, new Map(), { reduce: 'serial', merge: false });
        const paired = res.plan.kernels.filter((k) => k.name.includes('+pre'));
        if (kind === 'early-reader') expect(paired).toHaveLength(0);
        else {
          expect(paired).toHaveLength(1);
          expect(paired[0].wgsl.match(/\bfor \(/g)).toHaveLength(2);
        }
        for (const name of Object.keys(graph.outputs)) {
          const m = mismatch(res.gpu[name], res.cpu[name], 1e-5, 1);
          expect(m.worst, `${name} seed ${first}: gpu ${m.g} vs cpu ${m.c} at ${m.at}`).toBeLessThanOrEqual(
            1,
          );
        }
      });
});
