// The .ftl lexer: one ordered Chevrotain token list.
//
// Keywords come in two sorts:
//   - hard keywords (`let`, `for`, `if`, `else`, `return`, `fn`, `import`, `forward`,
//     `freeze`, `unfreeze`, `true`, `false`) can never be a variable name;
//   - soft keywords (`model`, `loss`, `param`, `schedule`, `merge`, `state`, `update`,
//     `stage`, `apply`, `drop`, `wrap`, `init`, `trainable`, `in`, ...) are in the Identifier
//     category, so `model.tokenizer`, `zeros_like(param)`, `schedule: schedule` and
//     `linear(in: int)` read as names wherever a name is expected.
// Every keyword uses `longer_alt: Identifier`, so `models` or `input` lex as identifiers.
// Any keyword may follow `.` or name a call argument (the `AnyName` category).
//
// Comments and doc comments go to the `comments` group: the parser never sees them, the
// AST builder attaches `///` lines to the declaration below, and formatters get them all.
//
// `^T` directly followed by a non-name character is the transpose token; `x ^ T` (with a
// space) or `x^Tk` is power.

import { createToken, Lexer, type TokenType } from 'chevrotain';

export const AnyName = createToken({ name: 'AnyName', pattern: Lexer.NA });
// Operator and keyword classes (categories), so the parser consumes one token type where
// the grammar allows several: faster than an OR over alternatives, and one CST key.
export const DeclKeyword = createToken({ name: 'DeclKeyword', pattern: Lexer.NA });
export const FreezeKw = createToken({ name: 'FreezeKw', pattern: Lexer.NA });
export const AssignOp = createToken({ name: 'AssignOp', pattern: Lexer.NA });
export const CmpOp = createToken({ name: 'CmpOp', pattern: Lexer.NA });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA });
export const UnaryOp = createToken({ name: 'UnaryOp', pattern: Lexer.NA });
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [AnyName],
});

const hard = (word: string, more: TokenType[] = []): TokenType =>
  createToken({ name: cap(word), pattern: word, longer_alt: Identifier, categories: [AnyName, ...more] });
const soft = (word: string, more: TokenType[] = []): TokenType =>
  createToken({
    name: cap(word),
    pattern: word,
    longer_alt: Identifier,
    categories: [Identifier, AnyName, ...more],
  });
const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);

// hard keywords
export const Let = hard('let');
export const For = hard('for');
export const If = hard('if');
export const Else = hard('else');
export const Return = hard('return');
export const Fn = hard('fn', [DeclKeyword]);
export const Import = hard('import');
export const Forward = hard('forward');
export const Freeze = hard('freeze', [FreezeKw]);
export const Unfreeze = hard('unfreeze', [FreezeKw]);
export const True = hard('true');
export const False = hard('false');

// soft keywords (also identifiers)
export const Module = soft('module', [DeclKeyword]);
export const Model = soft('model', [DeclKeyword]);
export const Method = soft('method', [DeclKeyword]);
export const Loss = soft('loss', [DeclKeyword]);
export const Optimizer = soft('optimizer', [DeclKeyword]);
export const Gradient = soft('gradient', [DeclKeyword]);
export const Schedule = soft('schedule', [DeclKeyword]);
export const Recipe = soft('recipe', [DeclKeyword]);
export const Merge = soft('merge', [DeclKeyword]);
export const Stage = soft('stage');
export const Param = soft('param');
export const State = soft('state');
export const Update = soft('update');
export const Apply = soft('apply');
export const Drop = soft('drop');
export const Wrap = soft('wrap');
export const Init = soft('init');
export const Trainable = soft('trainable');
export const Frozen = soft('frozen');
export const Backward = soft('backward');
export const In = soft('in');
export const As = soft('as');

// comments (group: the parser never sees them)
export const DocComment = createToken({ name: 'DocComment', pattern: /\/\/\/[^\n\r]*/, group: 'comments' });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: 'comments',
  line_breaks: true,
});
// Unterminated strings and comments lex as one token in the `errors` group (reported as one
// diagnostic instead of a cascade of junk tokens).
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  group: 'errors',
  line_breaks: true,
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\n\r]|\\.)*/,
  group: 'errors',
});
export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

