// Finite-difference checks of every differentiable op's VJP rule, on awkward shapes:
// sizes 1, 3, 7, 33 and broadcasting patterns ([3,1] -> [3,7], [1,5] -> [4,5]).

import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { evaluateNodes } from '../../runtime/cpu/index.ts';
import { freshInput } from '../cpu/util.ts';
import { gradCheck } from './gradcheck.ts';

const nameOf = (n: Node) => (n.arg as { name: string }).name;
const c = (value: number, shape: readonly number[]) => mk('const', [], { value }, { shape });

describe('unary VJPs', () => {
  const cases: [string, [number, number]][] = [
    ['neg', [-2, 2]],
    ['recip', [0.5, 2]],
    ['exp', [-2, 2]],
    ['log', [0.2, 3]],
    ['sqrt', [0.2, 3]],
    ['sin', [-3, 3]],
    ['cos', [-3, 3]],
    ['tanh', [-2, 2]],
    ['abs', [0.1, 2]],
  ];
  for (const [op, range] of cases) {
    it(op, () => gradCheck(([x]) => mk(op as 'neg', [x], null), [[3, 7]], { range }));
  }
  it('abs on both signs', () =>
    gradCheck(([x]) => mk('abs', [x], null), [[7]], { values: [[-2, -1, -0.5, 0.3, 1, 2, -0.1]] }));
  it('cast f32 -> f32 is the identity', () => gradCheck(([x]) => mk('cast', [x], { to: 'f32' }), [[1]]));
});

