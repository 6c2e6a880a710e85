// Finite-difference gradient check in f64: loss = Σ y·R with a fixed random weighting R
// (so every output element's gradient matters differently), analytic gradients from
// `grad` evaluated by the CPU executor, numeric ones by central differences.

import { expect } from 'vitest';
import { grad } from '../../compiler/autodiff/index.ts';
import { mk, type Node } from '../../compiler/ir/node.ts';
import type { Shape } from '../../compiler/ir/ops.ts';
import { evaluateNodes, type TypedArray } from '../../runtime/cpu/index.ts';
import { freshInput, randArray, seeded, size } from '../cpu/util.ts';

export interface CheckOptions {
  /** Value range of the differentiated inputs (default [-1, 1)). */
  range?: [number, number];
  /** Explicit values per differentiated input (overrides `range`). */
  values?: ArrayLike<number>[];
  /** Non-differentiated inputs (indices, conditions) bound to fixed values. */
  fixed?: [Node, ArrayLike<number>][];
  seed?: number;
  eps?: number;
  rtol?: number;
  atol?: number;
}

/** Build y = f(xs) over fresh inputs of `shapes`, check every d(Σ y·R)/dx against finite differences. */
export function gradCheck(f: (xs: Node[]) => Node, shapes: Shape[], opts: CheckOptions = {}): void {
  const rng = seeded(opts.seed ?? 7);
  const [lo, hi] = opts.range ?? [-1, 1];
  const xs = shapes.map((s) => freshInput(s));
  const y = f(xs);
  const r = freshInput(y.shape, 'f32', 'r');
  const all = y.shape.map((_, i) => i);
  const loss = mk('reshape', [mk('reduce_sum', [mk('mul', [y, r], null)], { axes: all })], { shape: [] });

  const vals = xs.map((x, k) => Float64Array.from(opts.values?.[k] ?? randArray(rng, size(x.shape), lo, hi)));
  const inputs = new Map<string, TypedArray>();
  const bind = (n: Node, v: ArrayLike<number>) =>
    inputs.set(
      (n.arg as { name: string }).name,
      n.dtype === 'f32' ? Float64Array.from(v) : Int32Array.from(v),
    );
  xs.forEach((x, k) => bind(x, vals[k]));
  bind(r, randArray(rng, size(y.shape), 0.5, 1.5));
  for (const [n, v] of opts.fixed ?? []) bind(n, v);
  const env = { params: new Map(), inputs };
  const lossAt = () => evaluateNodes([loss], env, { precision: 'f64' })[0][0];

  const g = grad(loss, xs);
  const analytic = evaluateNodes(
    xs.map((x) => g.get(x)!),
    env,
    { precision: 'f64' },
  );
  const eps = opts.eps ?? 1e-6;
  const [rtol, atol] = [opts.rtol ?? 1e-5, opts.atol ?? 1e-6];
  xs.forEach((x, k) => {
    const v = vals[k];
    for (let i = 0; i < v.length; i++) {
      const keep = v[i];
      v[i] = keep + eps;
      bind(x, v);
      const up = lossAt();
      v[i] = keep - eps;
      bind(x, v);
      const down = lossAt();
      v[i] = keep;
      bind(x, v);
      const numeric = (up - down) / (2 * eps);
      const a = analytic[k][i];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric)))
        expect.fail(`input ${k} [${x.shape}] element ${i}: analytic ${a}, numeric ${numeric}`);
    }
  });
}
