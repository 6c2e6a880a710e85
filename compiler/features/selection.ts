// Builtins a method body uses to choose what to train from weight statistics and costs,
// evaluated on the host while the method runs (compile time). They read a parameter's
// value at initialisation: the checkpoint's data after `model.load`, otherwise the init
// drawn with seed 0 (selection is a compile-time decision; fine-tuning recipes load
// pretrained weights, where this is exactly the weight being tuned), or the weights given
// by `withWeights` (a stage built after another stage trained).
//
// A parameter argument `p` is a tensor from the model (`m.weight`), a pattern string
// matching exactly one parameter, or `b["pattern"]`.
//   param_names(pattern, ndim:) -> [string]  names of matched parameters (optionally only
//                                        those with `ndim` axes), in model order
//   numel(p) -> int, ndim(p) -> int      number of entries, of axes
//   param_of(p) -> tensor                p as the traced model uses it (e.g. for grad_of)
//   cond(p) -> float                     sigma_max / sigma_min of p as [shape0, rest]
//   principal_mask(p, rank:, density:)   flat indices of the top density*n |W_r| (LIFT)
//   delta_mask(p, density:)              top density*n |W_now - W_init| (needs withWeights)
//   grad_sum(p) -> float                 sum of accumulated |gradient| (needs grads)
//   spiel_mask(p, density:, regrow:)     keep the largest deltas, regrow by |gradient|
//   magnitude_mask(p, density:)          flat indices of the top density*n |W|
//   random_mask(p, density:, seed:)      density*n random flat indices
//   random_cols(p, count:, seed:)        flat indices of every entry of `count` random columns
//   random_indices(n, count, seed:, salt:)  sorted distinct indices (salt: e.g. path_of(m))
//   path_of(m) -> string                 a module's dotted path
//   sample(list, k, seed:)               k seeded-random items, in list order
//   lowest(list, k, key:) / highest(...) k items with the lowest / highest key(item)
//   knapsack(items, cost:, value:, budget:)  the exact 0/1 knapsack optimum (cost <= budget)
//   selector_matrix(indices, n) -> f32[n, k]  one-hot columns: x @ S = x[..., indices]
//   layered_knapsack(items, cost:, value:, budget: | ratio:)  items in forward order,
//                                        cost(x) = [dw, dx]: the optimum when training x
//                                        needs backward through every item above it
//   indicator(indices, shape) -> init    1 at the flat indices, else 0 (`param ... init`)
//   bytes("2MB") -> number               a memory size (B, KB, MB, GB; powers of 1024)
//   pearson, column_correlations, probe_r2   correlation statistics (host-stats.ts)
//   global_mask, co_permute              over several parameters (coupled-selection.ts)
//   value_of, group_norms                parameter values as host lists (host-values.ts)
//   require(cond, message)               a diagnostic (FTL0401) at the call when cond is false:
//                                        a method's check of its arguments
// and `mask(indices)` after `unfreeze P` trains only those flat entries (mask-leaves.ts).

import type * as A from '../../grammar/ast.ts';
import { initTensor, nameStream } from '../elaborate/init.ts';
const nameStreamOf = nameStream;
import { selectParams } from '../elaborate/trainable.ts';
import { paramNode } from '../trace/calls.ts';
import { allParams, type ModelTree, type ParamSpec } from '../elaborate/tree.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err, type Interp } from '../trace/interp.ts';
import { arg, num } from '../trace/args.ts';
import * as T from '../trace/tensor.ts';
import { isTensor, list, typeName, type Args, type Scope, type Value } from '../trace/values.ts';
import {
  asMatrix,
  conditionNumber,
  knapsack,
  layeredKnapsack,
  lowRank,
  permutation,
  topK,
} from './host-linalg.ts';
import { defineCoupledBuiltins } from './coupled-selection.ts';
import { defineHostStatsBuiltins } from './host-stats.ts';
import { defineHostValueBuiltins } from './host-values.ts';

