// Static value types, as far as the checker can tell without running anything, and the
// pattern syntax check.
//
// `valueType` gives a coarse type for an expression: a literal's type, a name's declared
// type, a declaration's kind (`decl:ScheduleDecl`), or 'unknown'. `accepts` answers whether
// a declared parameter type accepts it; anything unknown is accepted, so only certain
// mistakes (a string where an int is declared, ...) are reported.

import type * as A from '../../grammar/ast.ts';
import type { Binding } from './bind.ts';
import type { SimpleType } from './builtins.ts';

export type ValueType = SimpleType | 'record' | 'unknown' | `decl:${A.Decl['kind']}`;

export function typeOfTypeExpr(t: A.TypeExpr): ValueType {
  switch (t.kind) {
    case 'TensorType':
      return 'tensor';
    case 'ListType':
      return 'list';
    case 'RecordType':
      return 'record';
    case 'NamedType': {
      const n = t.name.name;
      if (n === 'int' || n === 'float' || n === 'bool' || n === 'string' || n === 'pattern' || n === 'fn')
        return n;
      return 'unknown';
    }
  }
}

export function valueType(e: A.Expr, b: Binding, depth = 0): ValueType {
  if (depth > 20) return 'unknown';
  switch (e.kind) {
    case 'NumberLit':
      return e.isInt ? 'int' : 'float';
    case 'StringLit':
      return 'string';
    case 'BoolLit':
      return 'bool';
    case 'ListLit':
      return 'list';
    case 'Comprehension':
      return e.form === 'list' ? 'list' : 'unknown';
    case 'RecordLit':
      return 'record';
    case 'Lambda':
      return 'fn';
    case 'Unary': {
      const t = valueType(e.operand, b, depth + 1);
      return e.op === '!'
        ? t === 'bool'
          ? 'bool'
          : 'unknown'
        : t === 'int' || t === 'float' || t === 'tensor'
          ? t
          : 'unknown';
    }
    case 'Binary': {
      if (['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(e.op)) return 'unknown';
      const l = valueType(e.left, b, depth + 1);
      const r = valueType(e.right, b, depth + 1);
      if (l === 'tensor' || r === 'tensor') return 'tensor';
      // int / int is left unknown: whether it truncates is the tracer's business
      if (l === 'int' && r === 'int') return e.op === '/' ? 'unknown' : 'int';
      if ((l === 'int' || l === 'float') && (r === 'int' || r === 'float')) return 'float';
      return 'unknown';
    }
    case 'Name': {
      const sym = b.refs.get(e)?.sym;
      if (!sym) return 'unknown';
      if (sym.type) return typeOfTypeExpr(sym.type);
      if (sym.kind === 'decl' && sym.decl) return `decl:${sym.decl.kind}`;
      if (sym.kind === 'builtin') return 'fn';
      if (sym.kind === 'let' && sym.value) return valueType(sym.value, b, depth + 1);
      return 'unknown';
    }
    default:
      return 'unknown';
  }
}

const show = (t: ValueType): string =>
  t.startsWith('decl:') ? t.slice(5).replace('Decl', '').toLowerCase() : t;

/** Printable type name, for messages. */
export const typeName = (t: ValueType): string => {
  const s = show(t);
  return s === 'fn' ? 'a function' : s === 'list' ? 'a list' : s === 'record' ? 'a record' : s;
};

/** Whether a parameter declared `expected` accepts a value of type `actual`. */
export function accepts(expected: A.TypeExpr | SimpleType, actual: ValueType): boolean {
  if (actual === 'unknown') return true;
  if (typeof expected !== 'string') {
    if (expected.kind === 'TensorType')
      return actual === 'tensor' || actual === 'int' || actual === 'float' || actual === 'bool';
    if (expected.kind === 'ListType') return actual === 'list';
    if (expected.kind === 'RecordType') return actual === 'record';
    const n = expected.name.name;
    if (n === 'schedule')
      return actual === 'fn' || actual === 'decl:ScheduleDecl' || actual === 'int' || actual === 'float';
    if (n === 'model' || n === 'module') return !['int', 'float', 'bool', 'string', 'list'].includes(actual);
    return accepts(typeOfTypeExpr(expected) as SimpleType, actual);
  }
  switch (expected) {
    case 'int':
      return actual === 'int' || actual === 'tensor';
    case 'float':
      return actual === 'int' || actual === 'float' || actual === 'tensor';
    case 'bool':
      return actual === 'bool' || actual === 'tensor';
    case 'string':
    case 'pattern':
      return actual === 'string' || actual === 'pattern';
    case 'tensor':
      return actual === 'tensor' || actual === 'int' || actual === 'float' || actual === 'bool';
    case 'list':
      return actual === 'list';
    case 'fn':
      return actual === 'fn' || actual.startsWith('decl:');
    default:
      return true;
  }
}

export const expectedName = (t: A.TypeExpr | SimpleType): string => {
  if (typeof t === 'string') return t;
  if (t.kind === 'NamedType') return t.name.name;
  if (t.kind === 'ListType') return `[${expectedName(t.element)}]`;
  return t.kind === 'TensorType' ? 'a tensor' : 'a record';
};

/**
 * Problems with a module/parameter pattern (`blocks.*.attn.{q,v}`, `**.bias`), or undefined
 * when it is well formed: segments of name characters and `*`, `**` alone in a segment,
 * balanced non-nested-empty `{a,b}` alternatives, no empty segments.
 */
export function patternProblem(p: string): string | undefined {
  if (p.trim() === '') return 'the pattern is empty';
  if (p === 'all') return undefined;
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '{') depth++;
    else if (c === '}') {
      if (--depth < 0) return `unmatched \`}\` at position ${i + 1}`;
    } else if (!/[A-Za-z0-9_.*,\-]/.test(c)) return `\`${c}\` cannot appear in a pattern`;
    else if (c === ',' && depth === 0) return 'a `,` outside `{...}`';
  }
  if (depth > 0) return 'an unclosed `{`';
  if (/\{\s*,|,\s*\}|\{\}/.test(p)) return 'an empty alternative in `{...}`';
  const flat = p.replace(/\{[^{}]*\}/g, 'x');
  for (const seg of flat.split('.')) {
    if (seg === '') return 'an empty segment (`..`, or a leading or trailing `.`)';
    if (seg.includes('**') && seg !== '**') return '`**` must be a whole segment';
  }
  return undefined;
}