describe('binary VJPs', () => {
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    it(op, () =>
      gradCheck(
        ([a, b]) => mk(op, [a, b], null),
        [
          [3, 7],
          [3, 7],
        ],
        { range: [0.5, 2] },
      ),
    );
  }
  it('same operand twice accumulates: x*x', () => gradCheck(([x]) => mk('mul', [x, x], null), [[33]]));
  for (const op of ['max', 'min'] as const) {
    it(`${op} (no ties)`, () => gradCheck(([a, b]) => mk(op, [a, b], null), [[7], [7]]));
  }
  it('pow on both sides (positive base)', () =>
    gradCheck(
      ([a, b]) => mk('pow', [a, b], null),
      [
        [3, 1],
        [3, 1],
      ],
      { range: [0.5, 2] },
    ));
  it('pow with a constant exponent on a negative base builds no log', () => {
    gradCheck(([a]) => mk('pow', [a, c(3, [7])], null), [[7]], { range: [-2, 2] });
    const x = freshInput([7]);
    const g = grad(mk('reduce_sum', [mk('pow', [x, c(3, [7])], null)], { axes: [0] }), [x]).get(x)!;
    const ops = new Set<string>();
    const walk = (n: Node) => (ops.add(n.op), n.src.forEach(walk));
    walk(g);
    expect(ops.has('log')).toBe(false);
  });
  it('max shares the gradient on ties; reduce_max too', () => {
    const [a, b] = [freshInput([2]), freshInput([2])];
    const loss = mk('reduce_sum', [mk('max', [a, b], null)], { axes: [0] });
    const g = grad(loss, [a, b]);
    const inputs = new Map([
      [nameOf(a), new Float64Array([1, 2])],
      [nameOf(b), new Float64Array([1, 3])],
    ]);
    const [ga, gb] = evaluateNodes(
      [g.get(a)!, g.get(b)!],
      { params: new Map(), inputs },
      { precision: 'f64' },
    );
    expect(Array.from(ga)).toEqual([0.5, 0]);
    expect(Array.from(gb)).toEqual([0.5, 1]);
    const x = freshInput([4]);
    const gx = grad(mk('reduce_max', [x], { axes: [0] }), [x]).get(x)!;
    const name = nameOf(x);
    const [v] = evaluateNodes(
      [gx],
      { params: new Map(), inputs: new Map([[name, new Float64Array([3, 1, 3, 3])]]) },
      { precision: 'f64' },
    );
    expect(Array.from(v)).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
  });
  it('where routes the gradient to the chosen branch', () => {
    const cnd = freshInput([3, 7], 'bool');
    const cv = Array.from({ length: 21 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
    gradCheck(
      ([a, b]) => mk('where', [cnd, a, b], null),
      [
        [3, 7],
        [3, 7],
      ],
      { fixed: [[cnd, cv]] },
    );
  });
  it('detach passes no gradient: d(Σ x·detach(x))/dx = x, not 2x', () => {
    const x = freshInput([3]);
    const loss = mk('reduce_sum', [mk('mul', [x, mk('detach', [x], null)], null)], { axes: [0] });
    const inputs = new Map([[nameOf(x), new Float64Array([0.5, -2, 3])]]);
    const [gx] = evaluateNodes(
      [grad(loss, [x]).get(x)!],
      { params: new Map(), inputs },
      { precision: 'f64' },
    );
    expect(Array.from(gx)).toEqual([0.5, -2, 3]);
  });
});

describe('reduction and movement VJPs', () => {
  for (const axes of [[0], [1], [0, 1]]) {
    it(`reduce_sum [${axes}]`, () => gradCheck(([x]) => mk('reduce_sum', [x], { axes }), [[3, 7]]));
    it(`reduce_max [${axes}]`, () => gradCheck(([x]) => mk('reduce_max', [x], { axes }), [[3, 7]]));
  }
  it('reshape', () => gradCheck(([x]) => mk('reshape', [x], { shape: [7, 3] }), [[3, 7]]));
  it('permute', () => gradCheck(([x]) => mk('permute', [x], { perm: [2, 0, 1] }), [[3, 1, 7]]));
  it('expand [3,1] -> [3,7]', () => gradCheck(([x]) => mk('expand', [x], { shape: [3, 7] }), [[3, 1]]));
  it('expand [1,5] -> [4,5]', () => gradCheck(([x]) => mk('expand', [x], { shape: [4, 5] }), [[1, 5]]));
  it('expand [1,1] -> [3,33]', () => gradCheck(([x]) => mk('expand', [x], { shape: [3, 33] }), [[1, 1]]));
  it('broadcast add [3,1] + [1,7]', () =>
    gradCheck(
      ([a, b]) =>
        mk('add', [mk('expand', [a], { shape: [3, 7] }), mk('expand', [b], { shape: [3, 7] })], null),
      [
        [3, 1],
        [1, 7],
      ],
    ));
  it('slice', () => gradCheck(([x]) => mk('slice', [x], { starts: [1, 2], ends: [3, 7] }), [[3, 7]]));
  it('pad', () => gradCheck(([x]) => mk('pad', [x], { before: [1, 0], after: [0, 2] }), [[3, 7]]));
  it('concat of three', () =>
    gradCheck(
      (xs) => mk('concat', xs, { axis: 1 }),
      [
        [3, 1],
        [3, 7],
        [3, 2],
      ],
    ));
});

describe('matmul, gather, scatter_add VJPs', () => {
  it('matmul [33,7] @ [7,1]', () =>
    gradCheck(
      ([a, b]) => mk('matmul', [a, b], null),
      [
        [33, 7],
        [7, 1],
      ],
    ));
  it('batched matmul [2,3,5] @ [2,5,1]', () =>
    gradCheck(
      ([a, b]) => mk('matmul', [a, b], null),
      [
        [2, 3, 5],
        [2, 5, 1],
      ],
    ));
  it('gather with repeated indices', () => {
    const idx = freshInput([2, 3], 'i32');
    gradCheck(([t]) => mk('gather', [t, idx], null), [[5, 3]], { fixed: [[idx, [4, 0, 4, 2, 4, 1]]] });
  });
  it('scatter_add', () => {
    const idx = freshInput([4], 'i32');
    gradCheck(([u]) => mk('scatter_add', [idx, u], { rows: 3 }), [[4, 7]], { fixed: [[idx, [2, 0, 2, 1]]] });
  });
});
