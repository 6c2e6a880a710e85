// The one IR node type and its factory.
//
// Nodes are immutable and hash-consed: `mk` returns the existing node when an equal one
// (same op, dtype, shape, arg and sources) was made before, so equal subgraphs are the
// same object, CSE is free and printed dumps are deterministic. The first span wins.
//
// `mk` infers and checks shapes. A failure here is a compiler bug (the checker and the
// tracer must reject user errors with a diagnostic first), so it throws IRError.

import type { Span } from '../diagnostics/span.ts';
import { OpGroup, type Arg, type ArgOf, type DType, type Op, type Shape } from './ops.ts';

export interface Node<O extends Op = Op> {
  readonly id: number;
  readonly op: O;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly src: readonly Node[];
  readonly arg: ArgOf<O>;
  readonly span?: Span;
}

export class IRError extends Error {
  override name = 'IRError';
}

const table = new Map<string, Node>();
let nextId = 0;

const argKey = (arg: Arg): string => (arg === null ? '' : JSON.stringify(arg));

/** Make (or find) a node. `shape`/`dtype` are inferred when the op determines them. */
export function mk<O extends Op>(
  op: O,
  src: readonly Node[],
  arg: ArgOf<O>,
  opts: { shape?: Shape; dtype?: DType; span?: Span } = {},
): Node<O> {
  const { shape, dtype } = infer(op, src, arg as Arg, opts.shape, opts.dtype);
  const key = `${op}|${dtype}|${shape.join(',')}|${argKey(arg as Arg)}|${src.map((s) => s.id).join(',')}`;
  const found = table.get(key);
  if (found) return found as Node<O>;
  const node: Node<O> = Object.freeze({
    id: nextId++,
    op,
    dtype,
    shape: Object.freeze([...shape]),
    src: Object.freeze([...src]),
    arg,
    span: opts.span,
  });
  table.set(key, node);
  return node;
}

export const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

function fail(op: Op, msg: string): never {
  throw new IRError(`${op}: ${msg}`);
}

