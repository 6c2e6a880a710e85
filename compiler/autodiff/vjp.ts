// One vector-Jacobian product rule per op: forward meaning on the left, backward on the
// right. A rule returns, for each source, a pullback `g -> dsrc` (g: the gradient of the
// node's output, same shape as the node) or null when no gradient flows to that source;
// a rule that is null altogether marks an op with no gradient at all. Pullbacks are only
// called for sources that lie on a path to a trainable tensor (grad.ts), so e.g. the input
// gradient of a matmul below the lowest trainable weight is never built.
//
// Rules build nothing until a pullback is called (no dead nodes for unused sources).
// Tie conventions: max/min and reduce_max share the gradient equally among tied elements.
// Non-smooth points: abs'(0) = 0. pow's exponent gradient uses log(a) only where a > 0
// (0 elsewhere); with a constant exponent it is never built.

import { mk, type Node } from '../ir/node.ts';
import type { ArgOf, Op } from '../ir/ops.ts';
import { swapLast, type Builder } from './build.ts';

export type Pullback = (g: Node) => Node;
export type VjpRule = ((n: Node, b: Builder) => readonly (Pullback | null)[]) | null;

/** Gradient mask of `a` in max(a, b) (or min when `wins` is reversed): 1 where a wins, 1/2 on ties. */
function winMask(b: Builder, wins: Node, ties: Node): Node {
  const s = wins.shape;
  return b.where(wins, b.full(1, s), b.where(ties, b.full(0.5, s), b.full(0, s)));
}

