// Algebraic simplification: a rule table for the rewrite engine (compiler/ir/rewrite.ts),
// the algebra of each rule in its trailing comment. Rules preserve values exactly under
// the CPU executor's f32 semantics, including NaN and infinity (`x*0 -> 0` only fires
// when x is known finite; nothing reassociates floating-point arithmetic), up to the sign
// of zero (`x + 0 -> x` keeps -0 where the sum would give +0).
// Constant folding uses the executor's scalar op table, so it cannot disagree with it.

import { rewrite, type Rule, type RuleTable } from '../ir/rewrite.ts';
import type { Graph } from '../ir/graph.ts';
import { mk, numel, sameShape, type Node } from '../ir/node.ts';
import type { ArgOf, Op, Shape } from '../ir/ops.ts';
import { binaryScalar, unaryScalar } from '../../runtime/cpu/elementwise.ts';
import { roundTo } from '../../runtime/cpu/tensor.ts';

const isConst = (n: Node, v?: number): boolean =>
  n.op === 'const' && (v === undefined || (n.arg as ArgOf<'const'>).value === v);
/** A constant's value as its tensor stores it (f32-rounded), which is what folding must start from. */
const valueOf = (n: Node): number => roundTo(n.dtype, (n.arg as ArgOf<'const'>).value);
const at = (n: Node) => ({ span: n.span });

/** A constant with `n`'s dtype and span over `shape` (default: n's shape), stored as the dtype rounds it. */
const full = (n: Node, value: number, shape: Shape = n.shape): Node =>
  mk('const', [], { value: roundTo(n.dtype, value) }, { shape, dtype: n.dtype, span: n.span });

/** True when every element of `n` is finite, so multiplying it by 0 gives exactly 0. */
function knownFinite(n: Node): boolean {
  if (n.dtype !== 'f32') return true;
  if (n.op === 'const') return Number.isFinite(valueOf(n));
  if (n.op === 'iota') return true;
  if (n.op === 'cast') return n.src[0].dtype !== 'f32';
  return false;
}

const foldUnary: Rule = (n) =>
  isConst(n.src[0]) ? full(n, unaryScalar(n.op, n.src[0].dtype, n.dtype)(valueOf(n.src[0]))) : undefined; // f(c) -> c'
const foldBinary: Rule = (n) =>
  isConst(n.src[0]) && isConst(n.src[1])
    ? full(n, binaryScalar(n.op, n.src[0].dtype)(valueOf(n.src[0]), valueOf(n.src[1]))) // c1 ∘ c2 -> c
    : undefined;
/** A movement of a constant is the constant over the new shape. */
const moveConst: Rule = (n) => (isConst(n.src[0]) ? full(n, valueOf(n.src[0])) : undefined);
const identityShape: Rule = (n) => (sameShape(n.shape, n.src[0].shape) ? n.src[0] : undefined);

const unaryRules = (extra: Rule[] = []): Rule[] => [...extra, foldUnary];

