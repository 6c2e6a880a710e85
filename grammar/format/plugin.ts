// The Prettier 3 plugin for .ftl: `languages`, a parser (the front end's `parse`) and a
// printer (print-stmt.ts, print-expr.ts, comments.ts). Usable from Prettier itself
// (`plugins: ['./grammar/format/plugin.ts']`, e.g. in an editor) and from `ftl fmt`, which goes
// through format.ts to add its safety checks.
//
// A file with syntax errors is not formatted: the parser throws (Prettier's convention), with
// the first diagnostic's message and position.

import { type AstPath, type Doc, type Parser, type Printer, type SupportLanguage } from 'prettier';
import type * as A from '../ast.ts';
import { parse } from '../index.ts';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.ts';
import {
  handleEndOfLineComment,
  handleOwnLineComment,
  handleRemainingComment,
  indexParents,
} from './attach.ts';
import {
  canAttachComment,
  getVisitorKeys,
  isBlockComment,
  printComment,
  printDanglingComments,
  printTrailingComments,
} from './comments.ts';
import { hasParens } from './parens.ts';
import { printExprNode, type Print } from './print-expr.ts';
import { printStmtNode } from './print-stmt.ts';

export const languages: SupportLanguage[] = [
  {
    name: 'ftl',
    parsers: ['ftl'],
    extensions: ['.ftl'],
    vscodeLanguageIds: ['ftl'],
    linguistLanguageId: 0,
  },
];

const locStart = (n: A.Node): number => n.span.start;
const locEnd = (n: A.Node): number => n.span.end;

/** A syntax error as Prettier reports one (message plus `loc`). */
class FtlSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number } },
  ) {
    super(message);
  }
}

/** A tree already parsed from exactly this text (format.ts parses first, to check for errors). */
let reuse: { text: string; ast: A.Program } | undefined;

/** Runs `fn` with `ast` (the parse of `text`) offered to the plugin's parser instead of a re-parse. */
export async function withParsed<T>(text: string, ast: A.Program, fn: () => Promise<T>): Promise<T> {
  reuse = { text, ast };
  try {
    return await fn();
  } finally {
    reuse = undefined;
  }
}

export const parsers: Record<string, Parser<A.Node>> = {
  ftl: {
    astFormat: 'ftl-ast',
    locStart,
    locEnd,
    parse(text: string, options: { filepath?: string }): A.Program {
      const { ast, diagnostics } =
        reuse?.text === text
          ? { ast: reuse.ast, diagnostics: [] }
          : parse(text, options.filepath ?? '<input>');
      if (hasErrors(diagnostics)) {
        const d = diagnostics.find((x) => x.severity === 'error')!;
        const pos = d.span ? { line: d.span.line, column: d.span.col } : { line: 1, column: 1 };
        throw new FtlSyntaxError(`${d.code}: ${d.message}`, { start: pos });
      }
      // Prettier's comment attacher and its error messages read `value`.
      for (const c of ast.comments) (c as A.Comment & { value: string }).value = c.text;
      indexParents(ast);
      return ast;
    },
  },
};

function print(path: AstPath<A.Node>, options: { originalText: string }, print: Print): Doc {
  const text = options.originalText;
  const n = path.node;
  const body = printStmtNode(path, text, print) ?? printExprNode(path, text, print);
  const wrapped = hasParens(n, path.parent ?? undefined, path.key) ? ['(', body, ')'] : body;
  // Prettier adds the leading comments around this; the rest are printed here
  return [wrapped, printDanglingComments(path, 'inline'), printTrailingComments(path, options)];
}

export const printers: Record<string, Printer<A.Node>> = {
  'ftl-ast': {
    print,
    printComment,
    canAttachComment,
    isBlockComment,
    getVisitorKeys,
    handleComments: {
      ownLine: handleOwnLineComment,
      endOfLine: handleEndOfLineComment,
      remaining: handleRemainingComment,
    },
  },
};

/** Options `ftl fmt` always uses: the canonical style is not configurable. */
export const ftlFormatOptions = {
  parser: 'ftl',
  printWidth: 110,
  tabWidth: 2,
  useTabs: false,
  endOfLine: 'lf',
} as const;

const plugin = { languages, parsers, printers };
export default plugin;
