// The CPU reference executor: a plain interpreter of the training IR over the topological
// order. It is the numerical oracle every WGSL kernel is tested against, and a fallback.
//
//   evaluate(graph, { params, inputs }, { precision }) -> { outputs, updates }
//   step(graph, store, inputs)  evaluates, then writes every update into `store`
//
// Storage conventions (f32 / f64 precision, bool as Uint8Array 0/1): see tensor.ts.
// All outputs and updates are computed from the old parameter values; updates are written
// only after the whole graph ran (graph.ts: one step has no read-after-write hazards).

import type { Graph } from '../../compiler/ir/graph.ts';
import { roots, toposort, useCounts } from '../../compiler/ir/graph.ts';
import type { Node } from '../../compiler/ir/node.ts';
import type { ArgOf } from '../../compiler/ir/ops.ts';
import { fillRandom } from '../rng.ts';
import { mapBinary, mapUnary, mapWhere } from './elementwise.ts';
import { gather, scatterAdd } from './gather.ts';
import { matmul } from './matmul.ts';
import { concat, expand, pad, permute, reshape, slice } from './movement.ts';
import { reduce } from './reduce.ts';
import { alloc, coerce, numel, strides, type Precision, type TypedArray } from './tensor.ts';

export type { TypedArray, Precision } from './tensor.ts';

export interface Env {
  /** Values of `param` leaves (role 'param' and 'state'), by name. */
  readonly params: ReadonlyMap<string, TypedArray>;
  /** Values of `input` leaves, by name. */
  readonly inputs?: ReadonlyMap<string, TypedArray>;
}

export interface EvalOptions {
  /** 'f32' (default): f32 tensors in Float32Array; 'f64': Float64Array, for gradient checks. */
  readonly precision?: Precision;
}

export interface EvalResult {
  readonly outputs: Record<string, TypedArray>;
  /** New values of updated params, by param name. */
  readonly updates: Map<string, TypedArray>;
}

/** A caller error (missing or mis-sized param/input), naming the tensor. */
export class CpuEvalError extends Error {
  override name = 'CpuEvalError';
}

export function evaluate(graph: Graph, env: Env, opts: EvalOptions = {}): EvalResult {
  const names = Object.keys(graph.outputs);
  const vals = evaluateNodes(roots(graph), env, opts);
  const outputs: Record<string, TypedArray> = {};
  names.forEach((n, i) => (outputs[n] = vals[i]));
  const updates = new Map<string, TypedArray>();
  graph.updates.forEach((u, i) => updates.set(u.target.arg.name, vals[names.length + i]));
  return { outputs, updates };
}

/**
 * Run one step: evaluate, then replace each updated param's array in `store` (arrays are
 * replaced, never written in place). Returns the outputs. `store` holds params and state.
 */
export function step(
  graph: Graph,
  store: Map<string, TypedArray>,
  inputs: ReadonlyMap<string, TypedArray> = new Map(),
  opts: EvalOptions = {},
): Record<string, TypedArray> {
  const { outputs, updates } = evaluate(graph, { params: store, inputs }, opts);
  for (const [name, v] of updates) store.set(name, v);
  return outputs;
}

/** Values of `nodes` (any IR nodes), in order. Intermediates are freed after their last use. */
export function evaluateNodes(nodes: readonly Node[], env: Env, opts: EvalOptions = {}): TypedArray[] {
  const p = opts.precision ?? 'f32';
  const order = toposort(nodes);
  const uses = useCounts(order);
  for (const n of nodes) uses.set(n, Infinity); // requested values are never freed
  const val = new Map<Node, TypedArray>();
  for (const n of order) {
    val.set(
      n,
      evalNode(
        n,
        n.src.map((s) => val.get(s)!),
        env,
        p,
      ),
    );
    for (const s of n.src) {
      const left = uses.get(s)! - 1;
      uses.set(s, left);
      if (left === 0) val.delete(s);
    }
  }
  return nodes.map((n) => val.get(n)!);
}

