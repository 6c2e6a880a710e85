// The builtin functions a .ftl expression can call, as interpreter values. Each one
// unpacks its (positional | named) arguments and delegates to tensor.ts / nn-ops.ts.
// Math functions on host numbers compute on the host (`sqrt(5)` in an init spec is 2.236).
//
// Randomness (`dropout`, `randn_like`) draws from the step's `seed` input with one stream
// per call site in trace order, so a recompiled recipe draws the same numbers; dropout is
// the identity when the context is not training (eval, generation, reference models).

import type { Node } from '../ir/node.ts';
import { TraceCodes, fmtShape } from './errors.ts';
import { err } from './interp.ts';
import * as nn from './nn-ops.ts';
import * as T from './tensor.ts';
import { NULL, isParamSet, isTensor, list, typeName, type Args, type Value } from './values.ts';

export interface TraceContext {
  /** Dropout and other train-only behaviour is on. */
  training: boolean;
  /** The i32 scalar seed input of this step (created on first use). */
  seed(): Node;
  /** A fresh random stream number for one call site. */
  nextStream(): number;
  /** Gradient accumulation's cross-entropy denominator (see nn-ops CrossEntropyOpts). */
  normalize?: (count: Node) => Node | undefined;
}

import { arg, axisArg, ints, keepdim, need, num, optTensor, tensor, type Fn } from './args.ts';
import { moreBuiltins } from './builtins-more.ts';
import { routingTapBuiltins } from '../features/routing-taps.ts';
import { routeBuiltins } from '../features/route.ts';

/** Math on a host number stays on the host; on a tensor it is staged. */
const math =
  (host: (x: number) => number, staged: (x: Node) => Node): Fn =>
  (a) => {
    const x = need(a, 0, 'x');
    return typeof x === 'number' ? host(x) : staged(tensor(a, 0, 'x'));
  };

function reduceFn(kind: 'sum' | 'mean' | 'max' | 'min'): Fn {
  return (a, ctx) => {
    const x = need(a, 0, 'x');
    const y = arg(a, 1, '');
    // Two operands: elementwise max/min (`max(x, 0)`), on host numbers when both are.
    if ((kind === 'max' || kind === 'min') && y !== undefined && !a.named.has('axis')) {
      if (typeof x === 'number' && typeof y === 'number')
        return kind === 'max' ? Math.max(x, y) : Math.min(x, y);
      return (kind === 'max' ? T.maximum : T.minimum)(
        isTensor(x) ? x : tensor(a, 0, 'x'),
        isTensor(y) || typeof y === 'number' ? (y as Node | number) : tensor(a, 1, 'y'),
      );
    }
    if (typeof x === 'object' && 'kind' in x && x.kind === 'list') return reduceList(kind, x.items, a);
    // A parameter set reduces over all its entries (`sum(params("**.weight") ^ 2)`).
    if (isParamSet(x) && a.positional.length === 1 && !a.named.has('axis')) {
      const parts = [...x.items.values()].map((t) =>
        kind === 'mean' ? T.sum(t) : (reduceFn(kind)({ ...a, positional: [t] }, ctx) as Node),
      );
      if (kind !== 'mean') return reduceList(kind, parts, a);
      const n = [...x.items.values()].reduce((s, t) => s + t.shape.reduce((p, q) => p * q, 1), 0);
      return T.div(reduceList('sum', parts, a) as Node, n);
    }
    const t = tensor(a, 0, 'x');
    const ax = axisArg({ ...a, positional: a.positional.slice(1) }, 0);
    if (kind === 'sum') return T.sum(t, ax, keepdim(a));
    if (kind === 'mean') return T.mean(t, ax, keepdim(a));
    if (kind === 'max') return T.max(t, ax, keepdim(a));
    return T.min(t, ax, keepdim(a));
  };
}

/** sum/mean/max/min over a list of numbers or same-shaped tensors. */
function reduceList(kind: string, items: Value[], a: Args): Value {
  if (items.length === 0)
    return kind === 'sum' ? 0 : err(TraceCodes.badArgument, `${kind} of an empty list`, a.span);
  if (items.every((x) => typeof x === 'number')) {
    const xs = items as number[];
    if (kind === 'sum') return xs.reduce((p, q) => p + q, 0);
    if (kind === 'mean') return xs.reduce((p, q) => p + q, 0) / xs.length;
    return kind === 'max' ? Math.max(...xs) : Math.min(...xs);
  }
  const ts = items.map((x) =>
    isTensor(x) || typeof x === 'number'
      ? x
      : err(TraceCodes.badArgument, `cannot ${kind} ${typeName(x)}`, a.span),
  );
  const comb = kind === 'max' ? T.maximum : kind === 'min' ? T.minimum : T.add;
  const total = ts.slice(1).reduce<Node | number>((p, q) => comb(p, q), ts[0]) as Node;
  return kind === 'mean' ? T.div(total, ts.length) : total;
}

