// textDocument/documentSymbol: the file's declarations (and, one level down, the stages of
// a recipe, the submodules/params of a module or model), as LSP DocumentSymbol trees.

import type { Decl, Stmt } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';
import { declKeyword } from './describe.ts';
import type { Range } from './positions.ts';

export interface DocumentSymbol {
  readonly name: string;
  readonly detail?: string;
  readonly kind: number;
  readonly range: Range;
  readonly selectionRange: Range;
  readonly children?: DocumentSymbol[];
}

// LSP SymbolKind numbers
const KIND: Record<string, number> = {
  ModuleDecl: 2, // Module
  ModelDecl: 5, // Class
  MethodDecl: 6, // Method
  LossDecl: 12, // Function
  OptimizerDecl: 5,
  GradientDecl: 12,
  ScheduleDecl: 12,
  FnDecl: 12,
  RecipeDecl: 19, // Object
  MergeDecl: 12,
  StageDecl: 8, // Field... a step of the recipe
  ParamDecl: 7, // Property
  SubmoduleDecl: 7,
  StateDecl: 13, // Variable
};

function child(a: Analysis, s: Stmt): DocumentSymbol | undefined {
  if (
    s.kind !== 'StageDecl' &&
    s.kind !== 'ParamDecl' &&
    s.kind !== 'SubmoduleDecl' &&
    s.kind !== 'StateDecl'
  )
    return undefined;
  if (('owner' in s && s.owner) || s.name.name === '') return undefined;
  return {
    name: s.name.name,
    detail: s.kind.replace(/Decl$/, '').toLowerCase(),
    kind: KIND[s.kind]!,
    range: a.index.range(s.span.start, s.span.end),
    selectionRange: a.index.range(s.name.span.start, s.name.span.end),
  };
}

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const d of a.ast.decls as readonly Decl[]) {
    if (d.kind === 'ImportDecl' || d.name.name === '') continue;
    const body = 'body' in d && d.body.kind === 'Block' ? d.body.stmts : [];
    const children = body.map((s) => child(a, s)).filter((x): x is DocumentSymbol => !!x);
    out.push({
      name: d.name.name,
      detail: declKeyword(d),
      kind: KIND[d.kind] ?? 12,
      range: a.index.range(d.span.start, d.span.end),
      selectionRange: a.index.range(d.name.span.start, d.name.span.end),
      ...(children.length ? { children } : {}),
    });
  }
  return out;
}
