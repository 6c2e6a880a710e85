// More builtins the checker's table (compiler/check/builtins.ts) promises: clamp, pow,
// sign, norm, argmax, range, gather along an axis, token_logprob, kl_div and a generic
// scaled dot-product `attention`. Each is a composition of IR primitives. Also the KV-cache
// builtins of decode.ts (kv_cache, positions, rope, causal_mask), which override the plain ones.

import type { Node } from '../ir/node.ts';
import { arg, need, num, optTensor, tensor, type Fn } from './args.ts';
import { TraceCodes, fmtShape } from './errors.ts';
import { err } from './interp.ts';
import * as nn from './nn-ops.ts';
import * as T from './tensor.ts';
import { decodeBuiltins } from './decode.ts';
import { isTensor, list, type Value } from './values.ts';

/** x[..., i, ...] picked along `axis` by an i32 index tensor shaped like x off that axis (torch.gather). */
function gatherAxis(x: Node, idx: Node, axis: number): Node {
  const ax = T.normAxis(axis, x.shape.length);
  if (idx.shape.length !== x.shape.length)
    err(
      TraceCodes.shapeMismatch,
      `gather: index ${fmtShape(idx.shape)} must have the rank of x ${fmtShape(x.shape)}`,
    );
  // one-hot over the gathered axis, then a sum: out[..., j, ...] = sum_i x[..., i, ...] [idx == i]
  const n = x.shape[ax];
  const shape = [...idx.shape.slice(0, ax), idx.shape[ax], n, ...idx.shape.slice(ax + 1)];
  const hot = T.eq(
    T.iota(shape, ax + 1),
    T.broadcastTo(
      T.reshape(T.cast(idx, 'i32'), [...idx.shape.slice(0, ax + 1), 1, ...idx.shape.slice(ax + 1)]),
      shape,
    ),
  );
  const xs = T.broadcastTo(T.reshape(x, [...x.shape.slice(0, ax), 1, n, ...x.shape.slice(ax + 1)]), shape);
  return T.sum(T.where(hot, xs, 0), ax + 1);
}

function argmax(x: Node, axis: number): Node {
  const ax = T.normAxis(axis, x.shape.length);
  const m = T.max(x, ax, true);
  // Smallest index among the maxima: max of -index where x == max.
  const negIdx = T.neg(T.cast(T.iota(x.shape, ax), 'f32'));
  const picked = T.where(T.eq(x, m), negIdx, -1e30);
  return T.cast(T.neg(T.max(picked, ax)), 'i32');
}

export const moreBuiltins: Record<string, Fn> = {
  clamp: (a) => {
    let x: Node | number = tensor(a, 0, 'x');
    const lo = arg(a, 1, 'min');
    const hi = arg(a, 2, 'max');
    if (typeof lo === 'number') x = T.maximum(x, lo);
    if (typeof hi === 'number') x = T.minimum(x, hi);
    return x;
  },
  pow: (a) => {
    const x = need(a, 0, 'x');
    const p = need(a, 1, 'p');
    if (typeof x === 'number' && typeof p === 'number') return x ** p;
    return T.pow(isTensor(x) ? x : tensor(a, 0, 'x'), isTensor(p) ? p : num(a, 1, 'p'));
  },
  sign: (a) => {
    const x = need(a, 0, 'x');
    if (typeof x === 'number') return Math.sign(x);
    const t = tensor(a, 0, 'x');
    return T.sub(T.cast(T.gt(t, 0), 'f32'), T.cast(T.lt(t, 0), 'f32'));
  },
  norm: (a) => {
    const x = tensor(a, 0, 'x');
    const ax = arg(a, 1, 'axis');
    return T.sqrt(T.sum(T.mul(x, x), typeof ax === 'number' ? ax : undefined, arg(a, 2, 'keepdim') === true));
  },
  argmax: (a) => argmax(tensor(a, 0, 'x'), num(a, 1, 'axis', -1)),
  range: (a) => {
    const lo = num(a, 0, 'a');
    const hi = arg(a, 1, 'b');
    const [s, e] = typeof hi === 'number' ? [lo, hi] : [0, lo];
    return list(Array.from({ length: Math.max(0, e - s) }, (_, i): Value => s + i));
  },
  gather: (a) => {
    const x = tensor(a, 0, 'x');
    const idx = tensor(a, 1, 'index');
    const ax = arg(a, 2, 'axis');
    return typeof ax === 'number' ? gatherAxis(x, idx, ax) : T.gather(x, idx);
  },
  /** log p(tokens[...]) under logits[..., V] at each position (no shift): f32[...]. */
  token_logprob: (a) => T.neg(nn.tokenNll(tensor(a, 0, 'logits'), tensor(a, 1, 'tokens'))),
  /** KL(p || q) per position from logits, at a temperature, averaged over (masked) positions. */
  kl_div: (a) => {
    const t = num(a, 3, 'temperature', 1);
    const lp = nn.logSoftmax(T.div(tensor(a, 0, 'p_logits'), t));
    const lq = nn.logSoftmax(T.div(tensor(a, 1, 'q_logits'), t));
    const kl = T.sum(T.mul(T.exp(lp), T.sub(lp, lq)), -1);
    const mask = optTensor(a, 2, 'mask');
    if (!mask) return T.mean(kl);
    const w = T.cast(mask, 'f32');
    return T.div(T.sum(T.mul(kl, w)), T.maximum(T.sum(w), 1));
  },
  /** softmax(q k^T / sqrt(dh) [+ causal mask] [+ mask]) v over q[..., Tq, dh], k/v[..., Tk, dh]. */
  attention: (a) => {
    const q = tensor(a, 0, 'q');
    const k = tensor(a, 1, 'k');
    const v = tensor(a, 2, 'v');
    const dh = q.shape[q.shape.length - 1];
    let s = T.div(T.matmul(q, T.transpose(k)), Math.sqrt(dh));
    if (arg(a, 3, 'causal') === true) {
      const Tq = q.shape[q.shape.length - 2];
      const Tk = k.shape[k.shape.length - 2];
      if (Tq !== Tk)
        err(TraceCodes.shapeMismatch, `causal attention needs as many queries as keys, got ${Tq} and ${Tk}`);
      s = T.add(s, nn.causalBias(Tq));
    }
    const m = optTensor(a, 4, 'mask');
    if (m) s = m.dtype === 'bool' ? T.where(m, s, -1e9) : T.add(s, m);
    return T.matmul(nn.softmax(s), v);
  },
  // KV-cache decoding (decode.ts): kv_cache, positions, and decode-aware rope/causal_mask.
  ...decodeBuiltins,
};
