// One analysed document: parse + check (the diagnostics `ftl check` would print) and the
// name bindings that hover, completion and go-to-definition read.
//
//   analyze(doc, ws) -> Analysis
//
// The binding is rebuilt here with the checker's own Binder over a file scope built the
// way the checker builds it (builtins, then imports with their declarations unqualified,
// then the file's declarations), without its diagnostics: it must work on a file with
// syntax errors too, where the checker reports only those and binds nothing.

import { Binder, type Binding } from '../../compiler/check/bind.ts';
import { builtinConstants, builtins } from '../../compiler/check/builtins.ts';
import { checkSource } from '../../compiler/check/index.ts';
import type { ImportResolver } from '../../compiler/check/imports.ts';
import { Scope, type Sym } from '../../compiler/check/scope.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { builtinNames as traceBuiltinNames } from '../../compiler/trace/builtins.ts';
import { parse, type Decl, type Program } from '../../grammar/index.ts';
import { LineIndex } from './positions.ts';
import type { Document, Workspace } from './workspace.ts';

export interface Analysis {
  readonly doc: Document;
  readonly index: LineIndex;
  readonly ast: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly binding: Binding;
  readonly fileScope: Scope;
  /** Texts of this file and of the files its imports resolved to (for signatures and ranges). */
  readonly sources: ReadonlyMap<string, string>;
  /** Parsed imported files by path. */
  readonly imported: ReadonlyMap<string, Program>;
}

let base: Scope | undefined;

function builtinScope(): Scope {
  if (base) return base;
  const s = new Scope();
  for (const n of traceBuiltinNames()) s.define({ name: n, kind: 'builtin' });
  for (const n of builtinConstants) s.define({ name: n, kind: 'builtin' });
  for (const b of builtins.values()) s.define({ name: b.name, kind: 'builtin', builtin: b });
  base = s;
  return s;
}

const declSym = (d: Exclude<Decl, { kind: 'ImportDecl' }>, file: string): Sym => ({
  name: d.name.name,
  kind: 'decl',
  decl: d,
  span: d.name.span,
  file,
});

function fileScope(
  ast: Program,
  file: string,
  resolve: ImportResolver,
  sources: Map<string, string>,
  imported: Map<string, Program>,
): Scope {
  const scope = builtinScope().child();
  const unqualified = new Map<string, Sym>();
  for (const d of ast.decls) {
    if (d.kind !== 'ImportDecl' || d.path.some((p) => p.name === '')) continue;
    const r = resolve(
      d.path.map((p) => p.name),
      file,
    );
    if (!r.ok) continue;
    sources.set(r.file, r.text);
    const dep = imported.get(r.file) ?? parse(r.text, r.file).ast;
    imported.set(r.file, dep);
    const members = new Map<string, Sym>();
    for (const dd of dep.decls) if (dd.kind !== 'ImportDecl') members.set(dd.name.name, declSym(dd, r.file));
    const name = d.alias?.name ?? d.path[d.path.length - 1]!.name;
    scope.define(members.get(name) ?? { name, kind: 'namespace', members, span: d.span, file: r.file });
    for (const [k, v] of members) if (!unqualified.has(k)) unqualified.set(k, v);
  }
  for (const [k, v] of unqualified) if (!scope.own(k)) scope.define(v);
  for (const d of ast.decls)
    if (d.kind !== 'ImportDecl' && d.name.name !== '' && !scope.own(d.name.name)?.decl)
      scope.define(declSym(d, file));
  return scope;
}

export function analyze(doc: Document, ws: Workspace): Analysis {
  const resolveImport = ws.resolver();
  const checked = checkSource(doc.text, doc.file, { resolveImport });
  const sources = new Map<string, string>([[doc.file, doc.text]]);
  const imported = new Map<string, Program>();
  const scope = fileScope(checked.ast, doc.file, resolveImport, sources, imported);
  const binder = new Binder(scope, doc.file);
  for (const d of checked.ast.decls) {
    try {
      binder.bindDecl(d);
    } catch {
      // a recovered tree with holes the binder does not expect: that declaration stays unbound
    }
  }
  return {
    doc,
    index: new LineIndex(doc.text),
    ast: checked.ast,
    diagnostics: checked.diagnostics,
    binding: binder.binding,
    fileScope: scope,
    sources,
    imported,
  };
}
