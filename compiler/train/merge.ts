// Folding method parameters back into base weights for export: every `merge m.w += expr`
// rule a method recorded (elaborate/methods.ts) is traced with the module's parameters as
// IR leaves and evaluated on the CPU executor with the trained values.
//
//   mergedParams(tree, values) -> Map<param name, Float32Array>
// returns each base (not method-added) parameter whole (row-split leaves joined again),
// with the merge rules applied in the order the methods declared them.

import type * as A from '../../grammar/ast.ts';
import { evaluateNodes } from '../../runtime/cpu/index.ts';
import { allParams, findModule, leavesOf, type ModelTree } from '../elaborate/tree.ts';
import { paramNode, makeInterp } from '../trace/calls.ts';
import { TraceCodes, fmtShape } from '../trace/errors.ts';
import { err } from '../trace/interp.ts';
import * as T from '../trace/tensor.ts';

type Values = ReadonlyMap<string, Float32Array | Float64Array | Int32Array | Uint8Array>;

export function mergedParams(tree: ModelTree, values: Values): Map<string, Float32Array> {
  const it = makeInterp({ totalSteps: 1 });
  const out = new Map<string, Float32Array>();
  const whole = (name: string): Float32Array => {
    const spec = allParams(tree.root).find((p) => p.name === name)!;
    const node = paramNode(spec);
    return Float32Array.from(evaluateNodes([node], { params: values })[0] as Float32Array);
  };
  for (const p of allParams(tree.root))
    if (!p.added)
      out.set(
        p.name,
        leavesOf(p).length === 1 ? Float32Array.from(values.get(p.name) as Float32Array) : whole(p.name),
      );
  for (const rule of tree.merges) {
    const m = findModule(tree.root, rule.module)!;
    const target = m.params.get(rule.target)!;
    const delta = it.tensor(it.eval(rule.body as A.Expr, rule.scope), (rule.body as A.Expr).span);
    if (delta.shape.join() !== target.shape.join())
      err(
        TraceCodes.shapeMismatch,
        `merge into \`${target.name}\` ${fmtShape(target.shape)} got ${fmtShape(delta.shape)}`,
        (rule.body as A.Expr).span,
      );
    const [d] = evaluateNodes([T.cast(delta, 'f32')], { params: values });
    const cur = out.get(target.name)!;
    out.set(
      target.name,
      rule.op === '=' ? Float32Array.from(d as Float32Array) : cur.map((v, i) => v + (d as Float32Array)[i]),
    );
  }
  return out;
}
