// MeZO's SPSA gradient (stdlib/methods/mezo.ftl) through the `gradient` declaration: the
// update is lr * g * z with z the counter-based normal noise of the step, g the central
// difference along z, which matches the exact directional derivative ∇L·z from autodiff;
// and zeroth-order training lowers the loss.
import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/grad.ts';
import { mk } from '../../compiler/ir/node.ts';
import { evaluate, evaluateNodes, step } from '../../runtime/cpu/index.ts';
import { normal } from '../../runtime/rng.ts';
import { syntheticBatch, syntheticClassification } from '../../compiler/train/synthetic.ts';
import { forward, train, type Store } from './helpers.ts';

const recipe = (lr: number, eps: number, steps = 10) => `
import std.models.mlp_classifier
import std.losses.classification
import std.optim.sgd
import std.methods.mezo
recipe r {
  model = mlp_classifier(dim: 4, hidden: 8, classes: 3)
  data = synthetic_classification(n: 48, dim: 4, classes: 3) |> batch(16)
  loss = classification
  gradient = spsa(eps: ${eps})
  optim = sgd(lr: ${lr})
  train(steps: ${steps})
}`;

describe('mezo (spsa gradient)', () => {
  it('updates along z by the central difference, which equals ∇L·z', () => {
    const [lr, eps, s] = [0.1, 1e-3, 3];
    const b = train(recipe(lr, eps));
    const data = syntheticClassification(48, 4, 3, 0);
    const { x, label } = syntheticBatch(data, 4, 0, 16);
    const inputs = new Map<string, Float32Array | Int32Array>([
      ['x', x],
      ['label', label],
      ['step', Int32Array.of(s)],
    ]);
    const params = b.initialValues(0);
    const { updates } = evaluate(b.graph, { params, inputs }, { precision: 'f64' });
    // z: one normal stream per trainable leaf, in parameter order, seeded by the step.
    const trainable = b.params.filter((p) => p.trainable);
    let gz: number | undefined;
    trainable.forEach((p, k) => {
      const before = params.get(p.name)!;
      const after = updates.get(p.name)!;
      for (let i = 0; i < before.length; i++) {
        const z = normal(s, k, i);
        const ratio = (before[i] - after[i]) / (lr * z);
        gz ??= ratio;
        expect(Math.abs(ratio - gz)).toBeLessThan(1e-6 * (1 + Math.abs(gz)));
      }
    });
    // Exact directional derivative from autodiff at the same parameters.
    const f = forward(recipe(lr, eps));
    const leaves = f.params.map((p) =>
      mk('param', [], { name: p.name, role: 'param' }, { shape: p.shape, dtype: p.dtype }),
    );
    const g = grad(f.graph.outputs.loss, leaves);
    const gv = evaluateNodes(
      leaves.map((l) => g.get(l)!),
      { params, inputs },
      { precision: 'f64' },
    );
    let dir = 0;
    f.params.forEach((p, k) => gv[k].forEach((v, i) => (dir += v * normal(s, k, i))));
    expect(Math.abs(gz! - dir)).toBeLessThan(1e-4 * (1 + Math.abs(dir)));
  });

  it('trains without a backward graph: the loss falls', () => {
    const b = train(recipe(0.02, 1e-3, 300));
    expect(b.graph.updates.length).toBe(4 + 4); // 4 params + 4 momentum buffers (sgd)
    const data = syntheticClassification(48, 4, 3, 0);
    const store: Store = b.initialValues(0);
    const losses: number[] = [];
    for (let s = 1; s <= 300; s++) {
      const { x, label } = syntheticBatch(data, 4, s - 1, 16);
      losses.push(
        step(
          b.graph,
          store,
          new Map<string, Float32Array | Int32Array>([
            ['x', x],
            ['label', label],
            ['step', Int32Array.of(s)],
          ]),
        ).loss[0],
      );
    }
    const avg = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    expect(avg(losses.slice(-30))).toBeLessThan(0.8 * avg(losses.slice(0, 30)));
  });
});