// literals
export const NumberTok = createToken({
  name: 'Number',
  pattern: /(?:\d+\.\d+|\d+)(?:[eE][+-]?\d+)?/,
});
export const StringTok = createToken({ name: 'String', pattern: /"(?:[^"\\\n\r]|\\.)*"/ });

// punctuation: longest first where one is a prefix of another
const punct = (name: string, pattern: RegExp, categories: TokenType[] = []): TokenType =>
  createToken({ name, pattern, categories });
export const Ellipsis = punct('Ellipsis', /\.\.\./);
export const DotDot = punct('DotDot', /\.\./);
export const Dot = punct('Dot', /\./);
export const PipeOp = punct('PipeOp', /\|>/);
export const OrOr = punct('OrOr', /\|\|/);
export const AndAnd = punct('AndAnd', /&&/);
export const FatArrow = punct('FatArrow', /=>/);
export const Arrow = punct('Arrow', /->/);
export const EqEq = punct('EqEq', /==/, [CmpOp]);
export const NotEq = punct('NotEq', /!=/, [CmpOp]);
export const LessEq = punct('LessEq', /<=/, [CmpOp]);
export const GreaterEq = punct('GreaterEq', />=/, [CmpOp]);
export const PlusEq = punct('PlusEq', /\+=/, [AssignOp]);
export const MinusEq = punct('MinusEq', /-=/, [AssignOp]);
export const StarEq = punct('StarEq', /\*=/, [AssignOp]);
export const SlashEq = punct('SlashEq', /\/=/, [AssignOp]);
export const TransposeTok = punct('Transpose', /\^T(?![A-Za-z0-9_])/);
export const Caret = punct('Caret', /\^/);
export const Less = punct('Less', /</, [CmpOp]);
export const Greater = punct('Greater', />/, [CmpOp]);
export const Equals = punct('Equals', /=/, [AssignOp]);
export const Plus = punct('Plus', /\+/, [AddOp]);
export const Minus = punct('Minus', /-/, [AddOp, UnaryOp]);
export const Star = punct('Star', /\*/, [MulOp]);
export const Slash = punct('Slash', /\//, [MulOp]);
export const Percent = punct('Percent', /%/, [MulOp]);
export const At = punct('At', /@/, [MulOp]);
export const Bang = punct('Bang', /!/, [UnaryOp]);
export const Colon = punct('Colon', /:/);
export const Semi = punct('Semi', /;/);
export const Comma = punct('Comma', /,/);
export const LParen = punct('LParen', /\(/);
export const RParen = punct('RParen', /\)/);
export const LBracket = punct('LBracket', /\[/);
export const RBracket = punct('RBracket', /\]/);
export const LCurly = punct('LCurly', /\{/);
export const RCurly = punct('RCurly', /\}/);

export const hardKeywords = [Let, For, If, Else, Return, Fn, Import, Forward, Freeze, Unfreeze, True, False];
export const softKeywords = [
  Module,
  Model,
  Method,
  Loss,
  Optimizer,
  Gradient,
  Schedule,
  Recipe,
  Merge,
  Stage,
  Param,
  State,
  Update,
  Apply,
  Drop,
  Wrap,
  Init,
  Trainable,
  Frozen,
  Backward,
  In,
  As,
];

/** The ordered token list: comments before `/`, keywords before Identifier. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  DeclKeyword,
  FreezeKw,
  AssignOp,
  CmpOp,
  AddOp,
  MulOp,
  UnaryOp,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedComment,
  AnyName,
  // longest first: `forward` must be tried before its prefix `for`, `import` before `in`
  ...[...hardKeywords, ...softKeywords].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length),
  Identifier,
  NumberTok,
  StringTok,
  UnterminatedString,
  Ellipsis,
  DotDot,
  Dot,
  PipeOp,
  OrOr,
  AndAnd,
  FatArrow,
  Arrow,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  PlusEq,
  MinusEq,
  StarEq,
  SlashEq,
  TransposeTok,
  Caret,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  At,
  Bang,
  Colon,
  Semi,
  Comma,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
];

/** One lexer instance, reused. */
export const ftlLexer = new Lexer(allTokens, { positionTracking: 'full' });
