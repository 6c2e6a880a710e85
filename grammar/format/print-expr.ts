// Prettier docs for expressions and types.
//
// Canonical style: spaces around binary operators, `|>`, `..` and `=>`; none around `.`,
// `^T` or inside brackets; `name: value` for named arguments and record fields. A group
// that does not fit breaks as a whole:
//   - a call's arguments (and lists, records) go one per line, with a trailing comma only in
//     list literals (the parser takes none in argument or parameter lists, records or dims);
//   - a pipeline goes one stage per line: `src` then `|> stage` lines, indented;
//   - a chain of same-precedence binary operators breaks before each operator.
// Every child node is printed through `print` (never read directly), so comments Prettier
// attached to it are printed too.

import { doc, type AstPath, type Doc } from 'prettier';
import type * as A from '../ast.ts';
import { hasParens, precOfOp } from './parens.ts';

const { group, indent, line, softline, ifBreak, join } = doc.builders;

export type Print = (selector?: string | number | Array<string | number> | AstPath<A.Node>) => Doc;
type Path = AstPath<A.Node>;

const hasComments = (n: A.Node): boolean => ((n as { comments?: unknown[] }).comments?.length ?? 0) > 0;

/** `(a, b, c)` as a breakable group; `trailingComma` where the grammar accepts one. */
export function printList(open: string, items: Doc[], close: string, trailingComma: boolean): Doc {
  if (items.length === 0) return [open, close];
  return group([
    open,
    indent([softline, join([',', line], items)]),
    trailingComma ? ifBreak(',') : '',
    softline,
    close,
  ]);
}

/** A call's argument list. */
export function printArgs(path: Path, print: Print, key: 'args'): Doc {
  return printList('(', path.map(print, key), ')', false);
}

/** Flattens a left-leaning chain of operators at one precedence level into `[first, [line, op, x], ...]`. */
function binaryParts(path: Path, print: Print): Doc[] {
  const n = path.node as A.Binary;
  const left = n.left;
  const flatten =
    left.kind === 'Binary' &&
    precOfOp(left.op) === precOfOp(n.op) &&
    !hasParens(left, n, 'left') &&
    !hasComments(left);
  const parts: Doc[] = flatten ? path.call((p) => binaryParts(p, print), 'left') : [print('left')];
  parts.push([line, n.op, ' ', print('right')]);
  return parts;
}

function pipeParts(path: Path, print: Print): Doc[] {
  const n = path.node as A.Pipe;
  const flatten = n.left.kind === 'Pipe' && !hasParens(n.left, n, 'left') && !hasComments(n.left);
  const parts: Doc[] = flatten ? path.call((p) => pipeParts(p, print), 'left') : [print('left')];
  parts.push([line, '|> ', print('right')]);
  return parts;
}

function printComprehensionTail(path: Path, print: Print, n: A.Comprehension): Doc {
  return [
    line,
    'for ',
    join(', ', path.map(print, 'vars')),
    ' in ',
    print('iterable'),
    n.filter ? [line, 'if ', print('filter')] : '',
  ];
}

/** The doc of an expression, type or expression-level helper node, without parentheses. */
export function printExprNode(path: Path, text: string, print: Print): Doc {
  const n = path.node;
  switch (n.kind) {
    case 'NumberLit':
      return n.raw;
    case 'StringLit':
      return text.slice(n.span.start, n.span.end); // the literal as written: escapes kept
    case 'BoolLit':
      return n.value ? 'true' : 'false';
    case 'Name':
      return n.name;
    case 'Ident':
      return n.name;
    case 'Member':
      return [print('object'), '.', print('name')];
    case 'Index':
      return [print('object'), '[', join(', ', path.map(print, 'items')), ']'];
    case 'Slice':
      return [
        n.start ? print('start') : '',
        ':',
        n.end ? print('end') : '',
        n.step ? [':', print('step')] : '',
      ];
    case 'Call':
      return [print('callee'), printArgs(path, print, 'args')];
    case 'Arg':
      return n.name ? [print('name'), ': ', print('value')] : print('value');
    case 'Binary': {
      if (n.op === '^') return [print('left'), ' ^ ', print('right')];
      const [first, ...rest] = binaryParts(path, print);
      return group([first!, indent(rest)]);
    }
    case 'Unary':
      return [n.op, print('operand')];
    case 'Transpose':
      return [print('operand'), '^T'];
    case 'Pipe': {
      const [first, ...rest] = pipeParts(path, print);
      return group([first!, indent(rest)]);
    }
    case 'Lambda': {
      const params =
        n.params.length === 1 ? print(['params', 0]) : ['(', join(', ', path.map(print, 'params')), ')'];
      return group([params, ' =>', indent([line, print('body')])]);
    }
    case 'ListLit':
      return printList('[', path.map(print, 'items'), ']', true);
    case 'RecordLit':
      return printList('{', path.map(print, 'fields'), '}', false);
    case 'RecordField':
      return [print('key'), ': ', print('value')];
    case 'Range':
      return [print('start'), ' .. ', print('end')];
    case 'Comprehension': {
      const body = [print('element'), indent(printComprehensionTail(path, print, n))];
      return n.form === 'list' ? group(['[', indent([softline, body]), softline, ']']) : group(body);
    }
    case 'NamedType':
      return print('name');
    case 'TensorType':
      return [print('dtype'), '[', join(', ', path.map(print, 'dims')), ']'];
    case 'EllipsisDim':
      return '...';
    case 'ListType':
      return ['[', print('element'), ']'];
    case 'RecordType':
      return printList('{', path.map(print, 'fields'), '}', false);
    case 'RecordTypeField':
      return [print('key'), ': ', print('type')];
    case 'ErrorExpr':
      // format() refuses files with syntax errors, so the printer never meets one
      throw new Error('ftl format: ErrorExpr in the tree of a file without syntax errors');
    default:
      throw new Error(`ftl format: printExprNode got a ${n.kind}`);
  }
}