function leafValue(
  n: Node,
  kind: 'param' | 'input',
  table: ReadonlyMap<string, TypedArray> | undefined,
  p: Precision,
): TypedArray {
  const name = (n.arg as { name: string }).name;
  const desc = `${kind} '${name}' (${n.dtype}[${n.shape.join(',')}])`;
  const v = table?.get(name);
  if (!v) throw new CpuEvalError(`missing ${desc}`);
  if (v.length !== numel(n.shape))
    throw new CpuEvalError(`${desc} has ${v.length} elements, expected ${numel(n.shape)}`);
  return coerce(v, n.dtype, p);
}

/** The meaning of each op, given its operands' values `x` (same order as `n.src`). */
function evalNode(n: Node, x: TypedArray[], env: Env, p: Precision): TypedArray {
  const s0 = n.src[0];
  switch (n.op) {
    case 'param':
      return leafValue(n, 'param', env.params, p);
    case 'input':
      return leafValue(n, 'input', env.inputs, p);
    case 'const':
      return alloc(n.dtype, numel(n.shape), p).fill((n.arg as ArgOf<'const'>).value);
    case 'iota': {
      // out[c] = c[axis]: the flat index divided by the axis stride, mod the axis size.
      const { axis } = n.arg as ArgOf<'iota'>;
      const st = strides(n.shape)[axis];
      const out = alloc(n.dtype, numel(n.shape), p);
      for (let i = 0; i < out.length; i++) out[i] = Math.floor(i / st) % n.shape[axis];
      return out;
    }
    case 'rand': {
      const { stream, dist } = n.arg as ArgOf<'rand'>;
      const out = alloc('f32', numel(n.shape), p);
      fillRandom(out, x[0][0], stream, dist);
      return out;
    }
    case 'neg':
    case 'recip':
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'sin':
    case 'cos':
    case 'tanh':
    case 'abs':
    case 'cast':
    case 'detach':
      return mapUnary(n.op, s0.dtype, n.dtype, x[0], p);
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'max':
    case 'min':
    case 'pow':
    case 'lt':
    case 'eq':
      return mapBinary(n.op, s0.dtype, n.dtype, x[0], x[1], p);
    case 'where':
      return mapWhere(x[0], x[1], x[2], n.dtype, p);
    case 'reduce_sum':
    case 'reduce_max':
      return reduce(
        n.op === 'reduce_sum' ? 'sum' : 'max',
        x[0],
        s0.shape,
        (n.arg as ArgOf<'reduce_sum'>).axes,
        n.dtype,
        p,
      );
    case 'reshape':
      return reshape(x[0]);
    case 'permute':
      return permute(x[0], s0.shape, (n.arg as ArgOf<'permute'>).perm, n.dtype, p);
    case 'expand':
      return expand(x[0], s0.shape, n.shape, n.dtype, p);
    case 'slice': {
      const { starts, ends } = n.arg as ArgOf<'slice'>;
      return slice(x[0], s0.shape, starts, ends, n.dtype, p);
    }
    case 'pad': {
      const { before, after } = n.arg as ArgOf<'pad'>;
      return pad(x[0], s0.shape, before, after, n.dtype, p);
    }
    case 'concat':
      return concat(
        x,
        n.src.map((s) => s.shape),
        (n.arg as ArgOf<'concat'>).axis,
        n.dtype,
        p,
      );
    case 'matmul':
      return matmul(x[0], s0.shape, x[1], n.src[1].shape, p);
    case 'gather':
      return gather(x[0], s0.shape[0], x[1], numel(s0.shape.slice(1)), n.dtype, p);
    case 'scatter_add': {
      const upd = n.src[1];
      const inner = numel(upd.shape.slice(s0.shape.length));
      const { rows, sorted } = n.arg as ArgOf<'scatter_add'>;
      // The device kernel trusts a `sorted` promise; the oracle checks it.
      if (sorted)
        for (let i = 1; i < x[0].length; i++)
          if (x[0][i] < x[0][i - 1]) throw new Error('cpu: scatter_add indices promised sorted are not');
      return scatterAdd(x[0], x[1], rows, inner, n.dtype, p);
    }
    case 'custom_vjp': // ops.ts: stripped by the training build; reaching here is a compiler bug
      throw new Error('cpu: a custom_vjp marker reached the executor');
  }
  throw new Error(`cpu: no meaning for op ${n.op satisfies never}`);
}
