// textDocument/completion. What the cursor is in decides what is offered:
//   `import std.me|`          → import paths (stdlib files, files beside this one)
//   `ns.|` / `gpt2.|`         → an imported file's declarations / a model's members
//   inside `callee(... |`     → the callee's named arguments not given yet (`alpha:`), first
//   after `x: ` in a signature,
//   `for m: `, `param p: `        → type names, dtypes and the module/model declarations in scope
//   anywhere                  → names in scope at the cursor (locals, declarations, imports,
//                               builtins), and in a recipe or stage the recipe keys and `train`
// The call and member contexts are read from the text before the cursor, not the tree: while
// typing, `apply lora(r: 8, ` does not parse, and the recovered tree has no call there.

import {
  builtins,
  dtypes,
  typeNames,
  modelMembers,
  recipeKeys,
  trainParams,
  type BuiltinParam,
} from '../../compiler/check/builtins.ts';
import type { Scope, Sym } from '../../compiler/check/scope.ts';
import type { Decl, Formal } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';
import { builtinSignature, declSignature, formalText, markdown, paramText } from './describe.ts';
import { importPaths } from './import-paths.ts';
import type { Range } from './positions.ts';
import { declOf } from './resolve.ts';

export interface CompletionItem {
  readonly label: string;
  readonly kind: number;
  readonly detail?: string;
  readonly documentation?: { readonly kind: 'markdown'; readonly value: string };
  readonly sortText?: string;
  readonly insertText?: string;
  readonly textEdit?: { readonly range: Range; readonly newText: string };
}

// LSP CompletionItemKind numbers
const K = { Method: 2, Function: 3, Field: 5, Variable: 6, Class: 7, Module: 9, Property: 10, Keyword: 14 };

const kindOfDecl = (d: Decl): number =>
  d.kind === 'MethodDecl'
    ? K.Method
    : d.kind === 'ModuleDecl' || d.kind === 'ModelDecl'
      ? K.Class
      : K.Function;

function symItem(a: Analysis, s: Sym): CompletionItem {
  const decl = declOf(s);
  if (s.kind === 'decl' && decl) {
    const sig = declSignature(decl, a.sources.get(s.file ?? a.doc.file) ?? '');
    return {
      label: s.name,
      kind: kindOfDecl(decl),
      detail: sig,
      documentation: { kind: 'markdown', value: markdown(sig, decl.doc) },
    };
  }
  if (s.kind === 'builtin') {
    const b = s.builtin ?? builtins.get(s.name);
    return b
      ? {
          label: s.name,
          kind: K.Function,
          detail: builtinSignature(b),
          documentation: { kind: 'markdown', value: markdown(builtinSignature(b), b.doc) },
          sortText: `2${s.name}`,
        }
      : { label: s.name, kind: K.Function, detail: 'builtin', sortText: `2${s.name}` };
  }
  if (s.kind === 'namespace') return { label: s.name, kind: K.Module, detail: 'import' };
  return { label: s.name, kind: K.Variable, detail: s.kind, sortText: `0${s.name}` };
}

/** The callee of the innermost unclosed `(` before `offset`, e.g. `lora`, `ns.lora`, `train`. */
export function enclosingCall(
  text: string,
  offset: number,
): { callee: string; argsText: string } | undefined {
  let depth = 0;
  for (let i = offset - 1; i >= 0 && offset - i < 4000; i--) {
    const c = text[i]!;
    if (c === '"') {
      const open = text.lastIndexOf('"', i - 1);
      if (open < 0) return undefined;
      i = open;
    } else if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (c !== '(') return undefined;
      const m = /([A-Za-z_][\w.]*)\s*$/.exec(text.slice(Math.max(0, i - 200), i));
      return m ? { callee: m[1]!, argsText: text.slice(i + 1, offset) } : undefined;
    }
  }
  return undefined;
}

function argItems(a: Analysis, callee: string, argsText: string): CompletionItem[] {
  const given = new Set([...argsText.matchAll(/([A-Za-z_]\w*)\s*:(?!:)/g)].map((m) => m[1]!));
  const item = (name: string, detail: string, doc?: string): CompletionItem => ({
    label: `${name}:`,
    kind: K.Field,
    detail,
    insertText: `${name}: `,
    sortText: `0${name}`,
    ...(doc ? { documentation: { kind: 'markdown' as const, value: doc } } : {}),
  });
  const fromBuiltin = (ps: readonly BuiltinParam[], owner: string) =>
    ps
      .filter((p) => !given.has(p.name) && !p.variadic)
      .map((p) => item(p.name, paramText(p), `parameter of \`${owner}\``));
  if (callee === 'train') return fromBuiltin(trainParams, 'train');
  const parts = callee.split('.');
  let s: Sym | undefined = a.fileScope.lookup(parts[0]!);
  for (const p of parts.slice(1)) {
    if (s?.members) s = s.members.get(p);
    else {
      const m = modelMembers.get(p);
      return m && declOf(s)?.kind === 'ModelDecl' ? fromBuiltin(m, callee) : [];
    }
  }
  if (!s) return [];
  if (s.builtin?.params) return fromBuiltin(s.builtin.params, s.name);
  const decl = declOf(s);
  if (!decl || !('params' in decl)) return [];
  const text = a.sources.get(s.file ?? a.doc.file) ?? '';
  const doc = (f: Formal) => markdown(formalText(f, text), `parameter of \`${s.name}\``);
  return decl.params
    .filter((f) => !given.has(f.name.name))
    .map((f) => item(f.name.name, formalText(f, text), doc(f)));
}

