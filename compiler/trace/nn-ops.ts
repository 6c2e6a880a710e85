// Composite builtins made only of IR primitives (so autodiff, fusion and codegen need no
// rule for them): softmax family, norms, activations, dropout, losses, RoPE, constructors.
// Numerically stable forms are chosen here once:
// - softmax / log_softmax / logsumexp subtract the (detached) row max: the result does not
//   depend on the shift, so stopping its gradient is exact and keeps reduce_max out of the
//   backward graph;
// - sigmoid = (1 + tanh(x/2)) / 2 never overflows; log_sigmoid = min(x,0) - log(1 + e^-|x|);
// - gelu is GPT-2's `gelu_new` (tanh approximation).

import type { Node } from '../ir/node.ts';
import { mk } from '../ir/node.ts';
import type { Shape } from '../ir/ops.ts';
import { TraceCodes, fmtShape } from './errors.ts';
import {
  abs,
  add,
  broadcastTo,
  cast,
  concat,
  constant,
  detach,
  div,
  eq,
  exp,
  fail,
  iota,
  log,
  max,
  maximum,
  mean,
  minimum,
  mul,
  ne,
  neg,
  normAxis,
  reshape,
  sliceAxis,
  spanNow,
  sqrt,
  sub,
  sum,
  tanh,
  where,
} from './tensor.ts';

export function softmax(x: Node, axis = -1): Node {
  const m = detach(max(x, axis, true));
  const e = exp(sub(x, m));
  return div(e, sum(e, axis, true));
}

export function logsumexp(x: Node, axis = -1, keepdim = false): Node {
  const m = detach(max(x, axis, true));
  const r = add(m, log(sum(exp(sub(x, m)), axis, true)));
  return keepdim
    ? r
    : reshape(
        r,
        x.shape.filter((_, i) => i !== normAxis(axis, x.shape.length)),
      );
}

export function logSoftmax(x: Node, axis = -1): Node {
  return sub(x, logsumexp(x, axis, true));
}

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * w + b (biased variance). */
export function layernorm(x: Node, w: Node | undefined, b: Node | undefined, eps: number): Node {
  const mu = mean(x, -1, true);
  const xc = sub(x, mu);
  const v = mean(mul(xc, xc), -1, true);
  let y = div(xc, sqrt(add(v, eps)));
  if (w) y = mul(y, w);
  if (b) y = add(y, b);
  return y;
}

/** RMSNorm over the last axis (Llama): x / sqrt(mean(x^2) + eps) * w. */
export function rmsnorm(x: Node, w: Node | undefined, eps: number): Node {
  const y = div(x, sqrt(add(mean(mul(x, x), -1, true), eps)));
  return w ? mul(y, w) : y;
}

export const relu = (x: Node): Node => maximum(x, 0);
export const sigmoid = (x: Node): Node => mul(add(tanh(mul(x, 0.5)), 1), 0.5);
export const silu = (x: Node): Node => mul(x, sigmoid(x));
export const logSigmoid = (x: Node): Node => sub(minimum(x, 0), log(add(exp(neg(abs(x))), 1)));
export function gelu(x: Node): Node {
  const c = Math.sqrt(2 / Math.PI);
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), c);
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** Counter-based uniform/normal noise shaped like `shape` from an i32 scalar seed. */
export function rand(seed: Node, stream: number, shape: Shape, dist: 'uniform' | 'normal'): Node {
  return mk('rand', [cast(seed, 'i32')], { stream, dist }, { shape, span: spanNow() });
}

/** Inverted dropout: zero with probability p, scale survivors by 1/(1-p). */
export function dropout(x: Node, p: number, seed: Node, stream: number): Node {
  if (p <= 0) return x;
  if (p >= 1) fail(TraceCodes.badArgument, `dropout probability must be < 1, got ${p}`);
  const u = rand(seed, stream, x.shape, 'uniform');
  return where(mk('lt', [u, constant(p, x.shape)], null, { span: spanNow() }), 0, mul(x, 1 / (1 - p)));
}

/** one_hot(targets[...], V) -> f32[..., V], built from iota + eq (no scatter). */
export function oneHot(targets: Node, classes: number): Node {
  const shape = [...targets.shape, classes];
  const ids = iota(shape, shape.length - 1);
  const t = broadcastTo(reshape(cast(targets, 'i32'), [...targets.shape, 1]), shape);
  return cast(eq(ids, t), 'f32');
}

export interface CrossEntropyOpts {
  /** f32/bool [...] weight per position (loss mask); 0 drops the position. */
  mask?: Node;
  /** Targets equal to this are dropped (e.g. -100). */
  ignoreIndex?: number;
  /**
   * Gradient accumulation: receives this call's count of kept positions and may return the
   * denominator to use instead (the count over all micro-batches), so the summed
   * micro-batch losses equal the full-batch mean.
   */
  normalize?: (count: Node) => Node | undefined;
}