function reshapeFn(a: Args): Value {
  const x = tensor(a, 0, 'x');
  // reshape(x, [a, b]) or reshape(x, a, b)
  const shape =
    typeof a.positional[1] === 'number'
      ? ints(list(a.positional.slice(1)), 'shape', a.span)
      : ints(need(a, 1, 'shape'), 'shape', a.span);
  const known = shape.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
  const total = x.shape.reduce((p, q) => p * q, 1);
  const full = shape.map((d) => (d === -1 ? total / known : d));
  if (full.some((d) => !Number.isInteger(d) || d < 0))
    err(TraceCodes.shapeMismatch, `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`, a.span);
  return T.reshape(x, full);
}

/** x[B, H, T, Dh] -> [B, H*n, T, Dh], each head repeated n times in place (HF repeat_kv). */
function repeatHeads(a: Args): Value {
  const x = tensor(a, 0, 'x');
  const n = num(a, 1, 'n');
  if (n === 1) return x;
  const [B, H, Tn, D] = x.shape;
  if (x.shape.length !== 4)
    err(TraceCodes.shapeMismatch, `repeat_heads needs x[B, H, T, Dh], got ${fmtShape(x.shape)}`, a.span);
  return T.reshape(T.expand(T.reshape(x, [B, H, 1, Tn, D]), [B, H, n, Tn, D]), [B, H * n, Tn, D]);
}

