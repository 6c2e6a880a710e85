// The recipe's model (methods applied) and loss as a forward-only graph, for evaluation,
// generation and tests: outputs `output` = model(first batch field) and `loss`, traced in
// eval mode (no dropout), with the same parameter table and initial values as training.

import type * as A from '../../grammar/ast.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { initAll } from '../elaborate/init.ts';
import { applyMethod } from '../elaborate/methods.ts';
import type { SourceFile } from '../elaborate/program.ts';
import { allParams, leavesOf, type ModelTree } from '../elaborate/tree.ts';
import type { Graph } from '../ir/graph.ts';
import type { Node } from '../ir/node.ts';
import { TraceCodes, TraceError, toDiagnostic } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import { typeName, type Value } from '../trace/values.ts';
import type { BuildOptions, ParamEntry } from './build.ts';
import { dataSpec, type DataSpec } from './data-spec.ts';
import { asApplied, batchRecord, readRecipe } from './recipe.ts';
import { modelTree, newSession } from './session.ts';

export interface ForwardBuild {
  /** outputs: `output` = model(first batch field), `loss` = the recipe's loss (eval mode: no dropout). */
  readonly graph: Graph;
  readonly params: ParamEntry[];
  readonly tree: ModelTree;
  readonly dataSpec: DataSpec;
  readonly initialValues: (seed: number) => Map<string, Float32Array>;
  readonly diagnostics: Diagnostic[];
}

/** The recipe's model (methods applied) and loss as a forward-only graph, for eval and tests. */
export function buildForwardGraph(
  src: SourceFile,
  opts: BuildOptions,
): ForwardBuild | { diagnostics: Diagnostic[] } {
  const s = newSession(src, { ...opts, training: false });
  const recipe = src.program.decls.find(
    (d): d is A.RecipeDecl => d.kind === 'RecipeDecl' && (!opts.recipe || d.name.name === opts.recipe),
  );
  if (!recipe)
    return {
      diagnostics: [
        ...s.diagnostics,
        {
          code: TraceCodes.unknownName,
          severity: 'error',
          message: 'the file has no recipe',
          span: src.program.span,
        },
      ],
    };
  try {
    const parts = readRecipe(s, recipe, opts.stage);
    if (!parts.model || !parts.data)
      err(TraceCodes.badArgument, 'the recipe needs `model = ...` and `data = ...`', recipe.name.span);
    const tree = modelTree(s, parts.model, undefined, parts.modelSpan ?? recipe.span);
    for (const a of parts.applies) {
      const m = asApplied(a.callee);
      if (!m) err(TraceCodes.badArgument, `\`apply\` needs a method, got ${typeName(a.callee)}`, a.span);
      Object.assign(parts, applyMethod(tree, m, a.span, s.it, parts));
    }
    const spec = dataSpec(parts.data, 1, recipe.span);
    const batch = batchRecord(spec, 0, spec.rows);
    const model: Value = { kind: 'module', inst: tree.root };
    const first = (batch as { fields: Map<string, Value> }).fields.get(spec.fields[0].name)!;
    const outputs: Record<string, Node> = {
      output: s.it.tensor(
        s.it.call(model, { positional: [first], named: new Map(), span: recipe.span }),
        recipe.span,
      ),
    };
    if (parts.loss)
      outputs.loss = s.it.tensor(
        s.it.call(parts.loss, { positional: [model, batch], named: new Map(), span: recipe.span }),
        recipe.span,
      );
    const specs = [...allParams(tree.root), ...[...s.references.values()].flatMap((r) => allParams(r))];
    const params: ParamEntry[] = specs.flatMap((p) =>
      leavesOf(p).map((l) => ({
        name: l.name,
        param: p.name,
        shape: l.shape,
        dtype: l.dtype,
        role: 'param' as const,
        trainable: l.trainable,
        init: p.init,
        slice: l.slice,
        added: p.added,
        reference: p.reference,
      })),
    );
    const initialValues = (seed: number) => {
      const out = new Map<string, Float32Array>();
      for (const [k, v] of initAll(specs, seed)) out.set(k, v);
      return out;
    };
    return {
      graph: { outputs, updates: [] },
      params,
      tree,
      dataSpec: spec,
      initialValues,
      diagnostics: s.diagnostics,
    };
  } catch (e) {
    if (e instanceof TraceError) return { diagnostics: [...s.diagnostics, toDiagnostic(e, recipe.span)] };
    throw e;
  }
}
