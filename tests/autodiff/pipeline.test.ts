// autodiff -> verify -> simplify -> verify on a whole training graph (a 2-layer tanh MLP
// classifier with log-softmax NLL and an SGD update), executed by the CPU reference:
// simplify must not change a single value, and repeated steps must lower the loss.

import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { toposort, type Graph } from '../../compiler/ir/graph.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { verify } from '../../compiler/ir/verify.ts';
import { simplify } from '../../compiler/passes/simplify.ts';
import { evaluate, step, type TypedArray } from '../../runtime/cpu/index.ts';
import { randArray, seeded } from '../cpu/util.ts';

// B examples, D features, H hidden, C classes.
const [B, D, H, C] = [8, 5, 16, 3];
const c = (value: number, shape: readonly number[]) => mk('const', [], { value }, { shape });
const bcast = (x: Node, shape: readonly number[]) => mk('expand', [x], { shape });

function trainingGraph(): Graph {
  const p = (name: string, shape: number[]) =>
    mk('param', [], { name: `pipe_${name}`, role: 'param' }, { shape });
  const [w1, b1, w2] = [p('w1', [D, H]), p('b1', [1, H]), p('w2', [H, C])];
  const x = mk('input', [], { name: 'pipe_x' }, { shape: [B, D] });
  const y = mk('input', [], { name: 'pipe_y' }, { shape: [B], dtype: 'i32' });
  const h = mk('tanh', [mk('add', [mk('matmul', [x, w1], null), bcast(b1, [B, H])], null)], null); // (B, H)
  const logits = mk('matmul', [h, w2], null); // (B, C)
  const m = bcast(mk('reduce_max', [logits], { axes: [1] }), [B, C]);
  const z = mk('sub', [logits, m], null);
  const lse = bcast(mk('log', [mk('reduce_sum', [mk('exp', [z], null)], { axes: [1] })], null), [B, C]);
  const onehot = mk(
    'cast',
    [
      mk(
        'eq',
        [
          mk('iota', [], { axis: 1 }, { shape: [B, C] }),
          bcast(mk('reshape', [y], { shape: [B, 1] }), [B, C]),
        ],
        null,
      ),
    ],
    { to: 'f32' },
  );
  const nll = mk('reduce_sum', [mk('mul', [mk('sub', [z, lse], null), onehot], null)], { axes: [0, 1] });
  const loss = mk('reshape', [mk('div', [mk('neg', [nll], null), c(B, [1, 1])], null)], { shape: [] });
  const params = [w1, b1, w2];
  const g = grad(loss, params);
  const updates = params.map((t) => ({
    target: t,
    value: mk('sub', [t, mk('mul', [c(0.5, t.shape), g.get(t)!], null)], null),
  }));
  return { outputs: { loss }, updates };
}

function data() {
  const rng = seeded(3);
  const store = new Map<string, TypedArray>([
    ['pipe_w1', Float32Array.from(randArray(rng, D * H, -0.5, 0.5))],
    ['pipe_b1', new Float32Array(H)],
    ['pipe_w2', Float32Array.from(randArray(rng, H * C, -0.5, 0.5))],
  ]);
  const xs = Float32Array.from(randArray(rng, B * D, -1, 1));
  // A learnable labelling: the class of the largest of the first C features.
  const ys = Int32Array.from({ length: B }, (_, i) => {
    const row = Array.from(xs.subarray(i * D, i * D + C));
    return row.indexOf(Math.max(...row));
  });
  return {
    store,
    inputs: new Map<string, TypedArray>([
      ['pipe_x', xs],
      ['pipe_y', ys],
    ]),
  };
}

describe('training graph pipeline', () => {
  const g = trainingGraph();
  it('verifies after autodiff and after simplify, which shrinks the graph', () => {
    verify(g, 'autodiff');
    const s = simplify(g);
    verify(s, 'simplify');
    const count = (x: Graph) =>
      toposort([...Object.values(x.outputs), ...x.updates.map((u) => u.value)]).length;
    expect(count(s)).toBeLessThan(count(g));
  });
  it('simplify changes no value (f32), and SGD steps lower the loss', () => {
    const s = simplify(g);
    const { store, inputs } = data();
    const before = evaluate(g, { params: store, inputs });
    const after = evaluate(s, { params: store, inputs });
    expect(Array.from(after.outputs.loss)).toEqual(Array.from(before.outputs.loss));
    for (const [name, v] of before.updates)
      expect(Array.from(after.updates.get(name)!)).toEqual(Array.from(v));
    const first = before.outputs.loss[0];
    let last = first;
    for (let i = 0; i < 30; i++) last = step(s, store, inputs).loss[0];
    expect(last).toBeLessThan(first * 0.5);
  });
});
