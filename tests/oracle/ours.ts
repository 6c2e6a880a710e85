// Our side of the oracle comparisons: compile an inline recipe's model + loss, differentiate
// the loss w.r.t. every parameter and evaluate in float64 on the CPU executor.
import { grad } from '../../compiler/autodiff/grad.ts';
import { mk } from '../../compiler/ir/node.ts';
import { evaluateNodes } from '../../runtime/cpu/index.ts';
import { forward } from '../stdlib/helpers.ts';

export interface Ours {
  loss: number;
  grads: Map<string, Float64Array>;
  params: Map<string, Float32Array>;
  shapes: Map<string, readonly number[]>;
}

/**
 * `spread` adds deterministic noise in [-spread, spread] to every initial value, so biases
 * and norm weights are not 0/1 and attention is far from uniform: every path matters.
 */
export function lossAndGrads(
  recipe: string,
  inputs: Map<string, Int32Array | Float32Array>,
  seed: number,
  spread = 0.3,
): Ours {
  const f = forward(recipe);
  const loss = f.graph.outputs.loss;
  const leaves = f.params.map((p) =>
    mk('param', [], { name: p.name, role: 'param' }, { shape: p.shape, dtype: p.dtype }),
  );
  const g = grad(loss, leaves);
  const params = f.initialValues(seed);
  let k = 0;
  for (const v of params.values())
    for (let i = 0; i < v.length; i++) v[i] += spread * Math.sin(12.9898 * ++k + 78.233);
  const vals = evaluateNodes(
    [loss, ...leaves.map((l) => g.get(l)!)],
    { params, inputs },
    { precision: 'f64' },
  );
  const grads = new Map<string, Float64Array>();
  f.params.forEach((p, i) => grads.set(p.name, vals[i + 1] as Float64Array));
  return { loss: vals[0][0], grads, params, shapes: new Map(f.params.map((p) => [p.name, p.shape])) };
}

export const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

/**
 * ||a - b|| / max(||b||, floor) (b the oracle). The floor (1e-3 of the global gradient norm)
 * matters only for gradients that are zero in exact arithmetic, such as an attention key
 * bias (softmax ignores a per-row shift): there both sides hold float32 rounding noise.
 */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-8): number {
  let num = 0;
  for (let i = 0; i < b.length; i++) num += (a[i] - b[i]) ** 2;
  return Math.sqrt(num) / Math.max(norm(b), floor);
}
