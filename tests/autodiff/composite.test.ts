// Finite-difference checks of whole subgraphs built from primitives: softmax,
// log-softmax + NLL, layernorm, a 2-layer tanh MLP; and the no-gradient ops.

import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { evaluateNodes } from '../../runtime/cpu/index.ts';
import { freshInput } from '../cpu/util.ts';
import { gradCheck } from './gradcheck.ts';

const c = (value: number, shape: readonly number[]) => mk('const', [], { value }, { shape });
const bcast = (x: Node, shape: readonly number[]) => mk('expand', [x], { shape });

/** softmax over the last axis of x[R, C] */
function softmax(x: Node): Node {
  const m = mk('reduce_max', [x], { axes: [1] }); // (R, 1)
  const e = mk('exp', [mk('sub', [x, bcast(m, x.shape)], null)], null);
  return mk('div', [e, bcast(mk('reduce_sum', [e], { axes: [1] }), x.shape)], null);
}

/** log-softmax over the last axis of x[R, C] */
function logSoftmax(x: Node): Node {
  const m = bcast(mk('reduce_max', [x], { axes: [1] }), x.shape);
  const z = mk('sub', [x, m], null);
  const lse = mk('log', [mk('reduce_sum', [mk('exp', [z], null)], { axes: [1] })], null);
  return mk('sub', [z, bcast(lse, x.shape)], null);
}

describe('composite graphs', () => {
  it('softmax [3,7]', () => gradCheck(([x]) => softmax(x), [[3, 7]], { range: [-2, 2] }));

  it('log-softmax + NLL with one-hot targets (iota, eq, cast carry no gradient)', () => {
    const [R, C] = [4, 7];
    const target = freshInput([R], 'i32');
    const nll = (x: Node) => {
      const t = bcast(mk('reshape', [target], { shape: [R, 1] }), [R, C]);
      const onehot = mk('cast', [mk('eq', [mk('iota', [], { axis: 1 }, { shape: [R, C] }), t], null)], {
        to: 'f32',
      });
      const picked = mk('reduce_sum', [mk('mul', [logSoftmax(x), onehot], null)], { axes: [0, 1] });
      return mk('reshape', [mk('div', [mk('neg', [picked], null), c(R, [1, 1])], null)], { shape: [] });
    };
    gradCheck(([x]) => nll(x), [[R, C]], { range: [-3, 3], fixed: [[target, [6, 0, 3, 3]]] });
  });

  it('layernorm [3,33] with gain and bias', () => {
    const [R, C] = [3, 33];
    gradCheck(
      ([x, gain, bias]) => {
        const mean = mk('div', [mk('reduce_sum', [x], { axes: [1] }), c(C, [R, 1])], null);
        const xc = mk('sub', [x, bcast(mean, [R, C])], null);
        const v = mk(
          'div',
          [mk('reduce_sum', [mk('mul', [xc, xc], null)], { axes: [1] }), c(C, [R, 1])],
          null,
        );
        const inv = mk('recip', [mk('sqrt', [mk('add', [v, c(1e-5, [R, 1])], null)], null)], null);
        const y = mk('mul', [mk('mul', [xc, bcast(inv, [R, C])], null), bcast(gain, [R, C])], null);
        return mk('add', [y, bcast(bias, [R, C])], null);
      },
      [
        [R, C],
        [1, C],
        [1, C],
      ],
      { range: [-2, 2], rtol: 1e-4 },
    );
  });

  it('2-layer MLP with tanh: x[5,3] -> 7 -> 2', () => {
    gradCheck(
      ([x, w1, b1, w2]) => {
        const h = mk('tanh', [mk('add', [mk('matmul', [x, w1], null), bcast(b1, [5, 7])], null)], null);
        return mk('matmul', [h, w2], null);
      },
      [
        [5, 3],
        [3, 7],
        [1, 7],
        [7, 2],
      ],
    );
  });
});

describe('no-gradient ops and unreachable targets', () => {
  it('a round trip through i32 carries no gradient; an unused target gets zeros', () => {
    const x = freshInput([3]);
    const unused = freshInput([2, 2]);
    const viaInt = mk('cast', [mk('cast', [x], { to: 'i32' })], { to: 'f32' });
    const loss = mk('reduce_sum', [mk('add', [viaInt, mk('mul', [x, c(2, [3])], null)], null)], {
      axes: [0],
    });
    const g = grad(loss, [x, unused]);
    const name = (n: Node) => (n.arg as { name: string }).name;
    const inputs = new Map([
      [name(x), new Float64Array([1.5, -2.5, 3])],
      [name(unused), new Float64Array(4)],
    ]);
    const [gx, gu] = evaluateNodes(
      [g.get(x)!, g.get(unused)!],
      { params: new Map(), inputs },
      { precision: 'f64' },
    );
    expect(Array.from(gx)).toEqual([2, 2, 2]);
    expect(Array.from(gu)).toEqual([0, 0, 0, 0]);
  });
  it('rand does not differentiate with respect to anything', () => {
    const x = freshInput([4]);
    const seed = freshInput([], 'i32');
    const noise = mk('rand', [seed], { stream: 0, dist: 'normal' }, { shape: [4] });
    const loss = mk('reduce_sum', [mk('mul', [x, noise], null)], { axes: [0] });
    const g = grad(loss, [x]).get(x)!;
    const name = (n: Node) => (n.arg as { name: string }).name;
    const env = {
      params: new Map(),
      inputs: new Map<string, Float64Array | Int32Array>([
        [name(x), new Float64Array(4)],
        [name(seed), new Int32Array([9])],
      ]),
    };
    const [gv, nv] = evaluateNodes([g, noise], env, { precision: 'f64' });
    expect(Array.from(gv)).toEqual(Array.from(nv));
  });
});
