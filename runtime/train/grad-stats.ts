// Gradient statistics over a few calibration batches, for methods that choose what to
// train from gradients (SpIEL's regrowth, GreenTrainer-style importance).
//
//   gradientStats(build, store, feeds) -> Map<param name, Float32Array>   sum_b |dL_b/dW|
//
// `build` is any training build whose model parameters are whole leaves (e.g. the recipe
// without its selective method); its loss output is differentiated with respect to every
// model parameter leaf (compiler/autodiff/grad.ts) and evaluated on the CPU executor at the
// weights in `store`, once per feed. The result goes to the next selection through
// compiler/features/selection.ts `withWeights(weights, f, grads)`: run.ts computes it (only
// when a selection reads it, select.ts) at a stage start and at every `reselect_every`
// boundary, over the previous build at the current weights.

import { grad } from '../../compiler/autodiff/grad.ts';
import { leavesOf } from '../../compiler/ir/graph.ts';
import type { TrainingBuild } from '../../compiler/train/build.ts';
import { evaluateNodes, type TypedArray } from '../cpu/index.ts';
import type { ParamStore } from './stages.ts';

export function gradientStats(
  b: Pick<TrainingBuild, 'graph' | 'params'>,
  store: ParamStore,
  feeds: readonly Map<string, TypedArray>[],
): Map<string, Float32Array> {
  const model = new Set(
    b.params.filter((p) => p.role === 'param' && p.name === p.param && !p.reference).map((p) => p.name),
  );
  const leaves = leavesOf(b.graph, 'param').filter((n) => model.has(n.arg.name));
  const g = grad(b.graph.outputs.loss, leaves);
  const nodes = leaves.map((n) => g.get(n)).filter((n) => n !== undefined);
  const names = leaves.filter((n) => g.get(n) !== undefined).map((n) => n.arg.name);
  const out = new Map<string, Float32Array>(
    names.map((n, i) => [n, new Float32Array(nodes[i]!.shape.reduce((x, y) => x * y, 1))]),
  );
  for (const inputs of feeds) {
    const vals = evaluateNodes(nodes as never, { params: store as Map<string, TypedArray>, inputs });
    names.forEach((n, i) => {
      const acc = out.get(n)!;
      const v = vals[i] as Float32Array;
      for (let k = 0; k < acc.length; k++) acc[k] += Math.abs(v[k]);
    });
  }
  return out;
}
