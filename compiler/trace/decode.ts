// Incremental decoding (a KV cache) as a general language feature: builtins whose meaning
// depends on whether the trace is a decode step. Models written with them run unchanged in
// training (where each one is the plain operation) and a chunk of tokens at a time in
// generation, with no model-specific code in the generator.
//
//   kv_cache(x)      x[..., T, dh] -> the cache of x along axis -2
//   kv_retain(s)     s[..., T, H]: retention scores of the key/value units the attention just
//                    cached (one per kv head); cached beside them so a KV budget can evict
//                    the lowest-scored (Locret's retaining heads). Identity when not decoding.
//   decoding()       true while tracing a decode step (skip training-only work, e.g. targets)
//   positions(T)     i32[T]: absolute positions of the T current tokens
//   causal_mask(T)   additive mask of the T current queries over every key the cache holds
//   rope(x, base)    rotary embedding of x[..., T, dh] at the current tokens' positions
//
// Not decoding (training, eval): kv_cache(x) = x, positions(T) = arange(T), causal_mask(T) =
// [T, T] causal bias, rope = nn.rope: the graph is exactly what it was without them.
//
// Decoding (a DecodeState set on the trace context with `setDecode`): C new tokens per step
// (C = 1: token by token; C > 1: a chunk of the prompt, batched prefill) at absolute
// positions pos .. pos+C-1 (`pos`, an i32 scalar input). Each kv_cache / kv_retain call site
// gets a persistent leaf `kv_cache.N` / `kv_retain.N` (role 'state', [..., maxT, dh], zero at
// the start of a sequence) and the step writes the chunk's entries at cache rows
// slot .. slot+C-1 (the IR has no dynamic update):
//   C = 1:  cache' = cache * (1 - onehot(slot)) + x * onehot(slot)
//   C > 1:  P[j, i] = (j == slot + i) (maxT x C);  cache' = cache * (1 - P 1) + P @ x
// returned as the keys/values the attention sees and recorded as the leaf's update. The
// causal mask lets query i (row slot+i) see rows j <= slot+i: every row before the chunk is
// an earlier token, later rows are zero or stale and get -1e9.
// `slot` is `pos` unless the state has its own `slot` input: with a KV budget the generator
// compacts the cache between steps (runtime/generate/evict.ts), so a token's row no longer
// equals its position. Keys are cached after RoPE and absolute position embeddings are
// added at the input, so a kept entry keeps its original position whatever row it moves to.
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
  /** i32 scalar input: the absolute position of the step's first token. */
  readonly pos: Node;
  /** i32 scalar input: the cache row of the step's first token (absent: `pos`). */
  readonly slot?: Node;
  /** Cache rows: the most entries (prompt + generated, or budget + chunk) the graph holds. */
  readonly maxT: number;
  /** One update per kv_cache / kv_retain call site, in trace order (the graph's `updates`). */
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

const slotOf = (d: DecodeState): Node => d.slot ?? d.pos;

/** The cache of x along axis -2 (leaf `${kind}.N`), with the step's C entries written in. */
function cacheStep(d: DecodeState, x: Node, kind: 'kv_cache' | 'kv_retain'): Node {
  const r = x.shape.length;
  if (r < 2) err(TraceCodes.shapeMismatch, `${kind} needs x[..., T, dh], got ${fmtShape(x.shape)}`);
  const C = x.shape[r - 2];
  if (C > d.maxT)
    err(TraceCodes.shapeMismatch, `${kind}: a step of ${C} tokens does not fit a cache of ${d.maxT}`);
  const shape = x.shape.map((s, i) => (i === r - 2 ? d.maxT : s));
  const leaf = mk(
    'param',
    [],
    { name: `${kind}.${d.caches.length}`, role: 'state' },
    { shape, dtype: 'f32', span: T.spanNow() },
  );
  const slot = slotOf(d);
  const axisShape = shape.map((s, i) => (i === r - 2 ? s : 1)); // [1, ..., maxT, 1]
  let next: Node;
  if (C === 1) {
    // onehot[j] = (j == slot) over the cache rows, broadcast over the other axes.
    const rows = T.eq(T.iota([d.maxT], 0), T.broadcastTo(T.reshape(slot, [1]), [d.maxT]));
    const hot = T.broadcastTo(T.reshape(T.cast(rows, 'f32'), axisShape), shape);
    next = T.add(T.mul(leaf, T.sub(1, hot)), T.mul(T.broadcastTo(T.cast(x, 'f32'), shape), hot));
  } else {
    // P[j, i] = (j == slot + i): (maxT, C); rows slot..slot+C-1 of P @ x are x's C entries.
    const target = T.add(T.iota([d.maxT, C], 1), T.broadcastTo(T.reshape(slot, [1, 1]), [d.maxT, C]));
    const P = T.cast(T.eq(T.iota([d.maxT, C], 0), target), 'f32');
    const hot = T.broadcastTo(T.reshape(T.sum(P, 1), axisShape), shape); // 1 on the written rows
    next = T.add(T.mul(leaf, T.sub(1, hot)), T.matmul(P, T.cast(x, 'f32')));
  }
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
    return d ? cacheStep(d, x, 'kv_cache') : x;
  },
  kv_retain: (a, ctx) => {
    const s = tensor(a, 0, 's');
    const d = states.get(ctx);
    if (d) cacheStep(d, s, 'kv_retain');
    return s;
  },
  decoding: (_a, ctx) => states.has(ctx),
  positions: (a, ctx) => {
    const n = num(a, 0, 'T');
    const d = states.get(ctx);
    return d ? absPositions(d, n) : nn.arange(n);
  },
  causal_mask: (a, ctx) => {
    const n = num(a, 0, 'T');
    const d = states.get(ctx);
    if (!d) return nn.causalBias(n);
    // Query i (cache row slot + i) sees row j iff j <= slot + i: [T, maxT].
    const qi = T.add(T.iota([n, d.maxT], 0), T.broadcastTo(T.reshape(slotOf(d), [1, 1]), [n, d.maxT]));
    return T.where(T.lt(qi, T.iota([n, d.maxT], 1)), -1e9, 0);
  },
  rope: (a, ctx) => {
    const x = tensor(a, 0, 'x');
    const base = num(a, 1, 'base', 10000);
    const d = states.get(ctx);
    return d ? ropeAt(x, base, absPositions(d, x.shape[x.shape.length - 2])) : nn.rope(x, base);
  },
};
