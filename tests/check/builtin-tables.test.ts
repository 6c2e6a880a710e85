// The checker's builtin table (compiler/check/builtins.ts: what arity checks, hover and
// completion know) against what the compiler implements, in both directions, so the two
// hand-kept tables cannot drift:
//   - every callable name the tracer or a host layer defines is declared to the checker;
//   - every declared name is implemented, handled elsewhere (EXCEPTIONS, each with the file
//     that handles it), or explicitly `plannedBuiltins` (and then really not implemented).
// Implemented names are read from the live tables: the tracer's `builtinNames()`, the
// method-body host builtins (defined into a recording scope), and the data pipeline stages.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinConstants, builtins as declared, plannedBuiltins } from '../../compiler/check/builtins.ts';
import { defineCalibrationBuiltins } from '../../compiler/features/calibration.ts';
import { defineHostInitBuiltins } from '../../compiler/features/host-init.ts';
import { defineSelectionBuiltins } from '../../compiler/features/selection.ts';
import { builtinNames, builtins as traceBuiltins, type TraceContext } from '../../compiler/trace/builtins.ts';
import type { Interp } from '../../compiler/trace/interp.ts';
import type { BuiltinV, Scope } from '../../compiler/trace/values.ts';
import type { ModelTree } from '../../compiler/elaborate/tree.ts';
import { dataBuiltins } from '../../compiler/train/data-spec.ts';
import { compile } from '../../compiler/compile.ts';

const root = join(import.meta.dirname, '../..');

/** Declared names whose implementation is bound where the test cannot list it from a table. */
const EXCEPTIONS: Record<string, string> = {
  // init specs in `param ... init`, read by name, never called (the INITS list)
  normal: 'compiler/elaborate/instantiate.ts',
  uniform: 'compiler/elaborate/instantiate.ts',
  kaiming_uniform: 'compiler/elaborate/instantiate.ts',
  constant: 'compiler/elaborate/instantiate.ts',
  // bound per method application, over the model tree (runMethod)
  modules: 'compiler/elaborate/methods.ts',
  // bound per training session, over the model and its frozen copy (newSession)
  params: 'compiler/train/session.ts',
  reference: 'compiler/train/session.ts',
  hidden: 'compiler/train/session.ts',
  has_param: 'compiler/train/session.ts',
  // a checkpoint inside a merge (evaluateMerge); `gpt2.load(...)` is a model member (calls.ts)
  load: 'compiler/features/checkpoint-merge.ts',
};

/** The host builtins of a method body, by defining them into a scope that only records names. */
function methodHostNames(): string[] {
  const names: string[] = [];
  const scope = { define: (name: string) => void names.push(name) } as unknown as Scope;
  // Definition only closes over the tree and interpreter; nothing is evaluated here.
  const tree = {} as ModelTree;
  defineSelectionBuiltins(scope, tree, {} as Interp);
  defineHostInitBuiltins(scope, tree);
  defineCalibrationBuiltins(scope, tree, { file: '', start: 0, end: 0 } as never);
  return names;
}

const implemented = new Set([...builtinNames(), ...methodHostNames(), ...dataBuiltins().keys()]);

describe('builtin tables', () => {
  it('declares every name the tracer and the host layers implement', () => {
    expect([...implemented].filter((n) => !declared.has(n))).toEqual([]);
  });

  it('implements every declared name, except the listed and the planned ones', () => {
    const missing = [...declared.keys()].filter(
      (n) => !implemented.has(n) && !(n in EXCEPTIONS) && !plannedBuiltins.has(n),
    );
    expect(missing).toEqual([]);
  });

  it('lists as planned only names that are declared and really not implemented', () => {
    for (const n of plannedBuiltins) {
      expect(declared.has(n), n).toBe(true);
      expect(implemented.has(n), `${n} is implemented: remove it from plannedBuiltins`).toBe(false);
      expect(declared.get(n)!.doc).toMatch(/not implemented yet/);
    }
  });

  it('lists exceptions that are declared, not in a table, and bound in the named file', () => {
    for (const [n, file] of Object.entries(EXCEPTIONS)) {
      expect(declared.has(n), n).toBe(true);
      expect(implemented.has(n), `${n} is in a table now: drop the exception`).toBe(false);
      expect(readFileSync(join(root, file), 'utf8'), `${n} in ${file}`).toContain(`'${n}'`);
    }
  });

  // A trace context the constants and `round` never touch.
  const ctx: TraceContext = { training: false, seed: () => null!, nextStream: () => 0 };

  it('binds every declared host constant in the tracer', () => {
    const values = traceBuiltins(ctx);
    expect(builtinConstants.map((c) => values.get(c))).toEqual([Math.PI, Math.E, Infinity]);
  });

  it('rounds compile-time numbers (`round` was declared but missing)', () => {
    const round = traceBuiltins(ctx).get('round') as BuiltinV;
    const at = (x: number) => round.call({ positional: [x], named: new Map(), span: undefined! });
    // Math.round semantics: halves go toward +infinity.
    expect([2.4, 2.5, -2.5, -2.6].map(at)).toEqual([2, 3, -2, -3]);
  });

  it('a planned builtin in a recipe is a diagnostic saying it is not implemented yet', () => {
    const src = `import std.nn.linear
import std.losses.classification
import std.optim.adamw
model m() {
  l0 = linear(4, 3)
  forward(x: f32[B, 4]) -> f32[B, 3] = l0(x) * length(x)
}
recipe r {
  model = m()
  data = synthetic_classification(n: 32, dim: 4, classes: 3, seed: 0) |> batch(8)
  loss = classification
  optim = adamw(lr: 0.01)
  train(steps: 2)
}`;
    expect(plannedBuiltins.has('length')).toBe(true);
    const d = compile(src, 'examples/planned.ftl').diagnostics.filter((x) => x.severity === 'error');
    expect(d).toHaveLength(1);
    expect(d[0].message).toContain('`length` is a planned builtin');
    expect(d[0].span?.line).toBe(6);
    expect(d[0].hint).toBeTruthy();
  });
});
