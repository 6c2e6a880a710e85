// Which statements may appear in which bodies. A statement in the wrong kind of body
// (a `stage` in a method, `state` outside an optimizer, `param` without an owner in a
// method) is reported with the list of what the body allows.

import type * as A from '../../../grammar/ast.ts';
import { diag } from '../../diagnostics/catalogue.ts';
import type { CheckContext, CheckRegistry } from '../registry.ts';

type K = A.Stmt['kind'];
const code: K[] = ['LetStmt', 'AssignStmt', 'ExprStmt', 'ForStmt', 'IfStmt', 'ReturnStmt'];

/** Allowed statement kinds per body. */
const allowed: Record<string, readonly K[]> = {
  recipe: ['Field', 'StageDecl', 'ApplyStmt', 'TrainStmt', 'LetStmt', 'ForStmt', 'IfStmt', 'ExprStmt'],
  stage: ['Field', 'ApplyStmt', 'DropStmt', 'TrainStmt', 'LetStmt', 'ForStmt', 'IfStmt', 'ExprStmt'],
  module: ['ParamDecl', 'SubmoduleDecl', 'ForwardDecl', 'LetStmt', 'IfStmt', 'ForStmt'],
  method: ['FreezeStmt', 'ParamDecl', 'SubmoduleDecl', 'WrapStmt', 'MergeStmt', 'ApplyStmt', ...code],
  optimizer: ['StateDecl', 'UpdateBlock', 'LetStmt', 'IfStmt'],
  code,
};

const word: Partial<Record<K, string>> = {
  Field: 'a recipe key',
  StageDecl: '`stage`',
  ApplyStmt: '`apply`',
  DropStmt: '`drop`',
  TrainStmt: '`train(...)`',
  LetStmt: '`let`',
  ForStmt: '`for`',
  IfStmt: '`if`',
  ExprStmt: 'an expression',
  ParamDecl: '`param`',
  SubmoduleDecl: 'a submodule',
  ForwardDecl: '`forward`',
  FreezeStmt: '`freeze`/`unfreeze`',
  WrapStmt: '`wrap`',
  MergeStmt: '`merge`',
  StateDecl: '`state`',
  UpdateBlock: '`update`',
  AssignStmt: 'an assignment',
  ReturnStmt: '`return`',
};

function checkBody(stmts: readonly A.Stmt[], body: string, ctx: CheckContext): void {
  for (const s of stmts) {
    if (!allowed[body]!.includes(s.kind)) {
      ctx.report(
        diag(
          'misplaced-statement',
          `${word[s.kind] ?? s.kind} is not allowed in a ${body} body`,
          s.span,
          s.kind === 'DropStmt'
            ? {
                hint: '`drop` goes in a stage, after the stage that applies the method: `stage b { drop m }`',
              }
            : {},
        ),
      );
      continue;
    }
    if (body === 'method' && (s.kind === 'ParamDecl' || s.kind === 'SubmoduleDecl') && !s.owner) {
      ctx.report(
        diag(
          'invalid-form',
          `in a method, \`${s.kind === 'ParamDecl' ? 'param' : 'module'}\` adds to a matched module`,
          s.name.span,
          {
            hint: `write \`${s.kind === 'ParamDecl' ? 'param' : 'module'} m.${s.name.name} ...\` inside \`for m in modules(...)\``,
          },
        ),
      );
    }
    if (body === 'module' && (s.kind === 'ParamDecl' || s.kind === 'SubmoduleDecl') && s.owner) {
      ctx.report(
        diag('invalid-form', 'a module declares its own parameters and submodules (no owner path)', s.span),
      );
    }
    if (s.kind === 'ForStmt') checkBody(s.body.stmts, body, ctx);
    if (s.kind === 'IfStmt') checkIf(s, body, ctx);
  }
}

function checkIf(s: A.IfStmt, body: string, ctx: CheckContext): void {
  checkBody(s.then.stmts, body, ctx);
  if (s.else?.kind === 'Block') checkBody(s.else.stmts, body, ctx);
  else if (s.else) checkIf(s.else, body, ctx);
}

const codeBody = (b: A.Expr | A.Block, ctx: CheckContext): void => {
  if (b.kind === 'Block') checkBody(b.stmts, 'code', ctx);
};

export function registerPlacementChecks(r: CheckRegistry): void {
  r.register('RecipeDecl', (d, ctx) => checkBody(d.body.stmts, 'recipe', ctx));
  r.register('StageDecl', (d, ctx) => checkBody(d.body.stmts, 'stage', ctx));
  r.register('ModuleDecl', (d, ctx) => checkBody(d.body.stmts, 'module', ctx));
  r.register('ModelDecl', (d, ctx) => checkBody(d.body.stmts, 'module', ctx));
  r.register('MethodDecl', (d, ctx) => checkBody(d.body.stmts, 'method', ctx));
  r.register('OptimizerDecl', (d, ctx) => checkBody(d.body.stmts, 'optimizer', ctx));
  r.register('GradientDecl', (d, ctx) => checkBody(d.body.stmts, 'code', ctx));
  r.register('UpdateBlock', (u, ctx) => checkBody(u.body.stmts, 'code', ctx));
  for (const k of ['FnDecl', 'LossDecl', 'ScheduleDecl', 'MergeDecl'] as const)
    r.register(k, (d, ctx) => codeBody(d.body, ctx));
  r.register('ForwardDecl', (d, ctx) => codeBody(d.body, ctx));
  r.register('WrapStmt', (d, ctx) => codeBody(d.body, ctx));
  r.register('BackwardRule', (d, ctx) => codeBody(d.body, ctx));
}
