// Lexer and parser errors → Diagnostics (FTL01xx).
//
// - Unclosed brackets are found by a bracket-matching pass over the tokens and reported at
//   the opening bracket (the parser's own complaint is at the end of the file, which is
//   less useful); the parser's errors at end-of-input are then dropped.
// - At most one parser error per token offset is kept, so cascades stay short.
// - An unknown word where a declaration must start gets a "did you mean `recipe`?" hint.

import type { ILexingError, IRecognitionException, IToken } from 'chevrotain';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { diag } from '../compiler/diagnostics/catalogue.ts';
import { didYouMean } from '../compiler/diagnostics/suggest.ts';
import { validTok, type SpanMaker } from './spans.ts';

const display: Record<string, string> = {
  RCurly: '`}`',
  LCurly: '`{`',
  RParen: '`)`',
  LParen: '`(`',
  RBracket: '`]`',
  LBracket: '`[`',
  Equals: '`=`',
  Colon: '`:`',
  Comma: '`,`',
  Identifier: 'a name',
  AnyName: 'a name',
  Number: 'a number',
  String: 'a string',
  FatArrow: '`=>`',
  Arrow: '`->`',
  In: '`in`',
  Dot: '`.`',
};
const ruleDisplay: Record<string, string> = {
  decl: 'a declaration (import, module, model, method, loss, optimizer, gradient, schedule, fn, recipe, merge)',
  namedDecl: 'a declaration',
  stmt: 'a statement',
  block: 'a statement or `}`',
  type: 'a type',
  primary: 'an expression',
  expr: 'an expression',
  body: '`=` or `{`',
  args: 'an argument or `)`',
};
const declWords = [
  'import',
  'module',
  'model',
  'method',
  'loss',
  'optimizer',
  'gradient',
  'schedule',
  'fn',
  'recipe',
  'merge',
];
const stmtWords = [
  'let',
  'for',
  'if',
  'else',
  'return',
  'freeze',
  'unfreeze',
  'param',
  'forward',
  'wrap',
  'merge',
  'apply',
  'state',
  'update',
  'stage',
];

export function lexDiagnostics(
  errors: readonly ILexingError[],
  errorTokens: readonly IToken[],
  text: string,
  sp: SpanMaker,
): Diagnostic[] {
  const fromTokens = errorTokens.map((t) =>
    t.tokenType.name === 'UnterminatedString'
      ? diag('unterminated-string', 'unterminated string literal', sp.at(t.startOffset, t.startOffset + 1))
      : diag('unterminated-comment', 'unterminated block comment', sp.at(t.startOffset, t.startOffset + 2)),
  );
  return fromTokens.concat(
    errors.map((e) => {
      const ch = text[e.offset] ?? '';
      const span = sp.at(e.offset, e.offset + Math.max(1, e.length));
      if (ch === '"')
        return diag('unterminated-string', 'unterminated string literal', sp.at(e.offset, e.offset + 1));
      if (text.startsWith('/*', e.offset))
        return diag('unterminated-comment', 'unterminated block comment', sp.at(e.offset, e.offset + 2));
      const shown = text.slice(e.offset, e.offset + e.length);
      return diag(
        'invalid-character',
        `unexpected character${shown.length > 1 ? 's' : ''} \`${shown}\``,
        span,
      );
    }),
  );
}

const opens: Record<string, string> = { LParen: 'RParen', LBracket: 'RBracket', LCurly: 'RCurly' };

/** Opening brackets never closed (outermost first). Stray closers are the parser's to report. */
export function unclosedDiagnostics(tokens: readonly IToken[], sp: SpanMaker): Diagnostic[] {
  const stack: IToken[] = [];
  const unclosed: IToken[] = [];
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name in opens) stack.push(t);
    else if (name === 'RParen' || name === 'RBracket' || name === 'RCurly') {
      // pop to the matching opener, if there is one; openers skipped over were never closed
      const i = stack.map((o) => opens[o.tokenType.name]).lastIndexOf(name);
      if (i >= 0) {
        unclosed.push(...stack.slice(i + 1));
        stack.length = i;
      }
    }
  }
  unclosed.push(...stack.slice(0, 1));
  return unclosed.map((o) =>
    diag('unclosed-delimiter', `\`${o.image}\` is never closed`, sp.tok(o), {
      hint: `add the matching \`${{ '(': ')', '[': ']', '{': '}' }[o.image] ?? ''}\``,
    }),
  );
}

export function parseDiagnostics(
  errors: readonly IRecognitionException[],
  sp: SpanMaker,
  hasUnclosed: boolean,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const e of errors) {
    const t = e.token;
    const atEof = !t || t.tokenType?.name === 'EOF' || !validTok(t);
    if (atEof && hasUnclosed) continue;
    const span = atEof ? sp.eof() : sp.tok(t);
    if (seen.has(span.start)) continue;
    seen.add(span.start);
    const rule = e.context?.ruleStack?.[e.context.ruleStack.length - 1] ?? '';
    const exprRule = /Expr$|^primary$|^postfix$|^indexItem$|^arg$/.test(rule);
    const expected = /-->\s*(\w+)\s*<--/.exec(e.message)?.[1];
    const found = atEof ? 'the end of the file' : `\`${t.image}\``;
    let what: string;
    if (e.name === 'NotAllInputParsedException' || expected === 'EOF') what = ruleDisplay.decl!;
    else if (e.name === 'MismatchedTokenException' && expected) what = display[expected] ?? `\`${expected}\``;
    else what = ruleDisplay[rule] ?? (exprRule ? 'an expression' : 'something else');
    let hint: string | undefined;
    if (!atEof && /^[A-Za-z_]\w*$/.test(t.image)) {
      const words = rule === 'program' || rule === 'decl' || expected === 'EOF' ? declWords : stmtWords;
      hint = didYouMean(t.image, words);
    }
    out.push(diag('syntax-error', `expected ${what}, found ${found}`, span, hint ? { hint } : {}));
  }
  return out;
}