const table: Record<string, Fn> = {
  exp: math(Math.exp, T.exp),
  log: math(Math.log, T.log),
  sqrt: math(Math.sqrt, T.sqrt),
  tanh: math(Math.tanh, T.tanh),
  abs: math(Math.abs, T.abs),
  sin: math(Math.sin, (x) => T.unary('sin', x)),
  cos: math(Math.cos, (x) => T.unary('cos', x)),
  sigmoid: math((x) => 1 / (1 + Math.exp(-x)), nn.sigmoid),
  relu: math((x) => Math.max(x, 0), nn.relu),
  gelu: math((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), nn.gelu),
  silu: math((x) => x / (1 + Math.exp(-x)), nn.silu),
  log_sigmoid: math((x) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x))), nn.logSigmoid),
  floor: math(Math.floor, () => err(TraceCodes.unsupported, '`floor` works on compile-time numbers only')),
  ceil: math(Math.ceil, () => err(TraceCodes.unsupported, '`ceil` works on compile-time numbers only')),
  round: math(Math.round, () => err(TraceCodes.unsupported, '`round` works on compile-time numbers only')),
  detach: (a) => T.detach(tensor(a, 0, 'x')),
  sum: reduceFn('sum'),
  mean: reduceFn('mean'),
  max: reduceFn('max'),
  min: reduceFn('min'),
  softmax: (a) => nn.softmax(tensor(a, 0, 'x'), num(a, 1, 'axis', -1)),
  log_softmax: (a) => nn.logSoftmax(tensor(a, 0, 'x'), num(a, 1, 'axis', -1)),
  logsumexp: (a) => nn.logsumexp(tensor(a, 0, 'x'), num(a, 1, 'axis', -1), keepdim(a)),
  layer_norm: (a) =>
    nn.layernorm(
      tensor(a, 0, 'x'),
      optTensor(a, 1, 'weight'),
      optTensor(a, 2, 'bias'),
      num(a, 3, 'eps', 1e-5),
    ),
  rms_norm: (a) => nn.rmsnorm(tensor(a, 0, 'x'), optTensor(a, 1, 'weight'), num(a, 2, 'eps', 1e-6)),
  dropout: (a, ctx) => {
    const p = num(a, 1, 'p', 0);
    const x = tensor(a, 0, 'x');
    return ctx.training && p > 0 ? nn.dropout(x, p, ctx.seed(), ctx.nextStream()) : x;
  },
  cross_entropy: (a, ctx) => {
    const ii = arg(a, 99, 'ignore_index');
    return nn.crossEntropy(tensor(a, 0, 'logits'), tensor(a, 1, 'targets'), {
      mask: optTensor(a, 2, 'mask'),
      ignoreIndex: typeof ii === 'number' ? ii : undefined,
      normalize: ctx.normalize,
    });
  },
  mse: (a) => nn.mse(tensor(a, 0, 'a'), tensor(a, 1, 'b')),
  seq_logprob: (a) => nn.seqLogprob(tensor(a, 0, 'logits'), tensor(a, 1, 'tokens'), optTensor(a, 2, 'mask')),
  one_hot: (a) => nn.oneHot(tensor(a, 0, 'x'), num(a, 1, 'classes')),
  arange: (a) => nn.arange(num(a, 0, 'n')),
  zeros_like: (a) => nn.zerosLike(tensor(a, 0, 'x')),
  ones_like: (a) => nn.onesLike(tensor(a, 0, 'x')),
  randn_like: (a, ctx) => {
    const s = arg(a, 1, 'seed');
    const seed = s === undefined ? ctx.seed() : T.cast(tensor(a, 1, 'seed'), 'i32');
    const x = need(a, 0, 'x');
    // A parameter set gets independent noise per entry (one stream each).
    if (isParamSet(x))
      return {
        kind: 'params',
        items: new Map([...x.items].map(([k, t]) => [k, nn.rand(seed, ctx.nextStream(), t.shape, 'normal')])),
      };
    return nn.rand(seed, ctx.nextStream(), tensor(a, 0, 'x').shape, 'normal');
  },
  rand_like: (a, ctx) => nn.rand(ctx.seed(), ctx.nextStream(), tensor(a, 0, 'x').shape, 'uniform'),
  zeros: (a) => nn.zeros(ints(need(a, 0, 'shape'), 'shape', a.span)),
  ones: (a) => nn.ones(ints(need(a, 0, 'shape'), 'shape', a.span)),
  where: (a) =>
    T.where(
      need(a, 0, 'cond') as Node | number,
      need(a, 1, 'a') as Node | number,
      need(a, 2, 'b') as Node | number,
    ),
  concat: (a) => {
    const xs = need(a, 0, 'xs');
    if (typeof xs !== 'object' || !('kind' in xs) || xs.kind !== 'list')
      return err(TraceCodes.badArgument, 'concat takes a list of tensors', a.span);
    return T.concat(
      xs.items.map((x, i) =>
        isTensor(x) ? x : err(TraceCodes.badArgument, `concat item ${i} is ${typeName(x)}`, a.span),
      ),
      num(a, 1, 'axis', 0),
    );
  },
  reshape: reshapeFn,
  permute: (a) => T.permute(tensor(a, 0, 'x'), ints(need(a, 1, 'perm'), 'perm', a.span)),
  transpose: (a) => T.transpose(tensor(a, 0, 'x')),
  repeat_heads: repeatHeads,
  rope: (a) => nn.rope(tensor(a, 0, 'x'), num(a, 1, 'base', 10000)),
  causal_mask: (a) => nn.causalBias(num(a, 0, 'T')),
  float: (a) => {
    const x = need(a, 0, 'x');
    return typeof x === 'number' ? x : T.cast(tensor(a, 0, 'x'), 'f32');
  },
  int: (a) => {
    const x = need(a, 0, 'x');
    return typeof x === 'number' ? Math.trunc(x) : T.cast(tensor(a, 0, 'x'), 'i32');
  },
  len: (a) => {
    const x = need(a, 0, 'x');
    if (typeof x === 'object' && 'kind' in x && x.kind === 'list') return x.items.length;
    return err(TraceCodes.badArgument, `len of ${typeName(x)}`, a.span);
  },
  /** The last n items of a list (`last(model.blocks, 2)`). */
  last: (a) => {
    const xs = need(a, 0, 'xs');
    if (typeof xs !== 'object' || !('kind' in xs) || xs.kind !== 'list')
      return err(TraceCodes.badArgument, 'last takes a list', a.span);
    const n = num(a, 1, 'n', 1);
    return list(n <= 0 ? [] : xs.items.slice(-n));
  },
  first: (a) => {
    const xs = need(a, 0, 'xs');
    if (typeof xs !== 'object' || !('kind' in xs) || xs.kind !== 'list')
      return err(TraceCodes.badArgument, 'first takes a list', a.span);
    return list(xs.items.slice(0, num(a, 1, 'n', 1)));
  },
  zip: (a) => {
    const ls = a.positional.map((x) =>
      typeof x === 'object' && 'kind' in x && x.kind === 'list' ? x.items : [],
    );
    const n = Math.min(...ls.map((l) => l.length));
    return list(Array.from({ length: n }, (_, i) => list(ls.map((l) => l[i]))));
  },
  print: () => NULL,
  ...moreBuiltins,
  ...routingTapBuiltins,
  ...routeBuiltins,
};

/** The callable builtin names (the checker's table must declare each: tests/check/builtin-tables.test.ts). */
export const builtinNames = (): string[] => Object.keys(table);

/** The builtins as interpreter values, closed over one trace context. */
export function builtins(ctx: TraceContext): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const [name, fn] of Object.entries(table))
    out.set(name, { kind: 'builtin', name, call: (a) => fn(a, ctx) });
  // The host constants of the checker's `builtinConstants`.
  out.set('pi', Math.PI);
  out.set('e', Math.E);
  out.set('inf', Infinity);
  return out;
}
