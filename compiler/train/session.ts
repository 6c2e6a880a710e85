// One compilation's interpreter state: the trace context (training flag, seed input,
// random streams, cross-entropy normalizer), the interpreter with module/decl calls, and
// the scope of the entry file (builtins + data builtins + imports + declarations).
// buildTrainingGraph and the tests start here.

import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { fileResolver, fileScope, type ParseFn, type Resolver, type SourceFile } from '../elaborate/program.ts';
import { instantiate, asModuleSpec } from '../elaborate/instantiate.ts';
import type { ModelTree } from '../elaborate/tree.ts';
import type { Node } from '../ir/node.ts';
import { builtins, type TraceContext } from '../trace/builtins.ts';
import { makeInterp, type CallEnv } from '../trace/calls.ts';
import type { Interp } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';
import { Scope, type Args, type Value } from '../trace/values.ts';
import { dataBuiltins } from './data-spec.ts';

export interface Session {
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

export function newSession(src: SourceFile, opts: { parse?: ParseFn; resolve?: Resolver; training?: boolean }): Session {
  const diagnostics: Diagnostic[] = [];
  let seed: Node | undefined;
  let stream = 0;
  const ctx: MutableTraceContext = {
    training: opts.training ?? true,
    seed: () => (seed ??= T.input('seed', [], 'i32')),
    nextStream: () => stream++,
  };
  const env: CallEnv = { totalSteps: 1 };
  const it = makeInterp(env);
  const base = new Scope();
  for (const [k, v] of builtins(ctx)) base.define(k, v);
  for (const [k, v] of dataBuiltins()) base.define(k, v);
  const resolve = opts.resolve ?? (opts.parse ? fileResolver(opts.parse, diagnostics) : () => undefined);
  const scope = fileScope(src, resolve, base, diagnostics);
  return { ctx, env, it, scope, diagnostics };
}

/** Instantiate a model/module value (`gpt2(vocab: 256, ...)`) as the root of a fresh tree. */
export function modelTree(s: Session, spec: Value, args?: Args): ModelTree {
  const span = args?.span ?? { file: '', start: 0, end: 0, line: 1, col: 1 };
  return { root: instantiate(asModuleSpec(spec, span), args, '', s.it), merges: [] };
}
