// Prettier docs for the program, declarations, blocks and statements.
//
// Canonical style: 2-space indent; one statement per line (`a; b` on one line is split);
// a non-empty block always breaks (`{`, statements, `}`); one blank line between top-level
// declarations (consecutive imports keep the user's single blank lines only); inside a
// block the user's blank lines are kept, at most one. Spellings that the AST does not
// record are read back from the source text so that the output parses to the same AST:
// `name()` vs `name` for a declaration with no parameters, and `module m = ...` vs `m = ...`
// for a submodule.

import { doc, util, type AstPath, type Doc } from 'prettier';
import type * as A from '../ast.ts';
import { leadingToken } from './parens.ts';
import { printArgs, printList, type Print } from './print-expr.ts';
import { printDanglingComments } from './comments.ts';

const { group, indent, line, hardline, join } = doc.builders;
type Path = AstPath<A.Node>;

const declKeyword: Partial<Record<A.Node['kind'], string>> = {
  ModuleDecl: 'module',
  ModelDecl: 'model',
  MethodDecl: 'method',
  LossDecl: 'loss',
  OptimizerDecl: 'optimizer',
  GradientDecl: 'gradient',
  ScheduleDecl: 'schedule',
  FnDecl: 'fn',
  RecipeDecl: 'recipe',
  MergeDecl: 'merge',
};

/** Values laid out as `x =` + newline + indented value when too long (others break inside). */
const breaksAfterOperator = new Set<A.Expr['kind']>(['Binary', 'Range']);

/** ` = value` (or ` += value` ...), with the layout chosen by the value's kind. */
function printRhs(op: string, value: A.Expr, valueDoc: Doc): Doc {
  if (breaksAfterOperator.has(value.kind)) return group([' ', op, indent([line, valueDoc])]);
  return [' ', op, ' ', valueDoc];
}

/** `= expr` or ` { block }` after a declaration head. */
function printBody(path: Path, print: Print, body: A.Expr | A.Block, key = 'body'): Doc {
  return body.kind === 'Block' ? [' ', print(key)] : printRhs('=', body, print(key));
}

function printFormals(path: Path, print: Print, key: 'params' = 'params'): Doc {
  return printList('(', path.map(print, key), ')', false);
}

/** Whether a declaration was written with `(...)`: `method bitfit()` keeps its parentheses. */
function writtenWithParens(text: string, afterName: number): boolean {
  return util.getNextNonSpaceNonCommentCharacter(text, afterName) === '(';
}

/** The first token a statement prints as (keywords and names; `(`, `[`, `-` for expressions). */
function stmtLead(s: A.Stmt): string {
  switch (s.kind) {
    case 'ExprStmt':
      return leadingToken(s.expr);
    case 'AssignStmt':
      return leadingToken(s.target);
    case 'Field':
      return s.key.name;
    case 'SubmoduleDecl':
      return s.owner ? 'module' : s.name.name; // `module x = ...` is handled by the caller
    case 'TrainStmt':
      return 'train';
    default:
      return '';
  }
}

/**
 * Whether `prev` must end with `;` so that the next line is not read as its continuation:
 * an expression line starting with `(`, `[` or `-` would extend the previous expression (call,
 * index, subtraction), `if` would become a `param`'s condition, `rows(` a freeze selector, and
 * a bare `return` would take the next statement's expression as its value.
 */
function needsSemicolon(prev: A.Stmt, next: A.Stmt, text: string): boolean {
  const lead = startsWithModuleKeyword(next, text) ? 'module' : stmtLead(next);
  if (lead === '(' || lead === '[' || lead === '-') return true;
  if (prev.kind === 'ReturnStmt' && !prev.value) return true;
  if (
    prev.kind === 'ParamDecl' &&
    !prev.when &&
    (next.kind === 'IfStmt' || lead === 'trainable' || lead === 'frozen')
  ) {
    return true;
  }
  if (prev.kind === 'FreezeStmt' && ['rows', 'cols', 'mask'].includes(lead)) return true;
  return false;
}

const startsWithModuleKeyword = (s: A.Stmt, text: string): boolean =>
  s.kind === 'SubmoduleDecl' && (s.owner !== undefined || /^module\b/.test(text.slice(s.span.start)));

function printBlock(path: Path, text: string, print: Print): Doc {
  const n = path.node as A.Block;
  // `{ // why`: the first such comment on the `{` line, any others on lines of their own
  const [open, ...moreOpen] = printDanglingComments(path, 'list', 'open', text) as Doc[];
  const own = [...moreOpen, ...(printDanglingComments(path, 'list', undefined, text) as Doc[])];
  const dangling = own.length > 0 ? join(hardline, own) : '';
  const head: Doc = open ? ['{ ', open] : '{';
  if (n.stmts.length === 0) {
    if (!open && !dangling) return '{}';
    return [head, dangling ? indent([hardline, dangling]) : '', hardline, '}'];
  }
  const parts: Doc[] = [];
  path.each((p, i) => {
    const s = p.node as A.Stmt;
    parts.push(print());
    const next = n.stmts[i + 1];
    if (!next) return;
    if (needsSemicolon(s, next, text)) parts.push(';');
    parts.push(hardline);
    if (util.isNextLineEmpty(text, endWithComments(s))) parts.push(hardline);
  }, 'stmts');
  return [head, indent([dangling ? [hardline, dangling] : '', hardline, parts]), hardline, '}'];
}

