// textDocument/definition: where the name under the cursor is declared, also in other
// files (imported user files, the stdlib). Builtins and implicit names have no source
// location: no answer. On an import path, the imported file itself.

import type { ImportResolver } from '../../compiler/check/imports.ts';
import type { Span } from '../../compiler/diagnostics/span.ts';
import type { Analysis } from './analysis.ts';
import { innermost, nodesAt } from './locate.ts';
import { LineIndex, type Range } from './positions.ts';
import { declOf, formalOf, instanceMember, symOfCallee, symOfName, symOfTypeName } from './resolve.ts';
import { fileToUri } from './workspace.ts';

export interface Location {
  readonly uri: string;
  readonly range: Range;
}

/** The span a definition request at `offset` should jump to (with its file). */
export function definitionSpan(a: Analysis, offset: number, resolve: ImportResolver): Span | undefined {
  const chain = nodesAt(a.ast, offset);
  const node = chain[chain.length - 1]!;
  const parent = chain[chain.length - 2];
  const imp = innermost(chain, 'ImportDecl');
  if (imp && node.kind === 'Ident' && imp.path.includes(node)) {
    const r = resolve(
      imp.path.map((p) => p.name),
      a.doc.file,
    );
    return r.ok ? { file: r.file, start: 0, end: 0, line: 1, col: 1 } : undefined;
  }
  if (node.kind === 'Name') {
    const s = symOfName(a, node);
    if (s?.kind === 'namespace' && s.file) return { file: s.file, start: 0, end: 0, line: 1, col: 1 };
    return s?.span ? { ...s.span, file: s.file ?? s.span.file } : undefined;
  }
  if (node.kind !== 'Ident' || !parent) return undefined;
  if (parent.kind === 'Member' && parent.name === node) {
    const s = symOfCallee(a, parent);
    if (s?.span) return { ...s.span, file: s.file ?? s.span.file };
    const im = instanceMember(a, parent);
    return im ? { ...im.stmt.name.span, file: im.file } : undefined;
  }
  if (parent.kind === 'NamedType') {
    const s = symOfTypeName(a, node.name);
    return s?.span ? { ...s.span, file: s.file ?? s.span.file } : undefined;
  }
  if (parent.kind === 'Arg' && parent.name === node) {
    const call = chain[chain.length - 3];
    const callee = call?.kind === 'Call' || call?.kind === 'ApplyStmt' ? call.callee : undefined;
    const s = callee ? symOfCallee(a, callee) : undefined;
    const f = formalOf(declOf(s), parent);
    return f ? { ...f.name.span, file: s?.file ?? f.name.span.file } : undefined;
  }
  return undefined;
}

export function definition(
  a: Analysis,
  offset: number,
  resolve: ImportResolver,
  textOf: (file: string) => string | undefined,
): Location | null {
  const span = definitionSpan(a, offset, resolve);
  if (!span) return null;
  const text = span.file === a.doc.file ? a.doc.text : (a.sources.get(span.file) ?? textOf(span.file) ?? '');
  const index = span.file === a.doc.file ? a.index : new LineIndex(text);
  return {
    uri: span.file === a.doc.file ? a.doc.uri : fileToUri(span.file),
    range: index.range(span.start, span.end),
  };
}