export const vjpRules: Record<Op, VjpRule> = {
  param: null, //                 leaves: nothing below them
  input: null,
  const: null,
  iota: null,
  rand: null, //                  a function of (seed, stream, index): no gradient
  detach: null, //                y = x in the forward pass, dy/dx = 0
  lt: null, //                    comparisons are piecewise constant
  eq: null,
  neg: (n, b) => [(g) => b.neg(g)], //                       y = -x         dx = -g
  recip: (n, b) => [(g) => b.neg(b.mul(g, b.mul(n, n)))], // y = 1/x        dx = -g·y²
  exp: (n, b) => [(g) => b.mul(g, n)], //                     y = eˣ         dx = g·y
  log: (n, b) => [(g) => b.div(g, n.src[0])], //              y = ln x       dx = g/x
  sqrt: (n, b) => [(g) => b.div(g, b.mul(b.full(2, n.shape), n))], // y = √x  dx = g/(2y)
  sin: (n, b) => [(g) => b.mul(g, b.cos(n.src[0]))], //       y = sin x      dx = g·cos x
  cos: (n, b) => [(g) => b.neg(b.mul(g, b.sin(n.src[0])))], // y = cos x     dx = -g·sin x
  tanh: (n, b) => [(g) => b.mul(g, b.sub(b.full(1, n.shape), b.mul(n, n)))], // dx = g·(1-y²)
  abs: (n, b) => [
    // y = |x|   dx = g·sign(x), sign(0) = 0
    (g) => {
      const [x, z] = [n.src[0], b.full(0, n.shape)];
      const sign = b.where(b.lt(z, x), b.full(1, n.shape), b.where(b.lt(x, z), b.full(-1, n.shape), z));
      return b.mul(g, sign);
    },
  ],
  // y = cast(x): only f32 -> f32 carries a gradient (the identity); casts to or from ints do not.
  cast: (n) => [n.dtype === 'f32' && n.src[0].dtype === 'f32' ? (g) => g : null],
  add: (n, b) => [(g) => g, (g) => g], //                     y = a + b
  sub: (n, b) => [(g) => g, (g) => b.neg(g)], //              y = a - b
  mul: (n, b) => [(g) => b.mul(g, n.src[1]), (g) => b.mul(g, n.src[0])], // y = a·b
  div: (n, b) => [(g) => b.div(g, n.src[1]), (g) => b.neg(b.div(b.mul(g, n), n.src[1]))], // y = a/b: db = -g·y/b
  max: (n, b) => {
    const [x, y] = n.src;
    return [
      (g) => b.mul(g, winMask(b, b.lt(y, x), b.eq(x, y))),
      (g) => b.mul(g, winMask(b, b.lt(x, y), b.eq(x, y))),
    ];
  },
  min: (n, b) => {
    const [x, y] = n.src;
    return [
      (g) => b.mul(g, winMask(b, b.lt(x, y), b.eq(x, y))),
      (g) => b.mul(g, winMask(b, b.lt(y, x), b.eq(x, y))),
    ];
  },
  pow: (n, b) => {
    // y = aᵇ   da = g·b·a^(b-1)   db = g·y·ln a (a > 0; 0 elsewhere, where aᵇ is not smooth in b)
    const [a, e] = n.src;
    const one = () => b.full(1, n.shape);
    return [
      (g) => b.mul(g, b.mul(e, b.pow(a, b.sub(e, one())))),
      (g) => b.mul(b.mul(g, n), b.log(b.where(b.lt(b.full(0, n.shape), a), a, one()))),
    ];
  },
  where: (n, b) => {
    // y = c ? a : b
    const [c] = n.src;
    return [null, (g) => b.where(c, g, b.full(0, n.shape)), (g) => b.where(c, b.full(0, n.shape), g)];
  },
  // y = Σ_axes x (keepdims)   dx = expand(g)
  reduce_sum: (n, b) => [(g) => b.expand(g, n.src[0].shape)],
  reduce_max: (n, b) => [
    // y = max_axes x   dx = g / count(ties) at every maximal element, 0 elsewhere
    (g) => {
      const x = n.src[0];
      const { axes } = n.arg as ArgOf<'reduce_max'>;
      const mask = b.cast(b.eq(x, b.expand(n, x.shape)), 'f32');
      const share = b.div(g, b.reduceSum(mask, axes));
      return b.mul(mask, b.expand(share, x.shape));
    },
  ],
  reshape: (n, b) => [(g) => b.reshape(g, n.src[0].shape)], // dx = reshape(g) back
  permute: (n, b) => {
    // dx = permute(g, perm⁻¹)
    const { perm } = n.arg as ArgOf<'permute'>;
    const inv = new Array<number>(perm.length);
    perm.forEach((p, k) => (inv[p] = k));
    return [(g) => b.permute(g, inv)];
  },
  expand: (n, b) => {
    // y = broadcast x over its size-1 axes   dx = Σ g over those axes (keepdims: shape of x)
    const from = n.src[0].shape;
    const axes = from.flatMap((d, i) => (d === 1 && n.shape[i] !== 1 ? [i] : []));
    return [(g) => b.reduceSum(g, axes)];
  },
  slice: (n, b) => {
    // y = x[starts:ends]   dx = zero-pad g back to x's shape
    const { starts, ends } = n.arg as ArgOf<'slice'>;
    const after = ends.map((e, i) => n.src[0].shape[i] - e);
    return [(g) => b.pad(g, starts, after)];
  },
  pad: (n, b) => {
    // y = pad(x)   dx = g without the padding
    const { before } = n.arg as ArgOf<'pad'>;
    const s = n.src[0].shape;
    return [
      (g) =>
        b.slice(
          g,
          before,
          before.map((p, i) => p + s[i]),
        ),
    ];
  },
  concat: (n, b) => {
    // y = [x0 | x1 | ...] along axis   dxk = g's slab of xk
    const { axis } = n.arg as ArgOf<'concat'>;
    let at = 0;
    return n.src.map((x) => {
      const starts = n.shape.map((_, i) => (i === axis ? at : 0));
      const ends = n.shape.map((d, i) => (i === axis ? at + x.shape[axis] : d));
      at += x.shape[axis];
      return (g: Node) => b.slice(g, starts, ends);
    });
  },
  matmul: (n, b) => {
    // y = a @ b   (…,M,K) @ (…,K,N)   da = g @ bᵀ (…,M,K)   db = aᵀ @ g (…,K,N)
    const [x, w] = n.src;
    const t = swapLast(n.shape.length);
    return [(g) => b.matmul(g, b.permute(w, t)), (g) => b.matmul(b.permute(x, t), g)];
  },
  // y[i, r] = table[idx[i], r]   dtable = scatter_add(idx, g) over table rows
  gather: (n, b) => [(g) => b.scatterAdd(n.src[1], g, n.src[0].shape[0]), null],
  // y[idx[i], r] += upd[i, r]    dupd = gather(g, idx)
  scatter_add: (n, b) => [null, (g) => b.gather(g, n.src[0])],
  custom_vjp: (n) => {
    // y = value (src[0]); d inputs (src[1..]) = the rule's pullback (ops.ts). No gradient flows
    // into the value's own graph. The pullback traces the rule once; every input reads that.
    const { pullback } = n.arg as ArgOf<'custom_vjp'>;
    let memo: { g: Node; out: readonly (Node | null)[] } | undefined;
    const all = (g: Node) => {
      if (memo?.g !== g) memo = { g, out: pullback(g) };
      return memo.out;
    };
    return [
      null,
      ...n.src.slice(1).map((x, i) => (x.dtype === 'f32' ? (g: Node) => all(g)[i] ?? zero(x) : null)),
    ];
  },
};

const zero = (x: Node) => mk('const', [], { value: 0 }, { shape: x.shape, dtype: 'f32', span: x.span });
