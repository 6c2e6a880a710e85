// Where the formatter writes parentheses: wherever the user wrote them (`parens: true` on the
// AST node: `(alpha / r) * x` stays as written) and wherever the parser's precedence ladder
// needs them (parser.ts), lowest to highest:
//
//   0 lambda (its body runs to the end)   1 `|>` (left-assoc)   2 `..` (no chaining)
//   3 `||`   4 `&&`   5 comparisons (no chaining)   6 `+ -`   7 `* / % @`
//   8 unary `- !`   9 `^` (right-assoc; left operand postfix, right operand unary)
//   10 postfix/primary: calls, `.name`, `[i]`, `^T`, literals, names, lists, records
//
// Needed parentheses were necessarily written by the user, so the output parses back to an
// AST with the same `parens` flags.

import type { BinaryOp, Expr, Node } from '../ast.ts';

const binaryPrec: Record<BinaryOp, number> = {
  '||': 3,
  '&&': 4,
  '==': 5,
  '!=': 5,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
  '@': 7,
  '^': 9,
};

export const precOfOp = (op: BinaryOp): number => binaryPrec[op];

const exprKinds = new Set<string>([
  'NumberLit',
  'StringLit',
  'BoolLit',
  'Name',
  'Member',
  'Index',
  'Call',
  'Binary',
  'Unary',
  'Transpose',
  'Pipe',
  'Lambda',
  'ListLit',
  'RecordLit',
  'Range',
  'Comprehension',
  'ErrorExpr',
]);

export const isExpr = (n: Node): n is Expr => exprKinds.has(n.kind);

/** The binding strength of an expression, on the ladder above. */
export function prec(e: Expr): number {
  switch (e.kind) {
    case 'Lambda':
      return 0;
    case 'Pipe':
      return 1;
    case 'Range':
      return 2;
    case 'Binary':
      return binaryPrec[e.op];
    case 'Unary':
      return 8;
    case 'Comprehension':
      return e.form === 'list' ? 10 : 0;
    default:
      return 10;
  }
}

/** Parentheses around `child`: written by the user, or needed. */
export const hasParens = (child: Node, parent: Node | undefined, key: string | number | null): boolean =>
  (isExpr(child) && child.parens === true) || needsParens(child, parent, key);

/** `key` is the property of `parent` that holds `child` (`left`, `object`, `iterable`, ...). */
export function needsParens(child: Node, parent: Node | undefined, key: string | number | null): boolean {
  if (!parent || !isExpr(child)) return false;
  if (child.kind === 'Comprehension' && child.form === 'generator') return false; // only ever a call's argument
  const p = prec(child);
  switch (parent.kind) {
    case 'Binary': {
      const level = binaryPrec[parent.op];
      if (parent.op === '^') return key === 'left' ? p < 10 : p < 8;
      if (level === 5) return p <= 5; // `a < b < c` does not parse
      return p < level || (key === 'right' && p === level);
    }
    case 'Unary':
      return p < 8;
    case 'Call':
    case 'Member':
    case 'Index':
    case 'Transpose':
      return key !== 'args' && key !== 'items' && p < 10;
    case 'Pipe':
      return key === 'left' ? p < 1 : p < 2;
    case 'Range':
      return p < 3;
    case 'Comprehension':
      return key === 'iterable' || key === 'filter' ? p < 3 : child.kind === 'Lambda';
    default:
      return false;
  }
}

/**
 * The first token a statement-level expression prints as (`(`, `[`, `-`, a name, ...): used to
 * decide whether the previous statement needs a `;` so that it does not swallow this one.
 */
export function leadingToken(e: Expr, parent?: Node, key: string | number | null = null): string {
  if (hasParens(e, parent, key)) return '(';
  switch (e.kind) {
    case 'Binary':
      return leadingToken(e.left, e, 'left');
    case 'Pipe':
      return leadingToken(e.left, e, 'left');
    case 'Range':
      return leadingToken(e.start, e, 'start');
    case 'Call':
      return leadingToken(e.callee, e, 'callee');
    case 'Member':
    case 'Index':
      return leadingToken(e.object, e, 'object');
    case 'Transpose':
      return leadingToken(e.operand, e, 'operand');
    case 'Unary':
      return e.op;
    case 'ListLit':
      return '[';
    case 'RecordLit':
      return '{';
    case 'Comprehension':
      return e.form === 'list' ? '[' : leadingToken(e.element, e, 'element');
    case 'Lambda':
      return e.params.length === 1 ? e.params[0]!.name : '(';
    case 'Name':
      return e.name;
    case 'NumberLit':
      return e.raw;
    case 'StringLit':
      return '"';
    case 'BoolLit':
      return String(e.value);
    case 'ErrorExpr':
      return '';
  }
}
