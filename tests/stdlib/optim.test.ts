// Optimizers and schedules from stdlib/optim and stdlib/schedules, lowered into the
// training graph, against the textbook update written out in JS from the same gradients.
import { describe, expect, it } from 'vitest';
import { grad } from '../../compiler/autodiff/grad.ts';
import { mk } from '../../compiler/ir/node.ts';
import { evaluate, evaluateNodes } from '../../runtime/cpu/index.ts';
import { forward, train, type Store } from './helpers.ts';

const recipe = (optim: string, steps = 10) => `
import std.models.mlp_classifier
import std.losses.classification
import std.optim.adamw
import std.optim.sgd
import std.schedules.cosine
import std.schedules.linear_decay
recipe r {
  model = mlp_classifier(dim: 3, hidden: 5, classes: 2)
  data = synthetic_classification(n: 8, dim: 3, classes: 2) |> batch(4)
  loss = classification
  optim = ${optim}
  train(steps: ${steps})
}`;

const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
const label = Int32Array.from([0, 1, 1, 0]);

/** Gradients of the loss at `params` (evaluated independently of the optimizer graph). */
function grads(params: Map<string, Float32Array>): Map<string, Float32Array> {
  const f = forward(recipe('sgd()'));
  const leaves = f.params.map((p) =>
    mk('param', [], { name: p.name, role: 'param' }, { shape: p.shape, dtype: p.dtype }),
  );
  const g = grad(f.graph.outputs.loss, leaves);
  const vals = evaluateNodes(
    leaves.map((l) => g.get(l)!),
    {
      params,
      inputs: new Map<string, Float32Array | Int32Array>([
        ['x', x],
        ['label', label],
      ]),
    },
  );
  return new Map(f.params.map((p, i) => [p.name, vals[i] as Float32Array]));
}

function run(
  optim: string,
  steps: number,
  rule: (p: number, g: number, s: number, st: Record<string, number>) => number,
) {
  const b = train(recipe(optim, 10));
  const store: Store = b.initialValues(4);
  // JS reference state per element.
  const ref = new Map(
    [...store].filter(([k]) => !k.includes(':')).map(([k, v]) => [k, Float32Array.from(v as Float32Array)]),
  );
  const states = new Map<string, Record<string, number>[]>();
  for (let s = 1; s <= steps; s++) {
    const g = grads(ref);
    for (const [k, v] of ref) {
      const st = states.get(k) ?? Array.from(v, () => ({}));
      states.set(k, st);
      for (let i = 0; i < v.length; i++) v[i] = rule(v[i], g.get(k)![i], s, st[i]);
    }
    const { updates } = evaluate(b.graph, {
      params: store,
      inputs: new Map<string, Float32Array | Int32Array>([
        ['x', x],
        ['label', label],
        ['step', Int32Array.of(s)],
      ]),
    });
    for (const [k, v] of updates) store.set(k, v);
  }
  for (const [k, v] of ref) {
    const got = store.get(k)!;
    for (let i = 0; i < v.length; i++)
      expect(Math.abs(got[i] - v[i]), `${k}[${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(v[i])));
  }
}

describe('optimizers', () => {
  it('adamw matches the AdamW update with bias correction and decoupled decay', () => {
    const [lr, b1, b2, eps, wd] = [0.05, 0.9, 0.99, 1e-8, 0.1];
    run(`adamw(lr: ${lr}, beta1: ${b1}, beta2: ${b2}, weight_decay: ${wd})`, 3, (p, g, s, st) => {
      st.m = b1 * (st.m ?? 0) + (1 - b1) * g;
      st.v = b2 * (st.v ?? 0) + (1 - b2) * g * g;
      return p - lr * (st.m / (1 - b1 ** s) / (Math.sqrt(st.v / (1 - b2 ** s)) + eps) + wd * p);
    });
  });

  it('sgd with momentum and weight decay matches torch.optim.SGD', () => {
    const [lr, mom, wd] = [0.1, 0.9, 0.01];
    run(`sgd(lr: ${lr}, momentum: ${mom}, weight_decay: ${wd})`, 3, (p, g, _s, st) => {
      st.buf = mom * (st.buf ?? 0) + g + wd * p;
      return p - lr * st.buf;
    });
  });

  it('a cosine schedule scales the step by the Hugging Face cosine-with-warmup factor', () => {
    const [lr, warm, total] = [0.1, 2, 10];
    const factor = (s: number) =>
      s <= warm ? s / warm : 0.5 * (1 + Math.cos((Math.PI * (s - warm)) / (total - warm)));
    run(`sgd(lr: ${lr}, schedule: cosine(warmup: ${warm}))`, 4, (p, g, s) => p - lr * factor(s) * g);
  });

  it('linear_decay warms up then decays linearly to zero at the last step', () => {
    const [lr, warm, total] = [0.1, 1, 10];
    const factor = (s: number) => (s <= warm ? s / warm : Math.max(0, (total - s) / (total - warm)));
    run(`sgd(lr: ${lr}, schedule: linear_decay(warmup: ${warm}))`, 3, (p, g, s) => p - lr * factor(s) * g);
  });
});
