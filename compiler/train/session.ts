// One compilation's interpreter state: the trace context (training flag, seed input,
// random streams, cross-entropy normalizer), the interpreter with module/decl calls, and
// the scope of the entry file (builtins + data builtins + imports + declarations).
// buildTrainingGraph and the tests start here.

import { dirname } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { Span } from '../diagnostics/span.ts';
import { bindCheckpoint, loadSpec } from '../elaborate/checkpoint.ts';
import { TraceCodes } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import {
  fileResolver,
  fileScope,
  type ParseFn,
  type Resolver,
  type SourceFile,
} from '../elaborate/program.ts';
import { instantiate, asModuleSpec } from '../elaborate/instantiate.ts';
import { compilePattern, suggestFor } from '../elaborate/pattern.ts';
import { allModules, allParams, cloneFrozen, type ModelTree, type ModuleInst } from '../elaborate/tree.ts';
import type { Node } from '../ir/node.ts';
import { builtins, type TraceContext } from '../trace/builtins.ts';
import { hasParam, makeInterp, paramNode, type CallEnv } from '../trace/calls.ts';
import { noMatch, selectParams } from '../elaborate/trainable.ts';
import type { Interp } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { Scope, list, type Args, type Value } from '../trace/values.ts';
import { dataBuiltins } from './data-spec.ts';

export interface Session {
  /** The recipe's model once built (for `params(pattern)`). */
  readonly model: { root?: ModuleInst };
  /** Frozen copies made by `reference(model)`, by the module they copy. */
  readonly references: Map<ModuleInst, ModuleInst>;
  readonly ctx: MutableTraceContext;
  readonly env: CallEnv;
  readonly it: Interp;
  readonly scope: Scope;
  readonly diagnostics: Diagnostic[];
}

export interface MutableTraceContext extends TraceContext {
  training: boolean;
  /** Cross-entropy calls report their kept-position count here and may get a normalizer back. */
  normalize?: (count: Node) => Node | undefined;
}

export function newSession(
  src: SourceFile,
  opts: { parse?: ParseFn; resolve?: Resolver; training?: boolean },
): Session {
  const diagnostics: Diagnostic[] = [];
  let seed: Node | undefined;
  let stream = 0;
  const ctx: MutableTraceContext = {
    training: opts.training ?? true,
    seed: () => (seed ??= T.input('seed', [], 'i32')),
    nextStream: () => stream++,
  };
  const references = new Map<ModuleInst, ModuleInst>();
  const model: { root?: ModuleInst } = {};
  const baseDir = dirname(src.file);
  const env: CallEnv = {
    totalSteps: 1,
    load: (decl, a) => {
      const path = a.positional[0] ?? a.named.get('path');
      if (typeof path !== 'string')
        return err(TraceCodes.badArgument, '`load` takes the path of a Hugging Face model folder', a.span);
      const cfg = a.named.get('config');
      const overrides =
        typeof cfg === 'object' && 'kind' in cfg && cfg.kind === 'record'
          ? cfg.fields
          : new Map<string, Value>();
      return loadSpec(decl, path, baseDir, a.span, overrides);
    },
    setTraining: (on) => {
      const prev = ctx.training;
      ctx.training = on;
      return prev;
    },
  };
  const it = makeInterp(env);
  const base = new Scope();
  for (const [k, v] of builtins(ctx)) base.define(k, v);
  for (const [k, v] of dataBuiltins()) base.define(k, v);
  base.define('has_param', hasParam);
  // params("**.weight"): the model's matching parameters as a parameter set (regularisers:
  // `sum(params("**.weight") ^ 2)`); `params()` is every trainable parameter.
  base.define('params', {
    kind: 'builtin',
    name: 'params',
    call: (a) => {
      const root = model.root;
      if (!root)
        return err(
          TraceCodes.badArgument,
          '`params` needs the recipe model (use it in a loss or method)',
          a.span,
        );
      const pat = a.positional[0] ?? a.named.get('pattern');
      if (pat !== undefined && typeof pat !== 'string')
        return err(TraceCodes.badArgument, '`params` takes a pattern string', a.span);
      const ps = pat === undefined ? allParams(root).filter((p) => p.trainable) : selectParams(root, pat);
      if (pat !== undefined && ps.length === 0) throw noMatch(root, pat, '', a.span);
      return { kind: 'params', items: new Map(ps.map((p) => [p.name, paramNode(p, env.overrides)])) };
    },
  });
  // hidden(model, tokens, at: "blocks.1"): the output of the module(s) at a path pattern
  // (relative to `model`) when running model(tokens); one tensor, or a list in call order.
  base.define('hidden', {
    kind: 'builtin',
    name: 'hidden',
    call: (a) => {
      const [m, tokens] = a.positional;
      const at = a.named.get('at') ?? a.positional[2];
      if (
        !m ||
        typeof m !== 'object' ||
        !('kind' in m) ||
        m.kind !== 'module' ||
        tokens === undefined ||
        typeof at !== 'string'
      )
        return err(TraceCodes.badArgument, '`hidden` takes (model, tokens, at: "path")', a.span);
      const test = compilePattern(at);
      const prefix = m.inst.path;
      const rel = (p: string) =>
        prefix === '' ? p : p.startsWith(prefix + '.') ? p.slice(prefix.length + 1) : null;
      const prev = env.tap;
      env.tap = { test: (p) => rel(p) !== null && test(rel(p)!), found: [] };
      try {
        it.call(m, { positional: [tokens], named: new Map(), span: a.span });
        const found = env.tap.found;
        if (found.length === 0) {
          const paths = allModules(m.inst)
            .map((x) => rel(x.path))
            .filter((p): p is string => !!p);
          return err(
            TraceCodes.patternNoMatch,
            `no module at \`${at}\` ran in the forward`,
            a.span,
            suggestFor(at, paths),
          );
        }
        return found.length === 1 ? found[0].value : list(found.map((f) => f.value));
      } finally {
        env.tap = prev;
      }
    },
  });
  // reference(model): a frozen copy of the model as it is at the start of training.
  base.define('reference', {
    kind: 'builtin',
    name: 'reference',
    call: (a) => {
      const m = a.positional[0] ?? a.named.get('model');
      if (!m || typeof m !== 'object' || !('kind' in m) || m.kind !== 'module')
        return err(TraceCodes.badArgument, '`reference` takes a model', a.span);
      if (m.inst.cloneOf) return m; // a reference of a reference is itself
      if (!references.has(m.inst))
        references.set(m.inst, cloneFrozen(m.inst, m.inst.path === '' ? 'ref' : `ref.${m.inst.path}`));
      return { kind: 'module', inst: references.get(m.inst)! };
    },
  });
  const resolve = opts.resolve ?? (opts.parse ? fileResolver(opts.parse, diagnostics) : () => undefined);
  const scope = fileScope(src, resolve, base, diagnostics);
  return { model, references, ctx, env, it, scope, diagnostics };
}

/** Instantiate a model/module value (`gpt2(vocab: 256, ...)`) as the root of a fresh tree. */
export function modelTree(
  s: Session,
  spec: Value,
  args?: Args,
  span: Span = args?.span ?? T.spanNow() ?? NO_SPAN,
): ModelTree {
  const applied = asModuleSpec(spec, span);
  const tree: ModelTree = { root: instantiate(applied, args, '', s.it), merges: [] };
  if (applied.checkpoint) bindCheckpoint(tree, applied.decl, applied.checkpoint, span);
  s.model.root = tree.root;
  return tree;
}

const NO_SPAN: Span = { file: '', start: 0, end: 0, line: 1, col: 1 };
