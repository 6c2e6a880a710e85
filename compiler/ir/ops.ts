// The closed op set of the training IR (37 ops, plus the `custom_vjp` marker that exists only
// between tracing and autodiff) and the argument each op carries.
//
// Conventions every pass relies on:
// - Elementwise ops take operands of identical shape: broadcasting is explicit, as
//   `reshape` (insert size-1 axes) followed by `expand`. Autodiff of `expand` is a sum.
// - Reductions keep the reduced axes with size 1 (`keepdims`); a `reshape` drops them.
// - `matmul` is batched: a[...batch, M, K] @ b[...batch, K, N] -> [...batch, M, N], batch
//   dims equal on both sides (expand first). Transposes are `permute`.
// - Random numbers are counter-based: `rand` is a pure function of (seed, stream, index),
//   so a perturbation can be regenerated instead of stored (MeZO, dropout backward).
// - `custom_vjp` (src: [value, ...inputs]) means `value`, differentiated by its pullback
//   instead of through `value`'s own graph (a .ftl `fn ... backward(g) = ...`). Only the
//   tracer makes it and only autodiff reads it; the training build replaces every marker
//   by its value, and the verifier rejects one that is left, so no pass, planner or
//   executor ever sees it.

import type { Node } from './node.ts';

export type DType = 'f32' | 'i32' | 'bool';
export type Shape = readonly number[];

export type LeafOp = 'param' | 'input' | 'const' | 'iota' | 'rand';
export type UnaryOp =
  'neg' | 'recip' | 'exp' | 'log' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'abs' | 'cast' | 'detach';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'lt' | 'eq';
export type TernaryOp = 'where';
export type ReduceOp = 'reduce_sum' | 'reduce_max';
export type MovementOp = 'reshape' | 'permute' | 'expand' | 'slice' | 'pad' | 'concat';
export type MarkerOp = 'custom_vjp';
export type Op =
  | LeafOp
  | UnaryOp
  | BinaryOp
  | TernaryOp
  | ReduceOp
  | MovementOp
  | 'matmul'
  | 'gather'
  | 'scatter_add'
  | MarkerOp;

/**
 * A custom rule's pullback: the gradient `g` of the marked value (its shape) -> one gradient
 * per input (src[1..], each the input's shape), or null where none flows. Called at most
 * once per marker by autodiff; it traces the rule's body into IR nodes.
 */
export type CustomPullback = (g: Node) => readonly (Node | null)[];

/** Named op groups, so passes can say "any elementwise op" without listing them. */
export const OpGroup = {
  Leaf: new Set<Op>(['param', 'input', 'const', 'iota', 'rand']),
  Unary: new Set<Op>(['neg', 'recip', 'exp', 'log', 'sqrt', 'sin', 'cos', 'tanh', 'abs', 'cast', 'detach']),
  Binary: new Set<Op>(['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'lt', 'eq']),
  Ternary: new Set<Op>(['where']),
  Reduce: new Set<Op>(['reduce_sum', 'reduce_max']),
  Movement: new Set<Op>(['reshape', 'permute', 'expand', 'slice', 'pad', 'concat']),
  /** Ops whose output element i depends only on element i of each operand. */
  Elementwise: new Set<Op>([
    'neg',
    'recip',
    'exp',
    'log',
    'sqrt',
    'sin',
    'cos',
    'tanh',
    'abs',
    'cast',
    'detach',
    'add',
    'sub',
    'mul',
    'div',
    'max',
    'min',
    'pow',
    'lt',
    'eq',
    'where',
  ]),
  /** Binary ops that produce `bool`. */
  Compare: new Set<Op>(['lt', 'eq']),
} as const;

/** Per-op argument. Ops not listed carry `null`. */
export interface ArgMap {
  /** A model parameter, a frozen weight, or optimizer state: persistent across steps. */
  param: { name: string; role: 'param' | 'state' };
  /** Fed by the data pipeline or the training loop each step (`tokens`, `step`, `lr`). */
  input: { name: string };
  /** A scalar filled over `shape`. */
  const: { value: number };
  /** out[i...] = i[axis]. */
  iota: { axis: number };
  /** src: [seed: i32[]]. out = U[0,1) or N(0,1) from (seed, stream, flat index). */
  rand: { stream: number; dist: 'uniform' | 'normal' };
  cast: { to: DType };
  reduce_sum: { axes: readonly number[] };
  reduce_max: { axes: readonly number[] };
  reshape: { shape: Shape };
  permute: { perm: readonly number[] };
  expand: { shape: Shape };
  /** out = src[starts[d] : ends[d]] on every axis d (step 1). */
  slice: { starts: readonly number[]; ends: readonly number[] };
  /** Zero padding: out axis d = before[d] + src axis d + after[d]. */
  pad: { before: readonly number[]; after: readonly number[] };
  concat: { axis: number };
  /**
   * src: [idx i32[...], updates f32[...idx, ...rest]]; out f32[rows, ...rest], zero-based.
   * `sorted`: the producer promises idx is ascending in flat order (repeats allowed), so a
   * row finds its updates by binary search instead of a scan (element masks: k of n entries).
   */
  scatter_add: { rows: number; sorted?: boolean };
  /**
   * `fn` names the declaration (for dumps); `id` is unique per traced call, so hash-consing
   * never merges two markers (the key sees `fn` and `id`; JSON drops the function).
   */
  custom_vjp: { fn: string; id: number; pullback: CustomPullback };
}

export type ArgOf<O extends Op> = O extends keyof ArgMap ? ArgMap[O] : null;
export type Arg = ArgMap[keyof ArgMap] | null;
