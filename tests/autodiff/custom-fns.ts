// Test helper: trace calls of .ftl fns (with or without backward rules) the way the
// training build traces a loss (custom rules on), differentiate, strip the markers and
// evaluate on the CPU executor.

import { parse } from '../../grammar/index.ts';
import { grad } from '../../compiler/autodiff/grad.ts';
import { stripCustomVjp } from '../../compiler/autodiff/custom.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import { newSession, type Session } from '../../compiler/train/session.ts';
import type { Value } from '../../compiler/trace/values.ts';
import { evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';

export const file = 'tests/inline.ftl';

/** A session over `src` (fn declarations; imports resolve to stdlib/). */
export function session(src: string): Session {
  const r = parse(src, file);
  if (r.diagnostics.length) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const s = newSession({ file, program: r.ast }, { parse });
  if (s.diagnostics.length) throw new Error(s.diagnostics.map((d) => d.message).join('\n'));
  return s;
}

/** Call fn `name` on `args` with custom backward rules on (as when tracing a loss). */
export function call(s: Session, name: string, args: Value[], named: Record<string, Value> = {}): Node {
  s.env.customBackward = true;
  const f = s.scope.lookup(name);
  if (!f) throw new Error(`no ${name}`);
  return s.it.tensor(
    s.it.call(f, { positional: args, named: new Map(Object.entries(named)), span: undefined! }),
    undefined!,
  );
}

/** sum(y) (or y itself when scalar) and d/dx for each x, markers stripped, evaluated in f64. */
export function valueAndGrads(
  y: Node,
  xs: Node[],
  inputs: Map<string, TypedArray>,
  precision: 'f32' | 'f64' = 'f64',
): { value: number; grads: Float64Array[] } {
  const loss = y.shape.length === 0 ? y : sumAll(y);
  const g = grad(loss, xs);
  const stripped = stripCustomVjp({
    outputs: Object.fromEntries([loss, ...xs.map((x) => g.get(x)!)].map((n, i) => [`o${i}`, n])),
    updates: [],
  });
  const nodes = Object.values(stripped.outputs);
  if (nodes.some((n) => n.op === 'custom_vjp')) throw new Error('marker left');
  const out = evaluateNodes(nodes, { params: new Map(), inputs }, { precision });
  return { value: out[0][0], grads: out.slice(1).map((a) => Float64Array.from(a as ArrayLike<number>)) };
}

function sumAll(y: Node): Node {
  const axes = y.shape.map((_, i) => i);
  return mk('reshape', [mk('reduce_sum', [y], { axes })], { shape: [] });
}