/** The parameters a value names (see the header). */
export function paramsOf(tree: ModelTree, v: Value, span: A.Span): ParamSpec[] {
  if (typeof v === 'string') return selectParams(tree.root, v);
  if (isTensor(v)) {
    const name = v.op === 'param' ? (v.arg as { name: string }).name : undefined;
    const p = allParams(tree.root).find((q) => q.name === name);
    if (p) return [p];
    return err(TraceCodes.badArgument, 'expected a model parameter such as `m.weight`', span);
  }
  if (typeof v === 'object' && 'kind' in v && v.kind === 'select')
    return selectParams(tree.root, v.pattern, v.scope);
  return err(TraceCodes.badArgument, `expected a parameter or pattern, got ${typeName(v)}`, span);
}

export function oneParam(tree: ModelTree, a: Args): ParamSpec {
  const v = arg(a, 0, 'p');
  if (v === undefined) return err(TraceCodes.badArgument, 'missing parameter argument', a.span);
  const ps = paramsOf(tree, v, a.span);
  if (ps.length !== 1)
    err(TraceCodes.badArgument, `expected exactly one parameter, the pattern matches ${ps.length}`, a.span);
  return ps[0];
}

/**
 * Current weights for the statistics builtins while a build runs inside `withWeights`:
 * a later stage's selection can then read the weights an earlier stage trained (LT-SFT's
 * |theta1 - theta0|). Outside it, statistics read the initial values.
 */
let current: ReadonlyMap<string, Float32Array> | undefined;
/** Accumulated |gradient| per parameter (runtime/train/grad-stats.ts), for `grad_mask`. */
let gradients: ReadonlyMap<string, Float32Array> | undefined;
/** The seed the run draws initial values with: what "the initial value" means without a checkpoint. */
let initSeed = 0;
export function withWeights<R>(
  weights: ReadonlyMap<string, Float32Array>,
  f: () => R,
  grads?: ReadonlyMap<string, Float32Array>,
  seed = 0,
): R {
  const prev = [current, gradients, initSeed] as const;
  current = weights;
  gradients = grads;
  initSeed = seed;
  try {
    return f();
  } finally {
    [current, gradients, initSeed] = prev;
  }
}

/** The accumulated |gradient| `withWeights` supplies for a parameter, if any. */
export const selectionGradient = (name: string): Float32Array | undefined => gradients?.get(name);

/** The weights `withWeights` supplies (undefined outside it), for other host-side features. */
export const selectionWeights = (): ReadonlyMap<string, Float32Array> | undefined => current;

/** A parameter's current value: `withWeights`' value, else its initial value. */
export function currentValue(p: ParamSpec, span?: A.Span): Float32Array {
  return current?.get(p.name) ?? weightValue(p, span);
}

/** A parameter's value at initialisation (checkpoint data, else the run's seed; 0 outside a run). */
export function weightValue(p: ParamSpec, span?: A.Span): Float32Array {
  if (p.init.kind === 'expr')
    err(
      TraceCodes.unsupported,
      `\`${p.name}\` is initialised from other parameters; statistics need a plain init`,
      span,
    );
  return initTensor(p.init, p.shape, initSeed, nameStream(p.stream ?? p.name));
}

const numel = (p: ParamSpec) => p.shape.reduce((a, b) => a * b, 1);
const countOf = (p: ParamSpec, density: number) => Math.max(1, Math.round(density * numel(p)));

export function items(v: Value | undefined, what: string, span: A.Span): Value[] {
  if (typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'list') return [...v.items];
  return err(TraceCodes.badArgument, `\`${what}\` must be a list`, span);
}

