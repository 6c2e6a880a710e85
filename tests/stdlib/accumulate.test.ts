// Gradient accumulation: K micro-batches with the loss normalised by the kept-token count
// of all of them give the same loss and the same update as one batch of K times the rows,
// even when the micro-batches keep different numbers of tokens.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../runtime/cpu/index.ts';
import { tokenBatch, train } from './helpers.ts';

const recipe = (batch: number, accumulate: number, clip = '') => `
import std.models.gpt2
import std.losses.causal_lm
import std.optim.sgd
recipe r {
  model = gpt2(vocab: 16, ctx: 8, d: 8, heads: 2, layers: 1)
  data = text("x.txt") |> chunks(seq: 8) |> batch(${batch})
  loss = causal_lm
  optim = sgd(lr: 0.5)
  train(steps: 1, accumulate: ${accumulate}${clip})
}`;

describe('gradient accumulation', () => {
  it('equals the full batch', () => {
    const full = train(recipe(4, 1));
    const acc = train(recipe(2, 2));
    expect(acc.dataSpec.rows).toBe(4);
    expect(acc.dataSpec.microBatches).toBe(2);
    const { tokens, loss_mask } = tokenBatch(4, 8, 16);
    loss_mask.fill(0, 0, 6); // first micro-batch keeps fewer tokens than the second
    const inputs = new Map<string, Int32Array | Float32Array>([
      ['tokens', tokens],
      ['loss_mask', loss_mask],
      ['step', Int32Array.of(1)],
    ]);
    const params = full.initialValues(5);
    const a = evaluate(full.graph, { params, inputs });
    const b = evaluate(acc.graph, { params, inputs });
    expect(b.outputs.loss[0]).toBeCloseTo(a.outputs.loss[0], 5);
    expect(a.updates.size).toBeGreaterThan(0);
    for (const [k, v] of a.updates) {
      // Compare the steps (new - old), relative to the largest step of the tensor.
      const w = b.updates.get(k)!;
      const p = params.get(k)!;
      const scale = Math.max(...Array.from(v, (x, i) => Math.abs(x - p[i])), 1e-6);
      for (let i = 0; i < v.length; i++)
        expect(Math.abs(w[i] - p[i] - (v[i] - p[i])) / scale, k).toBeLessThan(1e-4);
    }
  });
});