export const simplifyRules: RuleTable = {
  add: [
    (n) => (isConst(n.src[1], 0) ? n.src[0] : undefined), //                 x + 0 -> x
    (n) => (isConst(n.src[0], 0) ? n.src[1] : undefined), //                 0 + x -> x
    (n) => (n.src[1].op === 'neg' ? mk('sub', [n.src[0], n.src[1].src[0]], null, at(n)) : undefined), // x + -y -> x - y
    foldBinary,
  ],
  sub: [
    (n) => (isConst(n.src[1], 0) ? n.src[0] : undefined), //                 x - 0 -> x
    (n) => (isConst(n.src[0], 0) && n.dtype === 'f32' ? mk('neg', [n.src[1]], null, at(n)) : undefined), // 0 - x -> -x
    (n) => (n.src[1].op === 'neg' ? mk('add', [n.src[0], n.src[1].src[0]], null, at(n)) : undefined), // x - -y -> x + y
    foldBinary,
  ],
  mul: [
    (n) => (isConst(n.src[1], 1) ? n.src[0] : undefined), //                 x * 1 -> x
    (n) => (isConst(n.src[0], 1) ? n.src[1] : undefined), //                 1 * x -> x
    (n) => (isConst(n.src[1], 0) && knownFinite(n.src[0]) ? n.src[1] : undefined), // x * 0 -> 0 (x finite)
    (n) => (isConst(n.src[0], 0) && knownFinite(n.src[1]) ? n.src[0] : undefined), // 0 * x -> 0 (x finite)
    (n) => (isConst(n.src[1], -1) && n.dtype === 'f32' ? mk('neg', [n.src[0]], null, at(n)) : undefined), // x * -1 -> -x
    foldBinary,
  ],
  div: [
    (n) => (isConst(n.src[1], 1) ? n.src[0] : undefined), //                 x / 1 -> x
    foldBinary,
  ],
  pow: [
    (n) => (isConst(n.src[1], 1) ? n.src[0] : undefined), //                 x ^ 1 -> x
    (n) => (isConst(n.src[1], 0) ? full(n, 1) : undefined), //               x ^ 0 -> 1 (also for NaN, as pow defines)
    (n) => (isConst(n.src[1], 2) ? mk('mul', [n.src[0], n.src[0]], null, at(n)) : undefined), // x ^ 2 -> x·x (exact; no pow of a negative base on GPUs)
    foldBinary,
  ],
  max: [(n) => (n.src[0] === n.src[1] ? n.src[0] : undefined), foldBinary], // max(x, x) -> x
  min: [(n) => (n.src[0] === n.src[1] ? n.src[0] : undefined), foldBinary], // min(x, x) -> x
  lt: [foldBinary],
  eq: [foldBinary],
  neg: unaryRules([(n) => (n.src[0].op === 'neg' ? n.src[0].src[0] : undefined)]), // -(-x) -> x
  recip: unaryRules(), //                                    (not 1/(1/x) -> x: inexact in f32)
  exp: unaryRules(),
  log: unaryRules(),
  sqrt: unaryRules(),
  sin: unaryRules(),
  cos: unaryRules(),
  tanh: unaryRules(),
  abs: unaryRules([(n) => (n.src[0].op === 'abs' ? n.src[0] : undefined)]), // |(|x|)| -> |x|
  detach: unaryRules(), //                                                   detach(c) -> c
  cast: unaryRules([(n) => (n.dtype === n.src[0].dtype ? n.src[0] : undefined)]), // cast<T>(x: T) -> x
  where: [
    (n) => (isConst(n.src[0]) ? (valueOf(n.src[0]) !== 0 ? n.src[1] : n.src[2]) : undefined), // where(c, a, b) -> a | b
    (n) => (n.src[1] === n.src[2] ? n.src[1] : undefined), //                where(c, x, x) -> x
  ],
  reshape: [
    identityShape, //                                                        reshape(x: S, S) -> x
    (n) =>
      n.src[0].op === 'reshape'
        ? mk('reshape', [n.src[0].src[0]], n.arg as ArgOf<'reshape'>, at(n))
        : undefined, // reshape(reshape(x)) -> reshape(x)
    moveConst, //                                                            reshape(c) -> c
  ],
  permute: [
    (n) => ((n.arg as ArgOf<'permute'>).perm.every((p, i) => p === i) ? n.src[0] : undefined), // permute(x, id) -> x
    (n) => {
      // permute(permute(x, p), q) -> permute(x, p∘q): out axis k is x axis p[q[k]]
      if (n.src[0].op !== 'permute') return undefined;
      const p = (n.src[0].arg as ArgOf<'permute'>).perm;
      const q = (n.arg as ArgOf<'permute'>).perm;
      return mk('permute', [n.src[0].src[0]], { perm: q.map((k) => p[k]) }, at(n));
    },
    moveConst, //                                                            permute(c) -> c
  ],
  expand: [
    identityShape, //                                                        expand(x: S, S) -> x
    (n) =>
      n.src[0].op === 'expand' ? mk('expand', [n.src[0].src[0]], n.arg as ArgOf<'expand'>, at(n)) : undefined, // expand(expand(x)) -> expand(x)
    moveConst, //                                                            expand(c) -> c (bigger)
  ],
  slice: [
    identityShape, //                                                        x[0:n] -> x
    moveConst, //                                                            slice(c) -> c
  ],
  pad: [
    identityShape, //                                                        pad(x, 0, 0) -> x
    (n) => (isConst(n.src[0], 0) ? full(n, 0) : undefined), //               pad(0) -> 0 (bigger)
  ],
  concat: [
    (n) => (n.src.length === 1 ? n.src[0] : undefined), //                   concat(x) -> x
    (n) =>
      n.src.every((s) => isConst(s) && valueOf(s) === valueOf(n.src[0]))
        ? full(n, valueOf(n.src[0]))
        : undefined, // concat(c, c) -> c
  ],
  reduce_sum: [
    identityShape, //                                                        Σ over size-1 axes -> x
    (n) =>
      isConst(n.src[0]) ? full(n, valueOf(n.src[0]) * (numel(n.src[0].shape) / numel(n.shape))) : undefined, // Σ c -> c·count
  ],
  reduce_max: [
    identityShape, //                                                        max over size-1 axes -> x
    (n) => (isConst(n.src[0]) && numel(n.src[0].shape) > 0 ? full(n, valueOf(n.src[0])) : undefined), // max c -> c
  ],
} satisfies Partial<Record<Op, readonly Rule[]>>;

/** The simplify pass: `simplifyRules` to a fixpoint over the whole graph. */
export function simplify(g: Graph): Graph {
  return rewrite(g, simplifyRules);
}
