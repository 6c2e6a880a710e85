// The checker's entry points.
//
//   check(program, { file, resolveImport }) -> Diagnostic[]
//   checkSource(text, file, opts?)           -> { ast, diagnostics }  (parse + check)
//
// Steps: build the file scope (builtins, imports, own declarations), bind every name
// (bind.ts), then run the registry of per-node-kind checks (checks/*.ts). Imported files
// are parsed (once per check call) for their declarations; their own errors are reported
// at the import as one FTL0214 diagnostic, not re-reported here.

import { parse, type Decl, type ImportDecl, type Program } from '../../grammar/index.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { hasErrors } from '../diagnostics/diagnostic.ts';
import { diag } from '../diagnostics/catalogue.ts';
import { builtinNames as traceBuiltinNames } from '../trace/builtins.ts';
import { Binder } from './bind.ts';
import { builtinConstants, builtins } from './builtins.ts';
import { registerBackwardChecks } from './checks/backward.ts';
import { registerCallChecks } from './checks/calls.ts';
import { registerDropChecks } from './checks/drops.ts';
import { registerMethodCycleChecks } from './checks/method-cycles.ts';
import { registerNameChecks } from './checks/names.ts';
import { registerPlacementChecks } from './checks/placement.ts';
import { registerRecipeChecks } from './checks/recipe.ts';
import { registerShapeChecks } from './checks/shapes.ts';
import { registerTargetChecks } from './checks/targets.ts';
import { registerTypeChecks } from './checks/types.ts';
import { fsImportResolver, type ImportResolver } from './imports.ts';
import { CheckRegistry } from './registry.ts';
import { Scope, type Sym } from './scope.ts';

export {
  fsImportResolver,
  memoryImportResolver,
  type ImportResolver,
  type ResolvedImport,
} from './imports.ts';
export { CheckRegistry, type Check, type CheckContext } from './registry.ts';

export interface CheckOptions {
  readonly file: string;
  /** Defaults to the file-system resolver rooted at `<repo>/stdlib`. */
  readonly resolveImport?: ImportResolver;
}

/** The default registry: every check in checks/. Extend with `defaultRegistry().register(...)`. */
export function defaultRegistry(): CheckRegistry {
  const r = new CheckRegistry();
  registerNameChecks(r);
  registerCallChecks(r);
  registerRecipeChecks(r);
  registerPlacementChecks(r);
  registerTypeChecks(r);
  registerShapeChecks(r);
  registerTargetChecks(r);
  registerMethodCycleChecks(r);
  registerDropChecks(r);
  registerBackwardChecks(r);
  return r;
}

let baseScope: Scope | undefined;

/** Builtins: the checker's table, plus any name the tracer knows (arguments unchecked). */
function builtinScope(): Scope {
  if (baseScope) return baseScope;
  const s = new Scope();
  for (const n of traceBuiltinNames()) s.define({ name: n, kind: 'builtin' });
  for (const n of builtinConstants) s.define({ name: n, kind: 'builtin' });
  for (const b of builtins.values()) s.define({ name: b.name, kind: 'builtin', builtin: b });
  baseScope = s;
  return s;
}

type Named = Exclude<Decl, ImportDecl>;
const declSym = (d: Named, file: string): Sym => ({
  name: d.name.name,
  kind: 'decl',
  decl: d,
  span: d.name.span,
  file,
});

interface Loaded {
  readonly file: string;
  readonly text: string;
  readonly program: Program;
  readonly errors: number;
}

/** Parsed imported files, reused while their text is unchanged (stdlib files are imported often). */
const importCache = new Map<string, Loaded>();

function load(file: string, text: string): Loaded {
  const hit = importCache.get(file);
  if (hit && hit.text === text) return hit;
  const p = parse(text, file);
  const l = {
    file,
    text,
    program: p.ast,
    errors: p.diagnostics.filter((x) => x.severity === 'error').length,
  };
  if (importCache.size > 500) importCache.clear();
  importCache.set(file, l);
  return l;
}

