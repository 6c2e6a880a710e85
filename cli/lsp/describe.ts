// How declarations, builtins and parameters are shown to a user (hover, completion docs):
// a one-line signature in .ftl syntax plus the `///` doc.
//
//   declSignature(decl, text)  `method lora(r: int = 8, alpha: float = 16.0, ...)`
//   builtinSignature(b)        `softmax(x, axis?: int)`
//   moduleDoc(program, file, text)  the doc of an imported file (`import std.methods.lora`)
//   markdown(signature, doc)   a fenced ftl block, then the doc

import type { Builtin, BuiltinParam } from '../../compiler/check/builtins.ts';
import type { Decl, Formal, Program } from '../../grammar/index.ts';

type Named = Exclude<Decl, { kind: 'ImportDecl' }>;

export const declKeyword = (d: Decl): string => d.kind.replace(/Decl$/, '').toLowerCase();

export const formalText = (f: Formal, text: string): string => text.slice(f.span.start, f.span.end);

export function declSignature(d: Named, text: string): string {
  const formals = 'params' in d ? d.params.map((f) => formalText(f, text)).join(', ') : '';
  const hasParens = 'params' in d;
  return `${declKeyword(d)} ${d.name.name}${hasParens ? `(${formals})` : ''}`;
}

export const paramText = (p: BuiltinParam): string =>
  `${p.variadic ? '...' : ''}${p.name}${p.optional && !p.variadic ? '?' : ''}${p.type !== 'any' ? `: ${p.type}` : ''}`;

export function builtinSignature(b: Builtin): string {
  return `${b.name}(${b.params === null ? '...' : b.params.map(paramText).join(', ')})`;
}

/** The doc of an imported file: its namesake declaration's doc, else its leading `//` block. */
export function moduleDoc(program: Program, file: string, text: string): string {
  const stem = file
    .replace(/\\/g, '/')
    .split('/')
    .pop()!
    .replace(/\.ftl$/, '');
  const namesake = program.decls.find((d) => d.kind !== 'ImportDecl' && d.name.name === stem);
  const lines: string[] = [];
  if (namesake?.doc) lines.push(namesake.doc);
  else {
    for (const line of text.split('\n')) {
      const m = /^\s*\/\/\/?\s?(.*)$/.exec(line);
      if (!m) break;
      lines.push(m[1]!);
    }
  }
  const decls = program.decls
    .filter((d): d is Named => d.kind !== 'ImportDecl')
    .map((d) => `- \`${declKeyword(d)} ${d.name.name}\``);
  return [lines.join('\n').trim(), decls.length ? `Declares:\n${decls.join('\n')}` : '']
    .filter(Boolean)
    .join('\n\n');
}

export function markdown(signature: string, doc?: string): string {
  return '```ftl\n' + signature + '\n```' + (doc ? `\n\n${doc}` : '');
}
