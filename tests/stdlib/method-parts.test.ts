// Methods that change the recipe beyond the model: an auxiliary loss term added to the
// recipe's loss, and MeZO replacing the gradient estimator and the optimizer.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../runtime/cpu/index.ts';
import { gptRecipe, tokenBatch, train } from './helpers.ts';

const AUX = `
method l2_embed(weight: float = 0.1) {
  let base_loss = loss
  loss = (m, b) => base_loss(m, b) + weight * sum(m.wte.weight * m.wte.weight)
}
`;
const inputs = () => {
  const { tokens, loss_mask } = tokenBatch(4, 8, 16);
  return new Map<string, Int32Array | Float32Array>([
    ['tokens', tokens],
    ['loss_mask', loss_mask],
    ['step', Int32Array.of(1)],
  ]);
};

describe('methods replacing recipe parts', () => {
  it('adds an auxiliary loss term to the recipe loss', () => {
    const plain = train(gptRecipe(''));
    const aux = train(AUX + gptRecipe('apply l2_embed(weight: 0.5)'));
    const params = plain.initialValues(0);
    const l0 = evaluate(plain.graph, { params, inputs: inputs() }).outputs.loss[0];
    const l1 = evaluate(aux.graph, { params, inputs: inputs() }).outputs.loss[0];
    const wte = params.get('wte.weight')!;
    const sq = wte.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(l1 - (l0 + 0.5 * sq))).toBeLessThan(1e-5 * (1 + Math.abs(l1)));
  });

  it('mezo replaces the gradient estimator and the optimizer', () => {
    const m = train('import std.methods.mezo\n' + gptRecipe('apply mezo(eps: 1e-3, lr: 0.1)'));
    // sgd keeps one buffer per trainable tensor (adamw from the recipe would keep two).
    const trainable = m.params.filter((p) => p.trainable).length;
    expect(m.params.filter((p) => p.role === 'state').length).toBe(trainable);
    expect(m.params.filter((p) => p.role === 'state').every((p) => p.name.endsWith(':buf'))).toBe(true);
    const ops = new Set<string>();
    const seen = new Set<object>();
    const walk = (n: { op: string; src: readonly object[] }) => {
      if (seen.has(n)) return;
      seen.add(n);
      ops.add(n.op);
      n.src.forEach((x) => walk(x as typeof n));
    };
    m.graph.updates.forEach((u) => walk(u.value));
    expect(ops.has('rand')).toBe(true); // the SPSA perturbation
  });

  it('params(pattern) gives a parameter set a loss can regularise', () => {
    const plain = train(gptRecipe(''));
    const reg = train(
      'loss l2(model, batch) = causal_lm(model, batch) + 0.01 * sum(params("**.weight") ^ 2)\n' +
        gptRecipe('').replace('loss = causal_lm', 'loss = l2'),
    );
    const params = plain.initialValues(0);
    const l0 = evaluate(plain.graph, { params, inputs: inputs() }).outputs.loss[0];
    const l1 = evaluate(reg.graph, { params, inputs: inputs() }).outputs.loss[0];
    let sq = 0;
    for (const [k, v] of params) if (k.endsWith('.weight')) for (const x of v) sq += x * x;
    expect(Math.abs(l1 - (l0 + 0.01 * sq))).toBeLessThan(1e-5 * (1 + l1));
    expect(sq).toBeGreaterThan(1);
  });
});
