// Calibration passes at compile time: run the model on a few batches of the recipe's own
// data on the host (CPU reference evaluator) and initialise parameters from activation
// statistics (EVA). Used from a method body:
//
//   let xs = calibration_tokens(data, batches: 2)   // i32[k B, T]: k batches of the recipe's data
//   let y = model(xs)                               // traced; `tap`s inside wraps record activations
//   let acts = taps("eva.in")                       // tensors over the calibration tokens
//   param m.lora_a: f32[r, m.in] init activation_svd(acts[i], r: r)
//
//   calibration_tokens(data, batches:) -> tensor  an input node whose value the host knows;
//       batches 1..k of `data` (paths relative to the recipe's folder, as in training)
//   activation_svd(x, r:) -> init   top-r right singular vectors V_r^T [r, in] of the
//       activations x (any [..., in], rows flattened), uncentred as in EVA
//   activation_spectrum(x) -> [float]  their singular values squared (explained variances)
//   eva_ranks(xs, budget:, max_rank:) -> [int]   per-tensor ranks: the `budget` components
//       with the largest explained-variance ratio (s_k^2 / sum_j s_j^2 within a tensor) over
//       all tensors, at most max_rank and at least 1 per tensor
//   bit_cipher_vectors(tokens, vocab:, bits:, window:, mode:) -> init   bit-cipher word vectors from
//       calibration tokens (bit-cipher.ts), [vocab, bits] ("sum") or [vocab, 2 bits] ("concat")
//   reinit(p, init)        replace the initial value of an existing parameter p (`e.weight`)
//   grad_of(y, x) -> tensor     d sum(y) / d x as a tensor expression (reverse-mode autodiff of
//       the traced graph; for host statistics such as LoRA-guided importance, never trained)
//   host_eval(x) -> [float]     x evaluated on the host over the calibration inputs, flattened
//   values_init(list) -> init   an init of kind data from a list of numbers
//
// The evaluation uses every parameter's initial value with seed 0 (a checkpoint's data
// after `model.load`), the same convention as the other host-side features, or the trained
// value `withWeights` supplies (a later stage or a re-selection, runtime/train/reselect.ts).