export function parseBytes(s: string): number | undefined {
  const m = /^\s*([0-9]*\.?[0-9]+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = (m[2] ?? 'B').toUpperCase().replace('I', '');
  return Number(m[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>)[unit];
}

/** Define the selection builtins in a method's scope. */
export function defineSelectionBuiltins(scope: Scope, tree: ModelTree, it: Interp): void {
  const def = (name: string, call: (a: Args) => Value) => scope.define(name, { kind: 'builtin', name, call });
  defineHostStatsBuiltins(scope); // pearson, column_correlations, probe_r2 (host-stats.ts)
  defineCoupledBuiltins(scope, tree); // global_mask, co_permute (coupled-selection.ts)
  defineHostValueBuiltins(scope, tree); // value_of, group_norms (host-values.ts)
  const keyed = (a: Args, sign: 1 | -1) => {
    const xs = items(arg(a, 0, 'items'), 'items', a.span);
    const k = num(a, 1, 'k');
    const key = arg(a, 2, 'key');
    if (key === undefined) return err(TraceCodes.badArgument, 'missing `key:` function', a.span);
    const scores = xs.map((x) => {
      const s = it.call(key, { positional: [x], named: new Map(), span: a.span });
      if (typeof s !== 'number')
        err(TraceCodes.badArgument, `\`key\` must return a number, got ${typeName(s)}`, a.span);
      return sign * (s as number);
    });
    return list(topK(scores, k).map((i) => xs[i]));
  };
  def('param_names', (a) => {
    const v = arg(a, 0, 'pattern') ?? 'all';
    const ps = v === 'all' ? allParams(tree.root) : paramsOf(tree, v, a.span);
    const nd = arg(a, 99, 'ndim');
    return list(
      ps
        .filter((p) => p.reference !== true && (nd === undefined || p.shape.length === nd))
        .map((p) => p.name),
    );
  });
  def('numel', (a) => numel(oneParam(tree, a)));
  def('param_of', (a) => paramNode(oneParam(tree, a)));
  def('require', (a) => {
    const c = arg(a, 0, 'cond');
    const msg = arg(a, 1, 'message');
    if (typeof c !== 'boolean')
      return err(TraceCodes.badArgument, '`require` needs a compile-time bool', a.span);
    if (!c)
      err(
        TraceCodes.badArgument,
        typeof msg === 'string' ? msg : 'a requirement of this method failed',
        a.span,
      );
    return { kind: 'null' };
  });
  def('ndim', (a) => oneParam(tree, a).shape.length);
  def('cond', (a) => {
    const p = oneParam(tree, a);
    return conditionNumber(asMatrix(currentValue(p, a.span), p.shape));
  });
  def('principal_mask', (a) => {
    const p = oneParam(tree, a);
    const wr = lowRank(asMatrix(currentValue(p, a.span), p.shape), num(a, 1, 'rank'));
    return list(topK(wr.map(Math.abs), countOf(p, num(a, 2, 'density'))));
  });
  def('delta_mask', (a) => {
    // top density*n |current - initial|: the entries an earlier stage moved most.
    const p = oneParam(tree, a);
    if (!current?.has(p.name))
      err(
        TraceCodes.unsupported,
        `\`delta_mask\` needs trained weights for \`${p.name}\``,
        a.span,
        'build this stage with withWeights(values of the previous stage)',
      );
    const w0 = weightValue(p, a.span);
    const w1 = current!.get(p.name)!;
    return list(
      topK(
        w1.map((v, i) => Math.abs(v - w0[i])),
        countOf(p, num(a, 1, 'density')),
      ),
    );
  });
  def('grad_sum', (a) => {
    // Sum over entries of the accumulated |gradient| (withWeights' grads): a tensor's
    // first-order importance for selection.
    const p = oneParam(tree, a);
    const g = gradients?.get(p.name);
    if (!g)
      return err(
        TraceCodes.unsupported,
        `\`grad_sum\` needs gradient statistics for \`${p.name}\``,
        a.span,
        'build with withWeights(weights, f, gradientStats(...))',
      );
    return g.reduce((x, y) => x + y, 0);
  });
  def('spiel_mask', (a) => {
    // SpIEL's prune-and-regrow on k = density*n indices: keep the (1 - regrow) * k entries
    // whose delta |W_now - W_init| is largest (the rest of the old active set is pruned and
    // reverts to W_init), then add the regrow * k entries outside them with the largest
    // accumulated |gradient| (withWeights' grads). Without trained weights: top |gradient|.
    const p = oneParam(tree, a);
    const k = countOf(p, num(a, 1, 'density'));
    const g = gradients?.get(p.name);
    if (!g)
      err(
        TraceCodes.unsupported,
        `\`spiel_mask\` needs gradient statistics for \`${p.name}\``,
        a.span,
        'build with withWeights(weights, f, gradientStats(...))',
      );
    const w0 = weightValue(p, a.span);
    const w1 = current?.get(p.name);
    const moved = w1 ? [...w1.keys()].filter((i) => w1[i] !== w0[i]) : [];
    const keepN = Math.min(moved.length, k - Math.round(num(a, 2, 'regrow', 0.5) * k));
    const keep = topK(
      moved.map((i) => Math.abs(w1![i] - w0[i])),
      keepN,
    ).map((j) => moved[j]);
    const kept = new Set(keep);
    const grow = topK(
      g!.map((v, i) => (kept.has(i) ? -1 : v)),
      k - keep.length,
    );
    return list([...keep, ...grow].sort((x, y) => x - y));
  });
  def('magnitude_mask', (a) => {
    const p = oneParam(tree, a);
    return list(topK(currentValue(p, a.span).map(Math.abs), countOf(p, num(a, 1, 'density'))));
  });
  def('random_mask', (a) => {
    const p = oneParam(tree, a);
    const perm = permutation(numel(p), num(a, 2, 'seed', 0));
    return list(perm.slice(0, countOf(p, num(a, 1, 'density'))).sort((x, y) => x - y));
  });
  def('random_cols', (a) => {
    const p = oneParam(tree, a);
    if (p.shape.length !== 2)
      err(TraceCodes.badArgument, `\`random_cols\` needs a matrix, got \`${p.name}\``, a.span);
    const [rows, cols] = p.shape;
    const pick = permutation(cols, num(a, 2, 'seed', 0))
      .slice(0, Math.min(cols, num(a, 1, 'count')))
      .sort((x, y) => x - y);
    const out: number[] = [];
    for (let i = 0; i < rows; i++) for (const j of pick) out.push(i * cols + j);
    return list(out);
  });
  def('random_indices', (a) => {
    // `count` distinct indices of 0..n-1, sorted; `salt` (any string, e.g. a module path)
    // gives each call site its own draw from one seed.
    const n = num(a, 0, 'n');
    const salt = arg(a, 99, 'salt');
    const mix = typeof salt === 'string' ? nameStreamOf(salt) : 0;
    const pick = permutation(n, (num(a, 99, 'seed', 0) ^ mix) >>> 0).slice(
      0,
      Math.min(n, num(a, 1, 'count')),
    );
    return list(pick.sort((x, y) => x - y));
  });
  def('path_of', (a) => {
    const m = arg(a, 0, 'module');
    if (typeof m === 'object' && m !== null && 'kind' in m && m.kind === 'module') return m.inst.path;
    return err(
      TraceCodes.badArgument,
      `\`path_of\` needs a module, got ${m === undefined ? 'nothing' : typeName(m)}`,
      a.span,
    );
  });
  def('sample', (a) => {
    const xs = items(arg(a, 0, 'items'), 'items', a.span);
    const k = Math.min(xs.length, num(a, 1, 'k'));
    const pick = permutation(xs.length, num(a, 2, 'seed', 0))
      .slice(0, k)
      .sort((x, y) => x - y);
    return list(pick.map((i) => xs[i]));
  });
  def('lowest', (a) => keyed(a, -1));
  def('highest', (a) => keyed(a, 1));
  def('knapsack', (a) => {
    const xs = items(arg(a, 0, 'items'), 'items', a.span);
    const f = (name: string) => {
      const g = arg(a, 99, name);
      if (g === undefined) return err(TraceCodes.badArgument, `missing \`${name}:\` function`, a.span);
      return xs.map((x) => {
        const r = it.call(g, { positional: [x], named: new Map(), span: a.span });
        if (typeof r !== 'number') err(TraceCodes.badArgument, `\`${name}\` must return a number`, a.span);
        return r as number;
      });
    };
    return list(knapsack(f('cost'), f('value'), num(a, 99, 'budget')).map((i) => xs[i]));
  });
  def('selector_matrix', (a) => {
    // S [n, k] with S[idx[j], j] = 1: x @ S picks columns idx of x (PaCA's partial input).
    const idx = items(arg(a, 0, 'indices'), 'indices', a.span) as number[];
    const n = num(a, 1, 'n');
    const rows = T.cast(T.iota([n, 1], 0), 'f32');
    const cols = idx.map((j) => T.cast(T.eq(rows, j), 'f32'));
    return cols.length === 1 ? cols[0] : T.concat(cols, 1);
  });
  def('layered_knapsack', (a) => {
    // items in forward order; cost: item -> [dw, dx]; budget: absolute, or ratio: of the
    // cost of training every item (sum dw + sum dx above the first).
    const xs = items(arg(a, 0, 'items'), 'items', a.span);
    const call = (name: string) => {
      const g = arg(a, 99, name);
      if (g === undefined) return err(TraceCodes.badArgument, `missing \`${name}:\` function`, a.span);
      return xs.map((x) => it.call(g, { positional: [x], named: new Map(), span: a.span }));
    };
    const costs = call('cost').map((c) => {
      if (typeof c === 'object' && c !== null && 'kind' in c && c.kind === 'list' && c.items.length === 2)
        return c.items as number[];
      return err(TraceCodes.badArgument, '`cost` must return [dw_cost, dx_cost]', a.span);
    });
    const vals = call('value') as number[];
    const dw = costs.map((c) => c[0]);
    const dx = costs.map((c) => c[1]);
    const full = dw.reduce((s, v) => s + v, 0) + dx.slice(1).reduce((s, v) => s + v, 0);
    const ratio = arg(a, 99, 'ratio');
    const budget = typeof ratio === 'number' ? ratio * full : num(a, 99, 'budget');
    return list(layeredKnapsack(dw, dx, vals, budget).chosen.map((i) => xs[i]));
  });
  def('indicator', (a) => {
    // An init: 1 at the flat indices, 0 elsewhere, over `shape` (a frozen mask parameter).
    const idx = items(arg(a, 0, 'indices'), 'indices', a.span) as number[];
    const shape = items(arg(a, 1, 'shape'), 'shape', a.span) as number[];
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (const i of idx) {
      if (i < 0 || i >= data.length)
        err(TraceCodes.badArgument, `indicator index ${i} out of range [0, ${data.length})`, a.span);
      data[i] = 1;
    }
    return { kind: 'init', spec: { kind: 'data', data, source: 'indicator' } };
  });
  def('bytes', (a) => {
    const v = arg(a, 0, 'size');
    if (typeof v === 'number') return v;
    const b = typeof v === 'string' ? parseBytes(v) : undefined;
    if (b === undefined)
      return err(TraceCodes.badArgument, 'a size such as "2MB" or "512KB"', a.span, 'units: B, KB, MB, GB');
    return b;
  });
}

/** The flat indices of a `mask(indices)` selector. */
export function maskSelector(sel: readonly A.Selector[], scope: Scope, it: Interp): number[] {
  if (sel.length > 1) err(TraceCodes.unsupported, 'one selector per statement', sel[1].span);
  const v = it.eval(sel[0].arg, scope);
  if (
    typeof v === 'object' &&
    'kind' in v &&
    v.kind === 'list' &&
    v.items.every((x) => typeof x === 'number')
  )
    return v.items as number[];
  return err(
    TraceCodes.badArgument,
    `\`mask\` takes a list of flat indices, got ${typeName(v)}`,
    sel[0].arg.span,
  );
}
