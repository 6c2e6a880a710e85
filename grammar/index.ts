// The grammar's public entry: `parse(text, file) -> { ast, diagnostics }`. Never throws on
// user input: lexer and parser errors become FTL01xx diagnostics and the AST is built from
// whatever the recovering parser produced. Also re-exports the AST types and walker.

import type { IToken } from 'chevrotain';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { diag } from '../compiler/diagnostics/catalogue.ts';
import type { Program } from './ast.ts';
import { AstBuilder } from './cst-to-ast.ts';
import { ftlLexer } from './lexer.ts';
import { ftlParser } from './parser.ts';
import { SpanMaker } from './spans.ts';
import { lexDiagnostics, parseDiagnostics, unclosedDiagnostics } from './syntax-errors.ts';

export * from './ast.ts';

export interface ParseResult {
  readonly ast: Program;
  readonly diagnostics: Diagnostic[];
}

export function parse(text: string, file: string): ParseResult {
  const sp = new SpanMaker(file, text);
  try {
    const lexed = ftlLexer.tokenize(text);
    const comments = (lexed.groups.comments ?? []) as IToken[];
    const diagnostics: Diagnostic[] = lexDiagnostics(
      lexed.errors,
      (lexed.groups.errors ?? []) as IToken[],
      text,
      sp,
    );
    const unclosed = unclosedDiagnostics(lexed.tokens, sp);
    ftlParser.input = lexed.tokens;
    // Chevrotain recovers from errors by throwing and catching exceptions; their stack
    // traces are never shown, and capturing them dominated the cost of parsing bad input.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let cst;
    try {
      cst = ftlParser.program();
    } finally {
      Error.stackTraceLimit = limit;
    }
    // an unclosed bracket, string or comment makes the parser's end-of-file errors redundant
    const eofExplained = unclosed.length > 0 || (lexed.groups.errors ?? []).length > 0;
    diagnostics.push(...unclosed, ...parseDiagnostics(ftlParser.errors, sp, eofExplained));
    const builder = new AstBuilder(sp, comments);
    const ast = builder.program(cst, comments);
    diagnostics.push(...builder.diagnostics);
    diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
    return { ast, diagnostics };
  } catch (err) {
    // A bug in the front end, not in the user's file: still report it as a diagnostic with a
    // span so callers never crash, and keep the message for the bug report.
    // (Deep nesting overflows the recursive-descent parser's stack: a user error.)
    const span = sp.at(0, 0);
    const d =
      err instanceof RangeError
        ? diag('nesting-too-deep', 'this file nests brackets or expressions too deeply to parse', span)
        : diag(
            'internal-error',
            `internal error in the parser: ${(err as Error)?.message ?? String(err)}`,
            span,
          );
    return {
      ast: { kind: 'Program', decls: [], comments: [], span: sp.at(0, text.length) },
      diagnostics: [d],
    };
  }
}