function fileScope(program: Program, file: string, resolve: ImportResolver, diags: Diagnostic[]): Scope {
  const scope = builtinScope().child();
  const unqualified = new Map<string, Sym>();
  const bound = new Map<string, ImportDecl>();
  for (const d of program.decls) {
    if (d.kind !== 'ImportDecl' || d.path.some((p) => p.name === '')) continue;
    const path = d.path.map((p) => p.name);
    const r = resolve(path, file);
    if (!r.ok) {
      const name = r.reason === 'outside-roots' ? 'import-outside-roots' : 'import-not-found';
      diags.push(diag(name, r.message, d.span, r.hint ? { hint: r.hint } : {}));
      continue;
    }
    const dep = load(r.file, r.text);
    if (dep.errors > 0) {
      diags.push(
        diag(
          'import-error',
          `\`${path.join('.')}\` has ${dep.errors} syntax error${dep.errors === 1 ? '' : 's'}`,
          d.span,
          { hint: `run \`ftl check ${r.file}\`` },
        ),
      );
    }
    const members = new Map<string, Sym>();
    for (const dd of dep.program.decls)
      if (dd.kind !== 'ImportDecl') members.set(dd.name.name, declSym(dd, dep.file));
    const name = d.alias?.name ?? path[path.length - 1]!;
    const prev = bound.get(name);
    if (prev) {
      diags.push(
        diag(
          'duplicate-definition',
          `\`${name}\` is imported twice`,
          (d.alias ?? d.path[d.path.length - 1]!).span,
          { notes: [{ message: 'first imported here', span: prev.span }] },
        ),
      );
    }
    bound.set(name, d);
    scope.define(members.get(name) ?? { name, kind: 'namespace', members, span: d.span, file: dep.file });
    for (const [k, v] of members) if (!unqualified.has(k)) unqualified.set(k, v);
  }
  for (const [k, v] of unqualified) if (!scope.own(k)) scope.define(v);
  for (const d of program.decls) {
    if (d.kind === 'ImportDecl' || d.name.name === '') continue;
    const prev = scope.own(d.name.name);
    if (prev && prev.file === file && prev.kind === 'decl') {
      diags.push(
        diag('duplicate-definition', `\`${d.name.name}\` is defined twice`, d.name.span, {
          notes: prev.span ? [{ message: 'first defined here', span: prev.span }] : [],
        }),
      );
      continue;
    }
    if (bound.has(d.name.name) && prev?.decl !== d) {
      diags.push(
        diag('duplicate-definition', `\`${d.name.name}\` is both imported and defined here`, d.name.span, {
          notes: [{ message: 'imported here', span: bound.get(d.name.name)!.span }],
        }),
      );
      continue;
    }
    scope.define(declSym(d, file));
  }
  return scope;
}

export function check(
  program: Program,
  opts: CheckOptions,
  registry: CheckRegistry = defaultRegistry(),
): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const resolve = opts.resolveImport ?? fsImportResolver();
  const scope = fileScope(program, opts.file, resolve, diags);
  const binder = new Binder(scope, opts.file);
  for (const d of program.decls) binder.bindDecl(d);
  diags.push(...binder.diagnostics);
  // scopes of imported files, built on demand (their own diagnostics are not this file's)
  const scopes = new Map<string, Scope | undefined>([[opts.file, scope]]);
  const scopeOf = (file: string): Scope | undefined => {
    if (!scopes.has(file)) {
      scopes.set(file, undefined); // cycle guard
      const l = importCache.get(file);
      scopes.set(file, l ? fileScope(l.program, file, resolve, []) : undefined);
    }
    return scopes.get(file);
  };
  diags.push(
    ...registry.run(program, { file: opts.file, binding: binder.binding, fileScope: scope, scopeOf }),
  );
  return diags.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
}

export interface CheckResult {
  readonly ast: Program;
  readonly diagnostics: Diagnostic[];
}

/** Parse and check one source text. After syntax errors only those are reported (see docs). */
export function checkSource(text: string, file: string, opts: Partial<CheckOptions> = {}): CheckResult {
  const parsed = parse(text, file);
  let semantic: Diagnostic[] = [];
  if (hasErrors(parsed.diagnostics)) return parsed;
  try {
    semantic = check(parsed.ast, { file, ...opts });
  } catch (err) {
    // a checker bug must not crash `ftl check`; surface it as a diagnostic
    const span = { ...parsed.ast.span, end: 0 };
    semantic = [
      err instanceof RangeError
        ? diag('nesting-too-deep', 'this file nests expressions too deeply to check', span)
        : diag(
            'internal-error',
            `internal error in the checker: ${(err as Error)?.message ?? String(err)}`,
            span,
          ),
    ];
  }
  // After syntax errors the recovered AST has holes and semantic errors are mostly echoes
  // of the syntax error: report the syntax errors only.
  const diagnostics = [...parsed.diagnostics, ...semantic];
  return {
    ast: parsed.ast,
    diagnostics: diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0)),
  };
}