/** The scope at `offset`: that of the nearest bound name before it in the same declaration. */
function scopeAt(a: Analysis, offset: number): { scope: Scope; decl?: Decl } {
  const decl = a.ast.decls.find((d) => d.span.start <= offset && offset <= d.span.end);
  if (!decl) return { scope: a.fileScope };
  let best: { start: number; scope: Scope } | undefined;
  for (const [n, ref] of a.binding.refs) {
    if (n.span.start < decl.span.start || n.span.end > offset) continue;
    if (!best || n.span.start >= best.start) best = { start: n.span.start, scope: ref.scope };
  }
  return { scope: best?.scope ?? a.binding.declScopes.get(decl) ?? a.fileScope, decl };
}

export function completion(a: Analysis, offset: number, stdlibDir: string): CompletionItem[] {
  const text = a.doc.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const linePrefix = text.slice(lineStart, offset);

  const imp = /^\s*import\s+([\w.]*)$/.exec(linePrefix);
  if (imp) {
    const range = a.index.range(offset - imp[1]!.length, offset);
    return importPaths(stdlibDir, a.doc.file).map((p) => ({
      label: p.path,
      kind: K.Module,
      textEdit: { range, newText: p.path },
      ...(p.doc ? { documentation: { kind: 'markdown' as const, value: p.doc } } : {}),
    }));
  }

  // inside a string (a pattern, a path): nothing to offer
  if ((linePrefix.replace(/\\./g, '').match(/"/g)?.length ?? 0) % 2 === 1) return [];

  const member = /([A-Za-z_]\w*)\.(\w*)$/.exec(linePrefix);
  if (member) {
    const s = a.fileScope.lookup(member[1]!);
    if (s?.members) return [...s.members.values()].map((m) => symItem(a, m));
    if (declOf(s)?.kind === 'ModelDecl')
      return [...modelMembers].map(([name, ps]) => ({
        label: name,
        kind: K.Method,
        detail: `${name}(${ps.map(paramText).join(', ')})`,
      }));
    return [];
  }

  // a type position: `fn f(x: |`, `for m: |`, `param w: |`, `state s: |`, `let y: |`
  const typePos =
    /^\s*(module|model|method|loss|optimizer|gradient|schedule|fn|merge)\s+\w+\s*\([^)]*:\s*\w*$/.test(
      linePrefix,
    ) ||
    /(^|[\s(,])(for\s+\w+|param\s+[\w.]+|state\s+\w+|let\s+\w+|forward\s*\([^)]*)\s*:\s*\w*$/.test(
      linePrefix,
    );
  if (typePos) {
    const out: CompletionItem[] = [...typeNames, ...dtypes].map((t) => ({
      label: t,
      kind: K.Keyword,
      detail: 'type',
      sortText: `1${t}`,
    }));
    for (const name of a.fileScope.names()) {
      const d = declOf(a.fileScope.lookup(name));
      if (d?.kind === 'ModuleDecl' || d?.kind === 'ModelDecl')
        out.push({ ...symItem(a, a.fileScope.lookup(name)!), sortText: `0${name}` });
    }
    return out;
  }

  const items: CompletionItem[] = [];
  const call = enclosingCall(text, offset);
  // named arguments only where a name may start: not in the value after `name:`
  const inValue = call && /^\s*[A-Za-z_]\w*\s*:/.test(call.argsText.split(',').pop()!);
  if (call && !inValue) items.push(...argItems(a, call.callee, call.argsText));

  const { scope, decl } = scopeAt(a, offset);
  for (const name of scope.names()) {
    const s = scope.lookup(name);
    if (s && name !== '') items.push(symItem(a, s));
  }
  if (decl?.kind === 'RecipeDecl' && !call && /^\s*\w*$/.test(linePrefix)) {
    for (const k of recipeKeys)
      items.push({
        label: k,
        kind: K.Property,
        detail: 'recipe key',
        insertText: `${k} = `,
        sortText: `1${k}`,
      });
    items.push({
      label: 'train',
      kind: K.Keyword,
      detail: `train(${trainParams.map(paramText).join(', ')})`,
      insertText: 'train(',
      sortText: '1train',
    });
  }
  return items;
}
