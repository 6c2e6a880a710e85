// textDocument/hover: what a name under the cursor is, in markdown.
//   declarations and imported declarations → kind, signature, `///` doc
//   builtins                               → signature + the builtin table's doc
//   `import std.methods.lora`              → the imported file's doc and declarations
//   a named argument `r:` / a formal       → the parameter with its type and default
//   locals (let, param, loop var, ...)     → kind and declared type

import { modelMembers, trainParams } from '../../compiler/check/builtins.ts';
import type { Sym } from '../../compiler/check/scope.ts';
import type { ImportResolver } from '../../compiler/check/imports.ts';
import { findAll, type Node } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';
import { builtinSignature, declSignature, formalText, markdown, moduleDoc, paramText } from './describe.ts';
import { innermost, nodesAt } from './locate.ts';
import type { Range } from './positions.ts';
import { declOf, formalOf, instanceMember, symOfCallee, symOfName, symOfTypeName } from './resolve.ts';

export interface Hover {
  readonly contents: { readonly kind: 'markdown'; readonly value: string };
  readonly range: Range;
}

function describeSym(a: Analysis, s: Sym): string | undefined {
  if (s.kind === 'builtin')
    return s.builtin ? markdown(builtinSignature(s.builtin), s.builtin.doc) : markdown(`builtin ${s.name}`);
  const decl = declOf(s);
  if (s.kind === 'decl' && decl) {
    const text = a.sources.get(s.file ?? a.doc.file) ?? '';
    return markdown(declSignature(decl, text), decl.doc);
  }
  if (s.kind === 'namespace' && s.file) {
    const prog = a.imported.get(s.file);
    return prog
      ? markdown(`import ${s.name}`, moduleDoc(prog, s.file, a.sources.get(s.file) ?? ''))
      : undefined;
  }
  const text = a.sources.get(s.file ?? a.doc.file) ?? a.doc.text;
  if (s.kind === 'formal' && s.span && (s.file ?? a.doc.file) === a.doc.file) {
    // show the whole formal, default included: `r: int = 8`
    const f = findAll(a.ast, 'Formal').find((x) => x.name.span.start === s.span!.start);
    if (f) return markdown(`parameter ${formalText(f, a.doc.text)}`);
  }
  const type = s.type ? `: ${text.slice(s.type.span.start, s.type.span.end)}` : '';
  const mod = s.module ? ` (a \`${s.module.name.name}\`)` : '';
  const what = s.kind === 'formal' ? 'parameter' : s.kind === 'implicit' ? 'implicit name' : s.kind;
  return markdown(`${what} ${s.name}${type}`, mod ? `instance${mod}` : undefined);
}

export function hover(a: Analysis, offset: number, resolve: ImportResolver): Hover | null {
  const chain = nodesAt(a.ast, offset);
  const node = chain[chain.length - 1]!;
  const parent: Node | undefined = chain[chain.length - 2];
  const at = (value: string | undefined, n: Node): Hover | null =>
    value ? { contents: { kind: 'markdown', value }, range: a.index.range(n.span.start, n.span.end) } : null;

  const imp = innermost(chain, 'ImportDecl');
  if (imp && node.kind === 'Ident' && imp.path.includes(node)) {
    const r = resolve(
      imp.path.map((p) => p.name),
      a.doc.file,
    );
    const prog = r.ok ? a.imported.get(r.file) : undefined;
    if (!r.ok || !prog)
      return at(markdown(`import ${imp.path.map((p) => p.name).join('.')}`, r.ok ? '' : r.message), imp);
    return at(
      markdown(`import ${imp.path.map((p) => p.name).join('.')}`, moduleDoc(prog, r.file, r.text)),
      imp,
    );
  }
  if (node.kind === 'Name') {
    const s = symOfName(a, node);
    return s ? at(describeSym(a, s), node) : null;
  }
  if (node.kind !== 'Ident' || !parent) return null;
  // a declaration's own name
  const top = a.ast.decls.find((d) => d === parent);
  if (top && top.kind !== 'ImportDecl') return at(markdown(declSignature(top, a.doc.text), top.doc), node);
  if ('name' in parent && parent.name === node && parent.kind.endsWith('Decl'))
    return at(markdown(`${parent.kind.replace(/Decl$/, '').toLowerCase()} ${node.name}`), node);
  if (parent.kind === 'Formal') {
    const owner = chain[chain.length - 3];
    const ownerName =
      owner && 'name' in owner && owner.name && typeof owner.name === 'object'
        ? ` of ${(owner.name as { name: string }).name}`
        : '';
    return at(markdown(formalText(parent, a.doc.text), `parameter${ownerName}`), node);
  }
  if (parent.kind === 'Arg' && parent.name === node) {
    const call = chain[chain.length - 3];
    if (call?.kind === 'TrainStmt') {
      const p = trainParams.find((x) => x.name === node.name);
      return p ? at(markdown(`train(${paramText(p)})`, 'a training-loop parameter'), node) : null;
    }
    const callee = call?.kind === 'Call' || call?.kind === 'ApplyStmt' ? call.callee : undefined;
    const s = callee ? symOfCallee(a, callee) : undefined;
    if (s?.builtin?.params) {
      const p = s.builtin.params.find((x) => x.name === node.name);
      return p ? at(markdown(paramText(p), `parameter of builtin \`${s.name}\``), node) : null;
    }
    const f = formalOf(declOf(s), parent);
    if (!f || !s) return null;
    return at(
      markdown(formalText(f, a.sources.get(s.file ?? a.doc.file) ?? ''), `parameter of \`${s.name}\``),
      node,
    );
  }
  if (parent.kind === 'Member' && parent.name === node) {
    const s = symOfCallee(a, parent);
    if (s) return at(describeSym(a, s), node);
    const im = instanceMember(a, parent);
    if (im) {
      const src = a.sources.get(im.file) ?? '';
      return at(markdown(src.slice(im.stmt.span.start, im.stmt.span.end).split('\n')[0]!), node);
    }
    // `llama.load(...)`: a member every model declaration has
    const owner = parent.object.kind === 'Name' ? declOf(symOfName(a, parent.object)) : undefined;
    const ps = modelMembers.get(node.name);
    if (owner?.kind === 'ModelDecl' && ps)
      return at(
        markdown(
          `${owner.name.name}.${node.name}(${ps.map(paramText).join(', ')})`,
          `a member of every model`,
        ),
        node,
      );
    return null;
  }
  if (parent.kind === 'NamedType') {
    const s = symOfTypeName(a, node.name);
    return s ? at(describeSym(a, s), node) : at(markdown(`type ${node.name}`), node);
  }
  if (parent.kind === 'Field' && parent.key === node)
    return at(markdown(`${node.name} = ...`, 'a recipe key'), node);
  return null;
}