/** Where a node ends, its trailing comments included (blank lines are looked for after that). */
function endWithComments(n: A.Node): number {
  const cs = (n as { comments?: (A.Comment & { trailing?: boolean })[] }).comments ?? [];
  return Math.max(n.span.end, ...cs.filter((c) => c.trailing).map((c) => c.span.end));
}

function printProgram(path: Path, text: string, print: Print): Doc {
  const n = path.node as A.Program;
  const parts: Doc[] = [];
  path.each((p, i) => {
    if (i > 0) {
      const prev = n.decls[i - 1]!;
      const d = p.node as A.Decl;
      parts.push(hardline);
      const imports = prev.kind === 'ImportDecl' && d.kind === 'ImportDecl';
      if (!imports || util.isNextLineEmpty(text, endWithComments(prev))) parts.push(hardline);
    }
    parts.push(print());
  }, 'decls');
  const dangling = printDanglingComments(path, 'own-lines', undefined, text);
  if (dangling) parts.push(n.decls.length > 0 ? [hardline, hardline] : '', dangling);
  return parts.length > 0 ? [parts, hardline] : '';
}

/** Declarations, blocks and statements; undefined for expression and type nodes. */
export function printStmtNode(path: Path, text: string, print: Print): Doc | undefined {
  const n = path.node;
  switch (n.kind) {
    case 'Program':
      return printProgram(path, text, print);
    case 'Block':
      return printBlock(path, text, print);
    case 'ImportDecl':
      return ['import ', join('.', path.map(print, 'path')), n.alias ? [' as ', print('alias')] : ''];
    case 'RecipeDecl':
      return ['recipe ', print('name'), printBody(path, print, n.body)];
    case 'ModuleDecl':
    case 'ModelDecl':
    case 'MethodDecl':
    case 'LossDecl':
    case 'OptimizerDecl':
    case 'GradientDecl':
    case 'ScheduleDecl':
    case 'FnDecl':
    case 'MergeDecl': {
      const formals =
        n.params.length > 0 || writtenWithParens(text, n.name.span.end) ? printFormals(path, print) : '';
      const ret = 'returnType' in n && n.returnType ? [' -> ', print('returnType')] : '';
      const bw = n.kind === 'FnDecl' && n.backward ? indent([hardline, print('backward')]) : '';
      return [declKeyword[n.kind]!, ' ', print('name'), formals, ret, printBody(path, print, n.body), bw];
    }
    case 'BackwardRule':
      return ['backward', printFormals(path, print), printBody(path, print, n.body)];
    case 'Formal':
      return [print('name'), n.type ? [': ', print('type')] : '', n.default ? [' = ', print('default')] : ''];
    case 'LetStmt':
    case 'StateDecl':
      return [
        n.kind === 'LetStmt' ? 'let ' : 'state ',
        print('name'),
        n.type ? [': ', print('type')] : '',
        printRhs('=', n.value, print('value')),
      ];
    case 'AssignStmt':
      return [print('target'), printRhs(n.op, n.value, print('value'))];
    case 'ExprStmt':
      return print('expr');
    case 'ForStmt':
      return [
        'for ',
        join(', ', path.map(print, 'vars')),
        n.varType ? [': ', print('varType')] : '',
        ' in ',
        print('iterable'),
        ' ',
        print('body'),
      ];
    case 'IfStmt':
      return ['if ', print('cond'), ' ', print('then'), n.else ? [' else ', print('else')] : ''];
    case 'ReturnStmt':
      return n.value ? ['return ', print('value')] : 'return';
    case 'FreezeStmt':
      return [
        n.action,
        n.target ? [' ', print('target')] : ' all',
        path.map((p) => [' ', print()], 'selectors'),
      ];
    case 'Selector':
      return [n.axis, '(', print('arg'), ')'];
    case 'ParamDecl':
      return [
        'param ',
        n.owner ? [print('owner'), '.'] : '',
        print('name'),
        ': ',
        print('type'),
        n.init ? [' init ', print('init')] : '',
        n.trainable === true ? ' trainable' : n.trainable === false ? ' frozen' : '',
        n.when ? [' if ', print('when')] : '',
      ];
    case 'SubmoduleDecl': {
      const head = [
        n.owner ? [print('owner'), '.'] : '',
        print('name'),
        n.count ? ['[', print('count'), ']'] : '',
      ];
      if (startsWithModuleKeyword(n, text)) return ['module ', head, ' = ', print('value')];
      return [head, printRhs('=', n.value, print('value'))];
    }
    case 'ForwardDecl':
      return [
        'forward',
        printFormals(path, print),
        n.returnType ? [' -> ', print('returnType')] : '',
        printBody(path, print, n.body),
      ];
    case 'WrapStmt':
      return ['wrap ', print('target'), printFormals(path, print), printBody(path, print, n.body)];
    case 'MergeStmt':
      return ['merge ', print('target'), printRhs(n.op, n.value, print('value'))];
    case 'ApplyStmt':
      return ['apply ', print('callee'), n.args.length > 0 ? printArgs(path, print, 'args') : ''];
    case 'DropStmt':
      return ['drop ', print('method'), n.merged ? ' merged' : ''];
    case 'UpdateBlock':
      return ['update ', print('body')];
    case 'StageDecl':
      return ['stage ', print('name'), ' ', print('body')];
    case 'Field':
      return [print('key'), printRhs('=', n.value, print('value'))];
    case 'TrainStmt':
      return ['train', printArgs(path, print, 'args')];
    default:
      return undefined;
  }
}
