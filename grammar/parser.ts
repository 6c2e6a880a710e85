// The .ftl parser: a Chevrotain CstParser, built once and reused (`parser.input = tokens`).
// Error recovery is on, so a syntax error yields a partial CST plus `parser.errors`; the
// CST is converted to the AST by cst-to-ast.ts, and nothing outside grammar/ sees it.
//
// Grammar summary (docs/language.md is the reference):
//   program   := decl*
//   decl      := import path (as name)?
//              | (module|model|method|loss|optimizer|gradient|schedule|fn|recipe|merge)
//                name formals? (-> type)? (= expr | block) (backward formals (= expr | block))?
//   block     := { (stmt | ;)* }
//   stmt      := let | for | if | return | freeze/unfreeze | param | module | forward | wrap
//              | merge | apply | drop | state | update | stage | expr (assignop expr)?
//   drop      := drop path merged?   (`merged`: a plain name, on the drop's line)
//   expr      := pipe: range (|> range)*;  range: or (.. or)?;  or: and (|| and)*;
//                and: cmp (&& cmp)*;  cmp: add (op add)?;  add: mul (+|- mul)*;
//                mul: unary (*|/|%|@ unary)*;  unary: (-|!) unary | pow;
//                pow: postfix (^ unary)?;  postfix: primary (call | .name | [index] | ^T)*
//   primary   := number | string | true | false | name => expr | name
//              | ( exprs ) (=> expr)? | [ exprs | expr for ... ] | { name: expr, ... }

import { CstParser, tokenMatcher, type CstNode, type IToken } from 'chevrotain';
import * as T from './lexer.ts';

const selectorWords = new Set(['rows', 'cols', 'mask']);

// Alternatives and separated repetitions built from arrows passed as arguments: an arrow
// written as `{ ALT: () => ... }` gets a `name` property set at run time by some loaders
// (esbuild keepNames), which made parsing several times slower.
const A = (f: () => unknown): { ALT: () => unknown } => ({ ALT: f });
const S = (f: () => unknown): { SEP: typeof T.Comma; DEF: () => unknown } => ({ SEP: T.Comma, DEF: f });

class FtlParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: 'full' });
    this.performSelfAnalysis();
  }

  // ─── declarations ───
  program = this.RULE('program', () => {
    this.MANY(() => this.SUBRULE(this.decl));
  });

  decl = this.RULE('decl', () => {
    this.OR([A(() => this.SUBRULE(this.importDecl)), A(() => this.SUBRULE(this.namedDecl))]);
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.AnyName);
    });
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.CONSUME2(T.Identifier);
    });
  });

  namedDecl = this.RULE('namedDecl', () => {
    this.CONSUME(T.DeclKeyword);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.formals));
    this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.type);
    });
    this.SUBRULE(this.body);
    this.OPTION3(() => this.SUBRULE(this.backwardClause));
  });

  backwardClause = this.RULE('backwardClause', () => {
    this.CONSUME(T.Backward);
    this.SUBRULE(this.formals);
    this.SUBRULE(this.body);
  });

  /** `= expr` or `{ stmts }` */
  body = this.RULE('body', () => {
    this.OR([
      A(() => {
        this.CONSUME(T.Equals);
        this.SUBRULE(this.expr);
      }),
      A(() => this.SUBRULE(this.block)),
    ]);
  });

  formals = this.RULE('formals', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP(S(() => this.SUBRULE(this.formal)));
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.CONSUME(T.RParen);
  });

  formal = this.RULE('formal', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
  });

  // ─── types ───
  type = this.RULE('type', () => {
    this.OR([
      A(() => {
        this.CONSUME(T.LBracket, { LABEL: 'listOpen' });
        this.SUBRULE(this.type);
        this.CONSUME(T.RBracket);
      }),
      A(() => {
        this.CONSUME(T.LCurly);
        this.MANY_SEP(S(() => this.SUBRULE(this.typeField)));
        this.CONSUME(T.RCurly);
      }),
      A(() => {
        this.CONSUME(T.Identifier);
        this.OPTION(() => {
          this.CONSUME2(T.LBracket);
          this.MANY_SEP2(S(() => this.SUBRULE(this.dim)));
          this.CONSUME2(T.RBracket);
        });
      }),
    ]);
  });

  typeField = this.RULE('typeField', () => {
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.type);
  });

  dim = this.RULE('dim', () => {
    this.OR([A(() => this.CONSUME(T.Ellipsis)), A(() => this.SUBRULE(this.expr))]);
  });

  // ─── statements ───
  block = this.RULE('block', () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR([A(() => this.CONSUME(T.Semi)), A(() => this.SUBRULE(this.stmt))]));
    this.CONSUME(T.RCurly);
  });

  stmt = this.RULE('stmt', () => {
    this.OR([
      A(() => this.SUBRULE(this.letStmt)),
      A(() => this.SUBRULE(this.forStmt)),
      A(() => this.SUBRULE(this.ifStmt)),
      A(() => this.SUBRULE(this.returnStmt)),
      A(() => this.SUBRULE(this.freezeStmt)),
      A(() => this.SUBRULE(this.forwardDecl)),
      A(() => this.SUBRULE(this.paramDecl)),
      A(() => this.SUBRULE(this.moduleStmt)),
      A(() => this.SUBRULE(this.wrapStmt)),
      A(() => this.SUBRULE(this.mergeStmt)),
      A(() => this.SUBRULE(this.applyStmt)),
      A(() => this.SUBRULE(this.dropStmt)),
      A(() => this.SUBRULE(this.stateDecl)),
      A(() => this.SUBRULE(this.updateBlock)),
      A(() => this.SUBRULE(this.stageDecl)),
      A(() => this.SUBRULE(this.exprStmt)),
    ]);
  });

  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  forStmt = this.RULE('forStmt', () => {
    this.CONSUME(T.For);
    this.AT_LEAST_ONE_SEP(S(() => this.CONSUME(T.Identifier)));
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(T.In);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.block);
  });

  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.block, { LABEL: 'then' });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([
        A(() => this.SUBRULE(this.ifStmt, { LABEL: 'elseIf' })),
        A(() => this.SUBRULE2(this.block, { LABEL: 'else' })),
      ]);
    });
  });

  returnStmt = this.RULE('returnStmt', () => {
    this.CONSUME(T.Return);
    this.OPTION(() => this.SUBRULE(this.expr));
  });

  freezeStmt = this.RULE('freezeStmt', () => {
    this.CONSUME(T.FreezeKw);
    this.SUBRULE(this.expr);
    this.MANY({
      // `rows(`, `cols(`, `mask(`, or any `word(` on the same line (then reported as a bad selector)
      GATE: () =>
        tokenMatcher(this.LA(1), T.Identifier) &&
        tokenMatcher(this.LA(2), T.LParen) &&
        (selectorWords.has(this.LA(1).image) || this.LA(1).startLine === this.LA(0).endLine),
      DEF: () => this.SUBRULE(this.selector),
    });
  });

  selector = this.RULE('selector', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RParen);
  });

  /** `a.b.c`: a name with optional owner path (for `param m.x`, `module m.x`, `wrap m`). */
  path = this.RULE('path', () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.AnyName);
    });
  });

  paramDecl = this.RULE('paramDecl', () => {
    this.CONSUME(T.Param);
    this.SUBRULE(this.path);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.type);
    this.OPTION(() => {
      this.CONSUME(T.Init);
      this.SUBRULE(this.expr, { LABEL: 'init' });
    });
    this.OPTION2(() => this.OR([A(() => this.CONSUME(T.Trainable)), A(() => this.CONSUME(T.Frozen))]));
    // `param b: f32[n] init zeros if bias`: the condition must start on the param's own
    // line, so an `if` statement on the next line is a statement, not a condition.
    this.OPTION3({
      GATE: () => this.LA(1).startLine === this.LA(0).endLine,
      DEF: () => {
        this.CONSUME(T.If);
        this.SUBRULE2(this.expr, { LABEL: 'when' });
      },
    });
  });

  moduleStmt = this.RULE('moduleStmt', () => {
    this.CONSUME(T.Module);
    this.SUBRULE(this.path);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  forwardDecl = this.RULE('forwardDecl', () => {
    this.CONSUME(T.Forward);
    this.SUBRULE(this.formals);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.type);
    });
    this.SUBRULE(this.body);
  });

  wrapStmt = this.RULE('wrapStmt', () => {
    this.CONSUME(T.Wrap);
    this.SUBRULE(this.path);
    this.SUBRULE(this.formals);
    this.SUBRULE(this.body);
  });

  mergeStmt = this.RULE('mergeStmt', () => {
    this.CONSUME(T.Merge);
    this.SUBRULE(this.path);
    this.CONSUME(T.AssignOp);
    this.SUBRULE(this.expr);
  });

  applyStmt = this.RULE('applyStmt', () => {
    this.CONSUME(T.Apply);
    this.SUBRULE(this.path);
    this.OPTION(() => this.SUBRULE(this.args));
  });

  /** `drop lofit_scale` or `drop spdf_sparse merged` (in a stage). */
  dropStmt = this.RULE('dropStmt', () => {
    this.CONSUME(T.Drop);
    this.SUBRULE(this.path);
    this.OPTION({
      GATE: () => this.LA(1).image === 'merged' && this.LA(1).startLine === this.LA(0).endLine,
      DEF: () => this.CONSUME2(T.Identifier, { LABEL: 'merged' }),
    });
  });

  stateDecl = this.RULE('stateDecl', () => {
    this.CONSUME(T.State);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  updateBlock = this.RULE('updateBlock', () => {
    this.CONSUME(T.Update);
    this.SUBRULE(this.block);
  });

  stageDecl = this.RULE('stageDecl', () => {
    this.CONSUME(T.Stage);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.block);
  });

  exprStmt = this.RULE('exprStmt', () => {
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.AssignOp);
      this.SUBRULE2(this.expr, { LABEL: 'value' });
    });
  });

  // ─── expressions ───
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.rangeExpr);
    this.MANY(() => {
      this.CONSUME(T.PipeOp);
      this.SUBRULE2(this.rangeExpr);
    });
  });

  rangeExpr = this.RULE('rangeExpr', () => {
    this.SUBRULE(this.orExpr);
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.orExpr);
    });
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.OrOr);
      this.SUBRULE2(this.andExpr);
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.cmpExpr);
    this.MANY(() => {
      this.CONSUME(T.AndAnd);
      this.SUBRULE2(this.cmpExpr);
    });
  });

  cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.addExpr);
    this.OPTION(() => {
      this.CONSUME(T.CmpOp);
      this.SUBRULE2(this.addExpr);
    });
  });

  addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr);
    this.MANY(() => {
      this.CONSUME(T.AddOp);
      this.SUBRULE2(this.mulExpr);
    });
  });

  mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.CONSUME(T.MulOp);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      A(() => {
        this.CONSUME(T.UnaryOp);
        this.SUBRULE(this.unaryExpr);
      }),
      A(() => this.SUBRULE(this.powExpr)),
    ]);
  });

  powExpr = this.RULE('powExpr', () => {
    this.SUBRULE(this.postfixExpr);
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE(this.unaryExpr);
    });
  });

  postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.postfix));
  });

  postfix = this.RULE('postfix', () => {
    this.OR([
      A(() => this.SUBRULE(this.args)),
      A(() => {
        this.CONSUME(T.Dot);
        this.CONSUME(T.AnyName);
      }),
      A(() => {
        this.CONSUME(T.LBracket);
        this.MANY_SEP(S(() => this.SUBRULE(this.indexItem)));
        this.CONSUME(T.RBracket);
      }),
      A(() => this.CONSUME(T.TransposeTok)),
    ]);
  });

  args = this.RULE('args', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP(S(() => this.SUBRULE(this.arg)));
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.CONSUME(T.RParen);
  });

  arg = this.RULE('arg', () => {
    this.OPTION(() => {
      this.CONSUME(T.AnyName);
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expr);
    this.OPTION2(() => this.SUBRULE(this.compFor));
  });

  /** `for a, b in xs (if cond)?` after a comprehension's element. */
  compFor = this.RULE('compFor', () => {
    this.CONSUME(T.For);
    this.AT_LEAST_ONE_SEP(S(() => this.CONSUME(T.Identifier)));
    this.CONSUME(T.In);
    this.SUBRULE(this.orExpr, { LABEL: 'iterable' });
    this.OPTION(() => {
      this.CONSUME(T.If);
      this.SUBRULE2(this.orExpr, { LABEL: 'filter' });
    });
  });

  /** `expr`, or a slice `a:b:c` with every part optional. */
  indexItem = this.RULE('indexItem', () => {
    this.OPTION(() => this.SUBRULE(this.expr, { LABEL: 'start' }));
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.OPTION3(() => this.SUBRULE2(this.expr, { LABEL: 'end' }));
      this.OPTION4(() => {
        this.CONSUME2(T.Colon);
        this.OPTION5(() => this.SUBRULE3(this.expr, { LABEL: 'step' }));
      });
    });
  });

  primary = this.RULE('primary', () => {
    this.OR([
      A(() => this.CONSUME(T.NumberTok)),
      A(() => this.CONSUME(T.StringTok)),
      A(() => this.CONSUME(T.True)),
      A(() => this.CONSUME(T.False)),
      A(() => {
        this.CONSUME(T.Identifier, { LABEL: 'lambdaParam' });
        this.CONSUME(T.FatArrow);
        this.SUBRULE(this.expr, { LABEL: 'lambdaBody' });
      }),
      A(() => this.CONSUME2(T.Identifier)),
      A(() => this.SUBRULE(this.parenExpr)),
      A(() => this.SUBRULE(this.listExpr)),
      A(() => this.SUBRULE(this.recordExpr)),
    ]);
  });

  /** `(a)`, or a lambda `(a, b) => body` / `() => body` (params checked in cst-to-ast). */
  parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP(S(() => this.SUBRULE(this.expr)));
    this.CONSUME(T.RParen);
    this.OPTION(() => {
      this.CONSUME(T.FatArrow);
      this.SUBRULE2(this.expr, { LABEL: 'lambdaBody' });
    });
  });

  listExpr = this.RULE('listExpr', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr);
      this.OR([
        A(() => this.SUBRULE(this.compFor)),
        A(() =>
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.OPTION2(() => this.SUBRULE2(this.expr));
          }),
        ),
      ]);
    });
    this.CONSUME(T.RBracket);
  });

  recordExpr = this.RULE('recordExpr', () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP(S(() => this.SUBRULE(this.recordField)));
    this.CONSUME(T.RCurly);
  });

  recordField = this.RULE('recordField', () => {
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
  });
}

/** The one parser instance (building one runs grammar analysis, ~tens of ms). */
export const ftlParser = new FtlParser();

export type { CstNode, IToken };