import { dirname } from 'node:path';
import type * as A from '../../grammar/ast.ts';
import { mk, type Node } from '../ir/node.ts';
import { toposort } from '../ir/graph.ts';
import { grad } from '../autodiff/grad.ts';
import { evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';
import { openFeeder } from '../../runtime/train/feed.ts';
import { initAll } from '../elaborate/init.ts';
import { allParams, type ModelTree } from '../elaborate/tree.ts';
import { dataSpec } from '../train/data-spec.ts';
import { arg, num, tensor } from '../trace/args.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import { isTensor, list, type Args, type Scope, type Value } from '../trace/values.ts';
import { dataInit, paramOf } from './host-init.ts';
import { selectionWeights } from './selection.ts';
import { bitCipher, type CipherMode } from './bit-cipher.ts';
import { topSvd } from './spectral.ts';

/** Host values of calibration input nodes, by input name. */
const calibrationData = new Map<string, Int32Array>();
let counter = 0;

/** Evaluate x on the host over the calibration inputs it depends on: [rows, in] float64. */
function hostActivations(
  tree: ModelTree,
  x: Node,
  span: A.Span,
): { data: Float64Array; rows: number; cols: number } {
  const inputs = new Map<string, TypedArray>();
  for (const n of toposort([x]))
    if (n.op === 'input') {
      const name = (n.arg as { name: string }).name;
      const v = calibrationData.get(name);
      if (!v)
        err(
          TraceCodes.badArgument,
          `the activations depend on \`${name}\`, not only on calibration_tokens(...)`,
          span,
        );
      inputs.set(name, v!);
    }
  const params = initAll(allParams(tree.root), 0) as Map<string, TypedArray>;
  // Inside withWeights (a later stage, a re-selection) statistics see the trained weights.
  for (const [name, w] of selectionWeights() ?? []) if (params.has(name)) params.set(name, w);
  const [v] = evaluateNodes([x], { params, inputs });
  const cols = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  return { data: Float64Array.from(v as ArrayLike<number>), rows: v.length / cols, cols };
}

function explained(tree: ModelTree, x: Node, span: A.Span): Float64Array {
  const { data, rows, cols } = hostActivations(tree, x, span);
  return topSvd(data, rows, cols, Math.min(rows, cols)).s.map((s) => s * s);
}

/** Define the calibration builtins in a method's scope; `span` is the `apply` in the recipe. */
export function defineCalibrationBuiltins(scope: Scope, tree: ModelTree, span: A.Span): void {
  const def = (name: string, call: (a: Args) => Value) => scope.define(name, { kind: 'builtin', name, call });
  def('calibration_tokens', (a) => {
    const spec = dataSpec(arg(a, 0, 'data') as Value, 1, a.span);
    const k = num(a, 1, 'batches', 2);
    const r = openFeeder(spec, dirname(span.file));
    if (!r.ok)
      return err(
        TraceCodes.badArgument,
        `calibration data: ${r.diagnostics.map((d) => d.message).join('; ')}`,
        a.span,
      );
    const field = spec.fields.find((f) => f.name === 'tokens');
    if (!field) return err(TraceCodes.badArgument, 'calibration needs token batches (`tokens`)', a.span);
    const [B, T] = field.shape;
    const out = new Int32Array(k * B * T);
    for (let s = 1; s <= k; s++) out.set(r.value.feed(s).tokens as Int32Array, (s - 1) * B * T);
    const name = `calibration.tokens#${counter++}`;
    calibrationData.set(name, out);
    return mk('input', [], { name }, { shape: [k * B, T], dtype: 'i32' });
  });
  def('activation_svd', (a) => {
    const x = tensor(a, 0, 'x');
    const r = num(a, 1, 'r');
    const { data, rows, cols } = hostActivations(tree, x, a.span);
    if (!Number.isInteger(r) || r < 1 || r > Math.min(rows, cols))
      err(TraceCodes.badArgument, `\`r\` must be an integer in 1 .. ${Math.min(rows, cols)}`, a.span);
    return dataInit(Float32Array.from(topSvd(data, rows, cols, r).vt), `activation_svd(r: ${r})`);
  });
  def('bit_cipher_vectors', (a) => {
    const x = tensor(a, 0, 'tokens');
    if (x.op !== 'input' || !calibrationData.has((x.arg as { name: string }).name))
      return err(TraceCodes.badArgument, '`tokens` must come from calibration_tokens(...)', a.span);
    const toks = calibrationData.get((x.arg as { name: string }).name)!;
    const mode = (arg(a, 4, 'mode') ?? 'sum') as CipherMode;
    if (mode !== 'sum' && mode !== 'concat')
      return err(TraceCodes.badArgument, '`mode` is "sum" or "concat"', a.span);
    const [vocab, bits, window] = [num(a, 1, 'vocab'), num(a, 2, 'bits'), num(a, 3, 'window', 2)];
    if (toks.some((t) => t < 0 || t >= vocab))
      return err(TraceCodes.badArgument, `a token is outside 0 .. ${vocab - 1}`, a.span);
    return dataInit(bitCipher(toks, x.shape[1], vocab, bits, window, mode), `bit_cipher(bits: ${bits})`);
  });
  def('reinit', (a) => {
    const p = paramOf(tree, arg(a, 0, 'p'), a.span);
    const v = arg(a, 1, 'init');
    if (!(typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'init'))
      return err(TraceCodes.badArgument, '`init` must be an init such as bit_cipher_vectors(...)', a.span);
    if (v.spec.kind === 'data' && v.spec.data.length !== p.shape.reduce((x, y) => x * y, 1))
      return err(
        TraceCodes.badArgument,
        `the init has ${v.spec.data.length} values, \`${p.name}\` has shape [${p.shape}]`,
        a.span,
      );
    p.init = v.spec;
    return { kind: 'null' };
  });
  def('grad_of', (a) => {
    const y = tensor(a, 0, 'y');
    const x = tensor(a, 1, 'x');
    return grad(y, [x]).get(x)!;
  });
  def('host_eval', (a) => {
    const { data } = hostActivations(tree, tensor(a, 0, 'x'), a.span);
    return list(Array.from(data));
  });
  def('values_init', (a) => {
    const v = arg(a, 0, 'values');
    if (
      !(typeof v === 'object' && v !== null && 'kind' in v && v.kind === 'list') ||
      !v.items.every((x) => typeof x === 'number')
    )
      return err(TraceCodes.badArgument, '`values` must be a list of numbers', a.span);
    return dataInit(Float32Array.from(v.items as number[]), 'values_init');
  });
  def('activation_spectrum', (a) => list(Array.from(explained(tree, tensor(a, 0, 'x'), a.span))));
  def('eva_ranks', (a) => {
    const xs = arg(a, 0, 'xs');
    if (
      !(typeof xs === 'object' && xs !== null && 'kind' in xs && xs.kind === 'list') ||
      !xs.items.every(isTensor)
    )
      return err(TraceCodes.badArgument, '`xs` must be a list of tensors', a.span);
    const budget = num(a, 1, 'budget');
    const cap = num(a, 2, 'max_rank', Infinity);
    const ratios = (xs.items as Node[]).map((x) => {
      const ev = explained(tree, x, a.span);
      const tot = ev.reduce((p, q) => p + q, 0) || 1;
      return Array.from(ev, (e) => e / tot);
    });
    return list(evaRanks(ratios, budget, cap));
  });
}

/** Ranks from per-tensor explained-variance ratios (descending each): see the header. */
export function evaRanks(ratios: readonly number[][], budget: number, cap: number): number[] {
  const ranks = ratios.map(() => 1); // every adapted layer keeps at least one component
  const cand: [number, number][] = [];
  ratios.forEach((rs, i) => rs.slice(1).forEach((v) => cand.push([v, i])));
  cand.sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  let left = budget - ranks.length;
  for (const [, i] of cand) {
    if (left <= 0) break;
    if (ranks[i] >= Math.min(cap, ratios[i].length)) continue;
    ranks[i]++;
    left--;
  }
  return ranks;
}
