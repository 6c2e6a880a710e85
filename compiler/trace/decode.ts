// Incremental decoding (a KV cache) as a general language feature: four builtins whose
// meaning depends on whether the trace is a decode step. Models written with them run
// unchanged in training (where each one is the plain operation) and one token at a time in
// generation, with no model-specific code in the generator.
//
//   kv_cache(x)      x[..., T, dh] -> the cache of x along axis -2
//   positions(T)     i32[T]: absolute positions of the T current tokens
//   causal_mask(T)   additive mask of the T current queries over every key the cache holds
//   rope(x, base)    rotary embedding of x[..., T, dh] at the current tokens' positions
//
// Not decoding (training, eval): kv_cache(x) = x, positions(T) = arange(T), causal_mask(T) =
// [T, T] causal bias, rope = nn.rope: the graph is exactly what it was without them.
//
// Decoding (a DecodeState set on the trace context with `setDecode`): one new token per step
// (T = 1) at position `pos` (an i32 scalar input). Each kv_cache call site gets a persistent
// leaf `kv_cache.N` (role 'state', [..., maxT, dh], zero at the start of a sequence) and the
// step's graph writes the new entry at row `pos` with a one-hot mask built from iota/eq:
//   cache' = cache * (1 - onehot(pos)) + x * onehot(pos)           (the IR has no dynamic update)
// returned as the keys/values the attention sees and recorded as the leaf's update. Rows past
// `pos` are still zero; causal_mask(1) gives them -1e9, so they get no attention weight.
//
// The overrides of `rope` and `causal_mask` are spliced into the builtin table through
// builtins-more.ts; with no decode state they call the same nn-ops functions as before.

import type { Update } from '../ir/graph.ts';
import { mk, type Node } from '../ir/node.ts';
import { num, tensor, type Fn } from './args.ts';
import { TraceCodes, fmtShape } from './errors.ts';
import { err } from './interp.ts';
import * as nn from './nn-ops.ts';
import * as T from './tensor.ts';

export interface DecodeState {
  /** i32 scalar input: the position of the token being decoded. */
  readonly pos: Node;
  /** Cache length: the longest sequence (prompt + generated) this graph can decode. */
  readonly maxT: number;
  /** One update per kv_cache call site, in trace order (the step graph's `updates`). */
  readonly caches: Update[];
}

// Keyed by the trace context object, so the context type needs no new field.
const states = new WeakMap<object, DecodeState>();

/** Make traces through `ctx` decode steps (or plain traces again with `undefined`). */
export function setDecode(ctx: object, state: DecodeState | undefined): void {
  if (state) states.set(ctx, state);
  else states.delete(ctx);
}

export const decodeStateOf = (ctx: object): DecodeState | undefined => states.get(ctx);

/** pos + [0, 1, ..., n-1] as i32[n]. */
function absPositions(d: DecodeState, n: number): Node {
  return T.add(T.iota([n], 0), T.broadcastTo(T.reshape(d.pos, [1]), [n]));
}

function cacheStep(d: DecodeState, x: Node): Node {
  const r = x.shape.length;
  if (r < 2 || x.shape[r - 2] !== 1)
    err(
      TraceCodes.shapeMismatch,
      `kv_cache decodes one token per step: x must be [..., 1, dh], got ${fmtShape(x.shape)}`,
    );
  const shape = x.shape.map((s, i) => (i === r - 2 ? d.maxT : s));
  const leaf = mk(
    'param',
    [],
    { name: `kv_cache.${d.caches.length}`, role: 'state' },
    { shape, dtype: 'f32', span: T.spanNow() },
  );
  // onehot[j] = (j == pos) over the cache rows, broadcast over the other axes.
  const rows = T.eq(T.iota([d.maxT], 0), T.broadcastTo(T.reshape(d.pos, [1]), [d.maxT]));
  const hot = T.broadcastTo(
    T.reshape(
      T.cast(rows, 'f32'),
      shape.map((s, i) => (i === r - 2 ? s : 1)),
    ),
    shape,
  );
  const next = T.add(T.mul(leaf, T.sub(1, hot)), T.mul(T.broadcastTo(T.cast(x, 'f32'), shape), hot));
  d.caches.push({ target: leaf, value: next });
  return next;
}

/** RoPE at absolute positions p[T] (the Hugging Face half-split layout, as nn.rope). */
function ropeAt(x: Node, base: number, p: Node): Node {
  const r = x.shape.length;
  const [n, dh] = [x.shape[r - 2], x.shape[r - 1]];
  if (dh % 2 !== 0) err(TraceCodes.badArgument, `RoPE needs an even head size, got ${dh}`);
  const half = dh / 2;
  const pos = T.cast(T.broadcastTo(T.reshape(p, [n, 1]), [n, half]), 'f32');
  const invFreq = T.exp(T.mul(T.cast(T.iota([n, half], 1), 'f32'), (-2 / dh) * Math.log(base)));
  const ang = T.mul(pos, invFreq); // (T, dh/2)
  const full = T.concat([ang, ang], -1); // (T, dh)
  const cos = T.unary('cos', full);
  const sin = T.unary('sin', full);
  const rot = T.concat([T.neg(T.sliceAxis(x, -1, half)), T.sliceAxis(x, -1, 0, half)], -1);
  return T.add(T.mul(x, cos), T.mul(rot, sin));
}

export const decodeBuiltins: Record<string, Fn> = {
  kv_cache: (a, ctx) => {
    const x = tensor(a, 0, 'x');
    const d = states.get(ctx);
    return d ? cacheStep(d, x) : x;
  },
  positions: (a, ctx) => {
    const n = num(a, 0, 'T');
    const d = states.get(ctx);
    return d ? absPositions(d, n) : nn.arange(n);
  },
  causal_mask: (a, ctx) => {
    const n = num(a, 0, 'T');
    const d = states.get(ctx);
    if (!d) return nn.causalBias(n);
    // Query i (at pos + i) sees key j iff j <= pos + i: [T, maxT].
    const qi = T.add(T.iota([n, d.maxT], 0), T.broadcastTo(T.reshape(d.pos, [1, 1]), [n, d.maxT]));
    return T.where(T.lt(qi, T.iota([n, d.maxT], 1)), -1e9, 0);
  },
  rope: (a, ctx) => {
    const x = tensor(a, 0, 'x');
    const base = num(a, 1, 'base', 10000);
    const d = states.get(ctx);
    return d ? ropeAt(x, base, absPositions(d, x.shape[x.shape.length - 2])) : nn.rope(x, base);
  },
};