function infer(
  op: Op,
  src: readonly Node[],
  arg: Arg,
  shape: Shape | undefined,
  dtype: DType | undefined,
): { shape: Shape; dtype: DType } {
  const need = (n: number) => {
    if (src.length !== n) fail(op, `expects ${n} operands, got ${src.length}`);
  };
  if (OpGroup.Leaf.has(op)) {
    if (!shape) fail(op, 'a leaf needs an explicit shape');
    if (op === 'rand') {
      need(1);
      if (src[0].dtype !== 'i32' || src[0].shape.length !== 0) fail(op, 'seed must be an i32 scalar');
      return { shape, dtype: 'f32' };
    }
    need(0);
    if (op === 'iota') return { shape, dtype: dtype ?? 'i32' };
    return { shape, dtype: dtype ?? 'f32' };
  }
  if (OpGroup.Unary.has(op)) {
    need(1);
    const to = op === 'cast' ? (arg as ArgOf<'cast'>).to : src[0].dtype;
    return { shape: src[0].shape, dtype: to };
  }
  if (OpGroup.Binary.has(op)) {
    need(2);
    const [a, b] = src;
    if (!sameShape(a.shape, b.shape))
      fail(op, `shapes differ: [${a.shape}] vs [${b.shape}] (broadcast explicitly)`);
    if (a.dtype !== b.dtype) fail(op, `dtypes differ: ${a.dtype} vs ${b.dtype}`);
    return { shape: a.shape, dtype: OpGroup.Compare.has(op) ? 'bool' : a.dtype };
  }
  switch (op) {
    case 'where': {
      need(3);
      const [c, a, b] = src;
      if (c.dtype !== 'bool') fail(op, 'condition must be bool');
      if (!sameShape(c.shape, a.shape) || !sameShape(a.shape, b.shape)) fail(op, 'shapes differ');
      if (a.dtype !== b.dtype) fail(op, 'branch dtypes differ');
      return { shape: a.shape, dtype: a.dtype };
    }
    case 'reduce_sum':
    case 'reduce_max': {
      need(1);
      const { axes } = arg as ArgOf<'reduce_sum'>;
      const r = src[0].shape.length;
      if (axes.some((a) => a < 0 || a >= r)) fail(op, `axes [${axes}] out of range for rank ${r}`);
      return { shape: src[0].shape.map((d, i) => (axes.includes(i) ? 1 : d)), dtype: src[0].dtype };
    }
    case 'reshape': {
      need(1);
      const to = (arg as ArgOf<'reshape'>).shape;
      if (numel(to) !== numel(src[0].shape)) fail(op, `cannot reshape [${src[0].shape}] to [${to}]`);
      return { shape: to, dtype: src[0].dtype };
    }
    case 'permute': {
      need(1);
      const { perm } = arg as ArgOf<'permute'>;
      const s = src[0].shape;
      if (perm.length !== s.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
        fail(op, `bad permutation [${perm}] for rank ${s.length}`);
      return { shape: perm.map((p) => s[p]), dtype: src[0].dtype };
    }
    case 'expand': {
      need(1);
      const to = (arg as ArgOf<'expand'>).shape;
      const s = src[0].shape;
      if (to.length !== s.length || s.some((d, i) => d !== 1 && d !== to[i]))
        fail(op, `cannot expand [${s}] to [${to}]`);
      return { shape: to, dtype: src[0].dtype };
    }
    case 'slice': {
      need(1);
      const { starts, ends } = arg as ArgOf<'slice'>;
      const s = src[0].shape;
      if (starts.length !== s.length || ends.length !== s.length) fail(op, 'starts/ends rank mismatch');
      s.forEach((d, i) => {
        if (!(0 <= starts[i] && starts[i] <= ends[i] && ends[i] <= d))
          fail(op, `bad range ${starts[i]}:${ends[i]} on axis ${i} of size ${d}`);
      });
      return { shape: s.map((_, i) => ends[i] - starts[i]), dtype: src[0].dtype };
    }
    case 'pad': {
      need(1);
      const { before, after } = arg as ArgOf<'pad'>;
      const s = src[0].shape;
      if (before.length !== s.length || after.length !== s.length) fail(op, 'pad rank mismatch');
      return { shape: s.map((d, i) => before[i] + d + after[i]), dtype: src[0].dtype };
    }
    case 'concat': {
      if (src.length < 1) fail(op, 'needs operands');
      const { axis } = arg as ArgOf<'concat'>;
      const s0 = src[0].shape;
      for (const x of src) {
        if (x.shape.length !== s0.length || x.shape.some((d, i) => i !== axis && d !== s0[i]))
          fail(op, `operand shapes [${x.shape}] and [${s0}] differ off axis ${axis}`);
        if (x.dtype !== src[0].dtype) fail(op, 'dtypes differ');
      }
      const out = [...s0];
      out[axis] = src.reduce((a, x) => a + x.shape[axis], 0);
      return { shape: out, dtype: src[0].dtype };
    }
    case 'matmul': {
      need(2);
      const [a, b] = src;
      const r = a.shape.length;
      if (r < 2 || b.shape.length !== r)
        fail(op, `ranks must match and be >= 2: [${a.shape}] @ [${b.shape}]`);
      if (a.shape[r - 1] !== b.shape[r - 2]) fail(op, `inner dims differ: [${a.shape}] @ [${b.shape}]`);
      if (a.shape.slice(0, r - 2).some((d, i) => d !== b.shape[i]))
        fail(op, `batch dims differ: [${a.shape}] @ [${b.shape}]`);
      if (a.dtype !== 'f32' || b.dtype !== 'f32') fail(op, 'matmul is f32');
      return { shape: [...a.shape.slice(0, r - 1), b.shape[r - 1]], dtype: 'f32' };
    }
    case 'gather': {
      need(2);
      const [t, idx] = src;
      if (idx.dtype !== 'i32') fail(op, 'indices must be i32');
      if (t.shape.length < 1) fail(op, 'table must have rank >= 1');
      return { shape: [...idx.shape, ...t.shape.slice(1)], dtype: t.dtype };
    }
    case 'scatter_add': {
      need(2);
      const [idx, upd] = src;
      const { rows } = arg as ArgOf<'scatter_add'>;
      if (idx.dtype !== 'i32') fail(op, 'indices must be i32');
      if (idx.shape.some((d, i) => upd.shape[i] !== d))
        fail(op, `updates [${upd.shape}] do not start with index shape [${idx.shape}]`);
      return { shape: [rows, ...upd.shape.slice(idx.shape.length)], dtype: upd.dtype };
    }
  }
  if (op === 'custom_vjp') {
    // A marker (ops.ts): the value's shape and dtype; the inputs are whatever the fn took.
    if (src.length < 1) fail(op, 'needs the marked value');
    return { shape: src[0].shape, dtype: src[0].dtype };
  }
  fail(op, 'unknown op');
}