/** Per-position negative log-likelihood of `targets` under `logits[..., V]`: f32[...]. */
export function tokenNll(logits: Node, targets: Node): Node {
  const V = logits.shape[logits.shape.length - 1];
  if (logits.shape.length - 1 !== targets.shape.length || targets.shape.some((d, i) => d !== logits.shape[i]))
    fail(
      TraceCodes.shapeMismatch,
      `cross_entropy: logits ${fmtShape(logits.shape)} need targets of shape ${fmtShape(logits.shape.slice(0, -1))}, got ${fmtShape(targets.shape)}`,
    );
  // Ignored targets (e.g. -100) simply match no class here; their weight is zeroed by the caller.
  return neg(sum(mul(logSoftmax(logits, -1), oneHot(targets, V)), -1));
}

/** Weight of each position: mask * (targets != ignore_index); f32[...]. */
export function positionWeights(targets: Node, opts: CrossEntropyOpts): Node | undefined {
  let w: Node | undefined;
  if (opts.mask) {
    if (
      opts.mask.shape.length !== targets.shape.length ||
      opts.mask.shape.some((d, i) => d !== targets.shape[i])
    )
      fail(
        TraceCodes.shapeMismatch,
        `cross_entropy: mask ${fmtShape(opts.mask.shape)} must match targets ${fmtShape(targets.shape)}`,
      );
    w = cast(opts.mask, 'f32');
  }
  if (opts.ignoreIndex !== undefined) {
    const keep = cast(ne(targets, opts.ignoreIndex), 'f32');
    w = w ? mul(w, keep) : keep;
  }
  return w;
}

/** Mean NLL over kept positions (all positions without mask/ignore_index). Scalar f32. */
export function crossEntropy(logits: Node, targets: Node, opts: CrossEntropyOpts = {}): Node {
  const nll = tokenNll(logits, targets);
  const w = positionWeights(targets, opts);
  const count = w ? sum(w) : constant(nll.shape.reduce((a, b) => a * b, 1));
  // max(count, 1): an all-masked batch gives loss 0, not NaN.
  const denom = opts.normalize?.(count) ?? maximum(count, 1);
  return div(sum(w ? mul(nll, w) : nll), denom);
}

export function mse(a: Node, b: Node): Node {
  const d = sub(a, b);
  return mean(mul(d, d));
}

/**
 * Sum over positions of log p(tokens[t+1] | tokens[..t]) under `logits[B, T, V]`, weighted
 * by mask[:, 1:]: f32[B]. The shift is done here, so callers pass the unshifted batch.
 */
export function seqLogprob(logits: Node, tokens: Node, mask?: Node): Node {
  const lg = sliceAxis(logits, 1, 0, -1);
  const tg = sliceAxis(tokens, 1, 1);
  let lp = neg(tokenNll(lg, tg));
  if (mask) lp = mul(lp, cast(sliceAxis(mask, 1, 1), 'f32'));
  return sum(lp, -1);
}

export const arange = (n: number): Node => iota([n], 0);
export const zerosLike = (x: Node): Node => constant(0, x.shape, x.dtype);
export const onesLike = (x: Node): Node => constant(1, x.shape, x.dtype);
export const zeros = (shape: Shape): Node => constant(0, shape);
export const ones = (shape: Shape): Node => constant(1, shape);

/**
 * RoPE tables for positions 0..T-1 and head size Dh (Hugging Face Llama layout: the
 * frequency vector is repeated, not interleaved): cos, sin f32[T, Dh].
 * inv_freq[i] = base^(-2i/Dh) = exp(-(2i/Dh) ln base), i < Dh/2.
 */
export function ropeTables(T: number, Dh: number, base: number): { cos: Node; sin: Node } {
  if (Dh % 2 !== 0) fail(TraceCodes.badArgument, `RoPE needs an even head size, got ${Dh}`);
  const half = Dh / 2;
  const pos = cast(iota([T, half], 0), 'f32');
  const i = cast(iota([T, half], 1), 'f32');
  const invFreq = exp(mul(i, (-2 / Dh) * Math.log(base)));
  const ang = mul(pos, invFreq); // (T, Dh/2)
  const full = concat([ang, ang], -1); // (T, Dh)
  return {
    cos: mk('cos', [full], null, { span: spanNow() }),
    sin: mk('sin', [full], null, { span: spanNow() }),
  };
}

/** Apply rotary embeddings to x[..., T, Dh]: x*cos + rotate_half(x)*sin. */
export function rope(x: Node, base = 10000): Node {
  const r = x.shape.length;
  if (r < 2) fail(TraceCodes.badArgument, `rope needs x[..., T, Dh], got ${fmtShape(x.shape)}`);
  const T = x.shape[r - 2];
  const Dh = x.shape[r - 1];
  const { cos, sin } = ropeTables(T, Dh, base);
  const x1 = sliceAxis(x, -1, 0, Dh / 2);
  const x2 = sliceAxis(x, -1, Dh / 2);
  const rot = concat([neg(x2), x1], -1); // rotate_half
  return add(mul(x, cos), mul(rot, sin));
}

/** Causal mask add-on for attention scores[..., T, T]: 0 on/below the diagonal, -1e9 above. */
export function causalBias(T: number): Node {
  const i = iota([T, T], 0);
  const j = iota([T, T], 1);
  return where(mk('lt', [i, j], null, { span: spanNow() }), -1e9, 0);
}
