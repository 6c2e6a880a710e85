// Operators on interpreter values: `+ - * / ^ @ < == && ...` on host numbers, bools and
// strings (computed now), on tensors (staged with broadcasting, tensor.ts), and on
// parameter sets (per entry). Also the coercions the interpreter uses everywhere.

import type * as A from '../../grammar/ast.ts';
import type { Node } from '../ir/node.ts';
import { TraceCodes, TraceError } from './errors.ts';
import * as T from './tensor.ts';
import { isParamSet, isTensor, typeName, type Value } from './values.ts';

function err(code: string, message: string, span?: A.Span): never {
  throw new TraceError(code, message, span ?? T.spanNow());
}

export function binaryOp(op: A.BinaryOp, l: Value, r: Value, span: A.Span): Value {
  if (typeof l === 'number' && typeof r === 'number') return hostArith(op, l, r, span);
  if (isParamSet(l) || isParamSet(r)) {
    // Per-entry arithmetic on parameter sets; the other operand is shared or a set with the same keys.
    const set = isParamSet(l) ? l : (r as Extract<Value, { kind: 'params' }>);
    const keys = [...set.items.keys()];
    const at = (v: Value, k: string): Value => {
      if (!isParamSet(v)) return v;
      const x = v.items.get(k);
      if (!x) err(TraceCodes.badArgument, `parameter sets differ: no \`${k}\``, span);
      return x;
    };
    return {
      kind: 'params',
      items: new Map(keys.map((k) => [k, toTensor(binaryOp(op, at(l, k), at(r, k), span), span)])),
    };
  }
  if (typeof l === 'boolean' && typeof r === 'boolean') {
    if (op === '&&') return l && r;
    if (op === '||') return l || r;
    if (op === '==') return l === r;
    if (op === '!=') return l !== r;
  }
  if (typeof l === 'string' && typeof r === 'string') {
    if (op === '+') return l + r;
    if (op === '==') return l === r;
    if (op === '!=') return l !== r;
  }
  const a = tensorish(l, span);
  const b = tensorish(r, span);
  switch (op) {
    case '+':
      return T.add(a, b);
    case '-':
      return T.sub(a, b);
    case '*':
      return T.mul(a, b);
    case '/':
      return T.div(a, b);
    case '^':
      return T.pow(a, b);
    case '%':
      return err(TraceCodes.unsupported, '`%` works on compile-time numbers only', span);
    case '@':
      return T.matmul(toTensor(a, span), toTensor(b, span));
    case '<':
      return T.lt(a, b);
    case '>':
      return T.gt(a, b);
    case '<=':
      return T.le(a, b);
    case '>=':
      return T.ge(a, b);
    case '==':
      return T.eq(a, b);
    case '!=':
      return T.ne(a, b);
    case '&&':
      return T.ne(T.mul(T.cast(toTensor(a, span), 'i32'), T.cast(toTensor(b, span), 'i32')), 0);
    case '||':
      return T.ne(T.add(T.cast(toTensor(a, span), 'i32'), T.cast(toTensor(b, span), 'i32')), 0);
  }
}

export function tensorish(v: Value, span: A.Span): Node | number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return toTensor(v, span);
}

export function toTensor(v: Value, span: A.Span): Node {
  if (isTensor(v)) return v;
  if (typeof v === 'number') return T.constant(v, [], Number.isInteger(v) ? 'i32' : 'f32');
  if (typeof v === 'boolean') return T.constant(v ? 1 : 0, [], 'bool');
  return err(TraceCodes.badArgument, `expected a tensor, got ${typeName(v)}`, span);
}

export function toNum(v: Value, span: A.Span): number {
  if (typeof v === 'number') return v;
  return err(TraceCodes.badArgument, `expected a compile-time number, got ${typeName(v)}`, span);
}

function hostArith(op: A.BinaryOp, a: number, b: number, span: A.Span): Value {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a - Math.floor(a / b) * b;
    case '^':
      return a ** b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
  return err(TraceCodes.badArgument, `\`${op}\` needs bools or tensors, not numbers`, span);
}
