// One reduction computed in a loop by one invocation: the serial reduction template's body
// (reduce-kernel.ts), a reduction fused into another's kernel (row-kernel.ts), and the
// emitter's fallback for a reduction value needed inline.
//
//   X: [..shape]  axes A  ->  R [.., 1 at A, ..]: R[o] = combine over r < prod(shape[A]) of X[o with A := r]

import type { Node } from '../ir/node.ts';
import { numel } from '../ir/node.ts';
import { dimsOfFlat } from './index-math.ts';
import { literal, wgslType } from './wgsl-values.ts';
import type { Emitter } from './emitter.ts';

const isMax = (out: Node) => out.op === 'reduce_max';

export const reduceInit = (out: Node): string =>
  isMax(out) ? literal(out.dtype === 'f32' ? -Infinity : -2147483648, out.dtype) : literal(0, out.dtype);

export const reduceCombine = (out: Node, a: string, b: string): string =>
  isMax(out) ? `max(${a}, ${b})` : `(${a} + ${b})`;

/** Emit `acc = combine(acc, X[kept dims of o, reduced dims of r])` into `body`. */
export function accumulate(
  out: Node,
  body: Emitter,
  outDims: readonly string[],
  r: string,
  acc: string,
): void {
  const x = out.src[0];
  const axes = (out.arg as { axes: readonly number[] }).axes;
  const rd = dimsOfFlat(
    r,
    axes.map((a) => x.shape[a]),
  ).map((d) => body.bind(d, 'r'));
  const xd = outDims.map((d, i) => (axes.includes(i) ? rd[axes.indexOf(i)] : d));
  const v = body.value(x, { shape: x.shape, dims: xd });
  body.line(`${acc} = ${reduceCombine(out, acc, v)};`);
}

/** Emit, into `e`, a loop computing `out` at `outDims`; returns the accumulator's name. */
export function reduceLoop(e: Emitter, out: Node, outDims: readonly string[]): string {
  const x = out.src[0];
  const axes = (out.arg as { axes: readonly number[] }).axes;
  const rt = numel(axes.map((a) => x.shape[a]));
  const acc = e.fresh('acc');
  const r = e.fresh('r');
  e.line(`var ${acc}: ${wgslType(out.dtype)} = ${reduceInit(out)};`);
  e.line(`for (var ${r} = 0i; ${r} < ${rt}; ${r}++) {`);
  const body = e.child();
  accumulate(out, body, outDims, r, acc);
  e.splice(body);
  e.line('}');
  return acc;
}
