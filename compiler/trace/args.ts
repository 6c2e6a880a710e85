// Argument unpacking for builtins: positional or named, with typed accessors that raise
// a TraceError naming the argument.

import type { Node } from '../ir/node.ts';
import type { TraceContext } from './builtins.ts';
import { TraceCodes } from './errors.ts';
import { err } from './interp.ts';
import * as T from './tensor.ts';
import { isTensor, typeName, type Args, type Value } from './values.ts';

export type Fn = (a: Args, ctx: TraceContext) => Value;

export const arg = (a: Args, i: number, name: string): Value | undefined =>
  a.positional[i] ?? a.named.get(name);
export function need(a: Args, i: number, name: string): Value {
  const v = arg(a, i, name);
  if (v === undefined) err(TraceCodes.badArgument, `missing argument \`${name}\``, a.span);
  return v;
}
export function tensor(a: Args, i: number, name: string): Node {
  const v = need(a, i, name);
  if (isTensor(v)) return v;
  if (typeof v === 'number') return T.constant(v);
  return err(TraceCodes.badArgument, `\`${name}\` must be a tensor, got ${typeName(v)}`, a.span);
}
export function optTensor(a: Args, i: number, name: string): Node | undefined {
  const v = arg(a, i, name);
  return v === undefined || (typeof v === 'object' && 'kind' in v && v.kind === 'null')
    ? undefined
    : tensor(a, i, name);
}
export function num(a: Args, i: number, name: string, dflt?: number): number {
  const v = arg(a, i, name) ?? dflt;
  if (typeof v !== 'number')
    err(
      TraceCodes.badArgument,
      `\`${name}\` must be a number, got ${v === undefined ? 'nothing' : typeName(v)}`,
      a.span,
    );
  return v;
}
export function ints(v: Value, what: string, span: Args['span']): number[] {
  if (
    typeof v === 'object' &&
    'kind' in v &&
    v.kind === 'list' &&
    v.items.every((x) => typeof x === 'number')
  )
    return v.items as number[];
  return err(TraceCodes.badArgument, `\`${what}\` must be a list of ints`, span);
}
export function axisArg(a: Args, i: number): T.Axes {
  const v = arg(a, i, 'axis');
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return ints(v, 'axis', a.span);
}
export const keepdim = (a: Args) => arg(a, 99, 'keepdim') === true;
