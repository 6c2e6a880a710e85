// Name resolution for the staging interpreter: one Scope per source file holding the
// builtins, the file's imports and its own declarations.
//
// `import std.models.gpt2` loads stdlib/models/gpt2.ftl (any other first segment: a file
// beside the importing one, `a.b` -> `a/b.ftl`). The bound name (alias or last segment)
// is the declaration of that name when the file has one (so `gpt2.load(...)`, `adamw(...)`
// and `loss = causal_lm` work), else a namespace of the file's declarations. Every
// declaration of an imported file is also visible unqualified unless the importer defines
// or imports that name first (`import std.nn.norm` then `layernorm(d)`).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as A from '../../grammar/ast.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { Scope, type DeclV, type Value } from '../trace/values.ts';

export interface SourceFile {
  readonly file: string;
  readonly program: A.Program;
}

/** Parse function (grammar/index.ts `parse`), injected so this file does not own parsing. */
export type ParseFn = (text: string, file: string) => { ast: A.Program; diagnostics: readonly Diagnostic[] };

/** Finds and parses the file an import names; undefined when there is none. */
export type Resolver = (path: readonly string[], fromFile: string) => SourceFile | undefined;

export const STDLIB_DIR = resolvePath(dirname(fileURLToPath(import.meta.url)), '../../stdlib');

export function importFile(path: readonly string[], fromFile: string): string {
  if (path[0] === 'std') return join(STDLIB_DIR, ...path.slice(1)) + '.ftl';
  return join(dirname(fromFile), ...path) + '.ftl';
}

/** A resolver reading files from disk, parsing each once; parse diagnostics go to `diags`. */
export function fileResolver(parse: ParseFn, diags: Diagnostic[]): Resolver {
  const cache = new Map<string, SourceFile | undefined>();
  return (path, fromFile) => {
    const file = importFile(path, fromFile);
    if (!cache.has(file)) {
      if (!existsSync(file)) cache.set(file, undefined);
      else {
        const { ast, diagnostics } = parse(readFileSync(file, 'utf8'), file);
        diags.push(...diagnostics);
        cache.set(file, { file, program: ast });
      }
    }
    return cache.get(file);
  };
}

type NamedDecl = DeclV['decl'];
const isNamed = (d: A.Decl): d is NamedDecl =>
  d.kind !== 'ImportDecl' && d.kind !== 'RecipeDecl' && 'params' in d;

/**
 * The scope of one file: builtins (in `base`), imports, own declarations. Files are
 * elaborated once (`cache`); import cycles see the partially built scope.
 */
export function fileScope(
  src: SourceFile,
  resolve: Resolver,
  base: Scope,
  diags: Diagnostic[],
  cache: Map<string, Scope> = new Map(),
): Scope {
  const hit = cache.get(src.file);
  if (hit) return hit;
  const scope = base.child();
  cache.set(src.file, scope);
  const own = new Map<string, Value>();
  for (const d of src.program.decls) if (isNamed(d)) own.set(d.name.name, { kind: 'decl', decl: d, scope });

  const unqualified = new Map<string, Value>();
  for (const d of src.program.decls) {
    if (d.kind !== 'ImportDecl') continue;
    const path = d.path.map((p) => p.name);
    const dep = resolve(path, src.file);
    if (!dep) {
      diags.push({
        code: 'FTL0101',
        severity: 'error',
        message: `cannot find \`${path.join('.')}\` (looked for ${importFile(path, src.file)})`,
        span: d.span,
      });
      continue;
    }
    const depScope = fileScope(dep, resolve, base, diags, cache);
    const members = new Map<string, Value>();
    for (const dd of dep.program.decls)
      if (isNamed(dd)) members.set(dd.name.name, depScope.lookup(dd.name.name)!);
    const bound = d.alias?.name ?? path[path.length - 1];
    scope.define(bound, members.get(bound) ?? { kind: 'namespace', name: bound, members });
    for (const [k, v] of members) if (!unqualified.has(k)) unqualified.set(k, v);
  }
  for (const [k, v] of unqualified)
    if (!scope.has(k) || base.lookup(k) !== undefined)
      if (!own.has(k) && !scope.ownNames().includes(k)) scope.define(k, v);
  for (const [k, v] of own) scope.define(k, v);
  return scope;
}
